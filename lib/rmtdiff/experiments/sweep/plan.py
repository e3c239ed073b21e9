"""The grid of a sweep: the chapters' configurations at a scale and every job of them, by key."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ...util.paths import resolve
from ...data.train_test import prepare_data
from .. import network_grid as nc
from ..config import preset


PRESETS = ("networks", "mismatch")


@dataclass(frozen=True)
class SweepJob:
    """One point of the grid, ready to submit: its key and how to rebuild it in a worker."""

    key: str
    label: str
    cfg: object             # a NetworkChapterConfig with an absolute run_dir
    kind: str
    arch: str
    n: int
    split: int

    @property
    def folder(self) -> Path:
        return Path(self.cfg.run_dir) / self.key

    @property
    def done(self) -> bool:
        return (self.folder / "run.json").exists()


def sweep_configs(scale: str, presets=PRESETS, datasets=None, overrides=None,
                  run_dir=None) -> list:
    """The configurations of a sweep: each preset at ``scale`` with ``overrides``, once per
    dataset (default: the preset's), all writing to ``run_dir`` (default: the preset's store)."""
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in (overrides or {}).items()}
    cfgs = []
    for name in presets:
        if name not in PRESETS:
            raise ValueError(f"presets must be among {PRESETS}; got {name!r}")
        base = preset(name, scale, **overrides)
        for ds in datasets or [base.dataset]:
            store = resolve(run_dir if run_dir is not None else base.run_dir)
            cfgs.append(dataclasses.replace(base, dataset=str(ds), run_dir=str(store),
                                            train_missing=True))
    return cfgs


def plan(cfgs, show: bool = False) -> list[SweepJob]:
    """Every job of the configurations, deduplicated by key (the mismatch chapter's i.i.d.
    control is the networks chapters' own pair), in grid order. Reads each dataset once."""
    jobs, seen, cache = [], set(), {}
    for cfg in cfgs:
        data_key = (cfg.dataset, cfg.image_size, cfg.held_out)
        if data_key not in cache:
            cache[data_key] = prepare_data(cfg)
        data = cache[data_key]
        for j in nc.grid_jobs(cfg, data):
            key = nc.job_key(cfg, data, j)
            if key in seen:
                continue
            seen.add(key)
            label = f"{Path(cfg.dataset).name} {j.arch} {j.meta['split_name']}"
            jobs.append(SweepJob(key, label, cfg, j.kind, j.arch, j.n, j.split))
    return jobs
