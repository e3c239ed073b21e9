"""The state of every job of a run store: done / running / interrupted / failed / submitted /
partial / pending, as a table."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from .plan import SweepJob
from ...nets.runs import is_training


def status(run_dir: str | os.PathLike,
           jobs: list[SweepJob] | None = None) -> list[dict[str, str]]:
    """One row per job known in ``run_dir`` (from its bookkeeping, or the given ``jobs``):
    ``{key, label, state, detail}`` with state done / running / interrupted / failed / submitted
    / partial (a checkpoint, no job record) / pending.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run store.
    jobs : list of SweepJob, optional
        The jobs to report (default: every job with a record in ``<run_dir>/_sweep``); run
        folders without a record are added in either case.

    Returns
    -------
    list of dict of str to str
        One per job; ``detail`` says the steps and loss of a finished run, the last error lines
        of a failed one, or the checkpoint step. A record that cannot be parsed gives the state
        ``"unreadable"``.
    """
    run_dir = Path(run_dir)
    labels = {j.key: j.label for j in jobs or []}
    states = {}
    for p in sorted((run_dir / "_sweep").glob("*.json")):
        try:
            states[p.stem] = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError):
            states[p.stem] = {"state": "unreadable"}
    keys = list(labels) or list(states)
    keys += [p.name for p in sorted(run_dir.iterdir()) if p.is_dir() and p.name != "_sweep"
             and p.name not in keys and p.name not in states] if run_dir.is_dir() else []
    rows = []
    for key in keys:
        st = states.get(key, {})
        folder = run_dir / key
        label = labels.get(key) or st.get("label") or _label_from_run(folder) or key
        detail = ""
        if (folder / "run.json").exists():
            rec = json.loads((folder / "run.json").read_text())
            state = "done"
            final = rec.get("final", {})
            detail = (f"{rec.get('steps_done')} steps, {rec.get('seconds')} s, train loss "
                      f"{final.get('train_loss', float('nan')):.4f}")
        elif is_training(folder):          # a process holds its lock: whatever the record says
            state, detail = "running", _checkpoint_step(folder)
        elif st.get("state") == "failed":
            state, detail = "failed", _tail(st.get("error", ""), 3)
        elif st.get("state") in ("running", "interrupted"):
            alive = st["state"] == "running" and _alive(st) is not False
            state = "running" if alive else "interrupted"
            detail = _checkpoint_step(folder)
        elif st.get("state"):
            state, detail = st["state"], _checkpoint_step(folder)
        elif (folder / "checkpoint.pt").exists():
            state, detail = "partial", _checkpoint_step(folder)
        else:
            state = "pending"
        rows.append({"key": key, "label": label, "state": state, "detail": detail})
    return rows


def _tail(text: str, lines: int) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def _alive(st: dict) -> bool | None:
    """Whether the recorded process still runs (None: on another host, cannot tell)."""
    if st.get("host") != socket.gethostname() or "pid" not in st:
        return None
    try:
        os.kill(int(st["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _checkpoint_step(folder: Path) -> str:
    ckpt = folder / "checkpoint.pt"
    if not ckpt.exists():
        return "no checkpoint yet"
    import torch

    try:
        step = torch.load(ckpt, map_location="cpu", weights_only=False)["step"]
    except Exception:
        return "checkpoint unreadable"
    return f"checkpoint at step {step}"


def _label_from_run(folder: Path) -> str | None:
    try:
        rec = json.loads((folder / "run.json").read_text())
        return f"{rec['network']['arch']} {rec['meta'].get('split_name', '')}"
    except (OSError, KeyError, json.JSONDecodeError):
        return None


def format_table(rows: list[dict[str, str]]) -> str:
    """The status rows as a fixed-width table with a count per state.

    Parameters
    ----------
    rows : list of dict
        From :func:`status`.

    Returns
    -------
    str
        A header, one line per row and a last line of counts; ``"no jobs"`` for no rows.

    >>> print(format_table([{"key": "k", "label": "unet n=30 split 1", "state": "done",
    ...                      "detail": ""}]))  # doctest: +NORMALIZE_WHITESPACE
    key                   run                state        detail
    k                     unet n=30 split 1  done
    1 done
    """
    if not rows:
        return "no jobs"
    w = max(len(r["label"]) for r in rows)
    lines = [f"{'key':20}  {'run':{w}}  {'state':11}  detail"]
    lines += [f"{r['key']:20}  {r['label']:{w}}  {r['state']:11}  {r['detail']}" for r in rows]
    counts = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    lines.append(", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return "\n".join(lines)
