"""Bookkeeping of a sweep's jobs: one ``<run_dir>/_sweep/<key>.json`` per job (state, host,
process, times, the error's last lines), written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from ...util.io import write_json


def _state_path(cfg, key: str) -> Path:
    return Path(cfg.run_dir) / "_sweep" / f"{key}.json"


def _write_state(cfg, key: str, **fields) -> None:
    path = _state_path(cfg, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update(fields)
    write_json(path, old)
