"""Sweeps of training runs on one machine or a SLURM cluster, through submitit.

A sweep is the grid of the network chapters (datasets x split kinds x n x split x architecture),
each point one content-addressed run of :mod:`rmtdiff.runs` in a run store. Launching a sweep
submits only the runs whose ``run.json`` is missing, so a second launch submits nothing and a
half-finished sweep picks up where it stopped; an interrupted run resumes from its last
checkpoint (every ``checkpoint_every`` steps).

* ``--executor local`` (default): the jobs run as subprocesses of this machine, ``--parallel K``
  at a time, and the command waits for them.
* ``--executor slurm``: one job array (``--partition``, ``--gpus-per-node``, ``--timeout-min``,
  ...). Near its time limit or on preemption SLURM sends USR2; submitit then requeues the job
  (up to ``--max-requeue`` time-outs; preemptions do not count) and the requeued job resumes
  the run from its checkpoint. With ``--gpus-per-node G`` each run is one job of ``G`` tasks
  trained with DistributedDataParallel (:mod:`rmtdiff.distributed`).

Command line (``python -m rmtdiff.sweep --help``)::

    python -m rmtdiff.sweep launch --scale paper --dataset cifar10 --dry-run
    python -m rmtdiff.sweep launch --scale paper --executor slurm --partition gpu --gpus-per-node 1
    python -m rmtdiff.sweep status --run-dir /scratch/runs

Bookkeeping lives beside the runs in ``<run_dir>/_sweep/``: submitit's logs and pickles
(``logs/``) and one ``<key>.json`` per job (state, host, process, times, the error's last lines),
which ``status`` reads.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import distributed
from . import network_consistency as nc
from .config import preset

BOOK = Path(__file__).resolve().parents[2] / "book"
PRESETS = ("networks", "mismatch")


# --------------------------------------------------------------------------- the grid

def resolve_run_dir(run_dir: str | os.PathLike) -> Path:
    """A chapter's ``run_dir`` is relative to ``book/``; an absolute path stays."""
    p = Path(run_dir).expanduser()
    return p if p.is_absolute() else (BOOK / p).resolve()


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
            store = resolve_run_dir(run_dir if run_dir is not None else base.run_dir)
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
            cache[data_key] = nc.prepare_data(cfg)
        data = cache[data_key]
        for j in nc.grid_jobs(cfg, data):
            key = nc.job_key(cfg, data, j)
            if key in seen:
                continue
            seen.add(key)
            label = f"{Path(cfg.dataset).name} {j.arch} {j.meta['split_name']}"
            jobs.append(SweepJob(key, label, cfg, j.kind, j.arch, j.n, j.split))
    return jobs


# --------------------------------------------------------------------------- the job

def _state_path(cfg, key: str) -> Path:
    return Path(cfg.run_dir) / "_sweep" / f"{key}.json"


def _write_state(cfg, key: str, **fields) -> None:
    path = _state_path(cfg, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update(fields)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(old, indent=1))
    os.replace(tmp, path)


try:                                   # submitit is optional for training in-process
    from submitit.helpers import Checkpointable as _Checkpointable
except ImportError:                    # pragma: no cover
    _Checkpointable = object


class TrainJob(_Checkpointable):
    """The callable a worker runs: rebuild the job from its configuration, check its key, train
    (or find) the run. On SLURM's pre-timeout signal submitit calls :meth:`checkpoint`, which
    resubmits the same call; the run then resumes from its last checkpoint."""

    def __init__(self, job: SweepJob):
        self.job = job

    def __call__(self) -> str:
        job, cfg = self.job, self.job.cfg
        env = _submitit_env()
        if env is not None and env.num_tasks > 1:
            import submitit

            submitit.helpers.TorchDistributedEnvironment().export()
        rank, world = distributed.init_from_env()
        main = rank == 0
        if main:
            _write_state(cfg, job.key, state="running", label=job.label, host=socket.gethostname(),
                         pid=os.getpid(), processes=world, started=time.time(),
                         submitit_id=None if env is None else env.job_id)
        try:
            data = nc.prepare_data(cfg)
            (j,) = [j for j in nc.grid_jobs(cfg, data)
                    if (j.kind, j.arch, j.n, j.split) == (job.kind, job.arch, job.n, job.split)]
            key = nc.job_key(cfg, data, j)
            if key != job.key:
                raise RuntimeError(f"{job.label}: its key is now {key}, not {job.key} as when it "
                                   "was launched (the data or the training code changed); "
                                   "launch the sweep again")
            run = nc.run_job(cfg, data, j)
        except BaseException as exc:
            if main:
                stopped = isinstance(exc, (KeyboardInterrupt, SystemExit))
                _write_state(cfg, job.key, state="interrupted" if stopped else "failed",
                             finished=time.time(), error=traceback.format_exc()[-3000:],
                             error_type=type(exc).__name__)
            raise
        if main:
            _write_state(cfg, job.key, state="done", finished=time.time(),
                         resumed_from=run.record.get("resumed_from", 0))
        return str(run.path)


def _submitit_env():
    try:
        import submitit

        return submitit.JobEnvironment()
    except Exception:
        return None


# --------------------------------------------------------------------------- executors

def slurm_parameters(partition: str | None = None, gpus_per_node: int = 1,
                     timeout_min: int = 240, cpus_per_task: int | None = None,
                     mem_gb: int | None = None, account: str | None = None,
                     qos: str | None = None, array_parallelism: int = 64,
                     signal_delay_s: int = 120, setup: list[str] | None = None) -> dict:
    """submitit's :class:`~submitit.SlurmExecutor` parameters for one run per job: ``gpus_per_node``
    tasks (one DDP rank per GPU), USR2 ``signal_delay_s`` seconds before the time limit (time to
    reach the next checkpoint is not needed: the run resumes from its last one)."""
    if gpus_per_node < 1:
        raise ValueError(f"gpus_per_node must be >= 1; got {gpus_per_node}")
    if timeout_min < 1:
        raise ValueError(f"timeout_min must be >= 1; got {timeout_min}")
    params = {"job_name": "rmtdiff", "partition": partition, "nodes": 1,
              "gpus_per_node": gpus_per_node, "ntasks_per_node": gpus_per_node,
              "cpus_per_task": cpus_per_task or 8, "time": timeout_min,
              "signal_delay_s": signal_delay_s, "array_parallelism": array_parallelism,
              "mem": f"{mem_gb}GB" if mem_gb else None, "account": account, "qos": qos,
              "setup": setup}
    return {k: v for k, v in params.items() if v is not None}


def make_executor(kind: str, folder: Path, slurm: dict | None = None, max_requeue: int = 10,
                  timeout_min: float = 24 * 60, signal_delay_s: int = 30):
    """A submitit executor writing its logs under ``folder``. Locally a job gets
    ``timeout_min`` minutes (submitit's own default is 2) and the time-out signal
    ``signal_delay_s`` seconds before; on the signal it is requeued and resumes."""
    import submitit

    if kind == "local":
        ex = submitit.LocalExecutor(folder, max_num_timeout=max_requeue)
        ex.update_parameters(timeout_min=timeout_min, signal_delay_s=signal_delay_s)
        return ex
    if kind == "slurm":
        ex = submitit.SlurmExecutor(folder, max_num_timeout=max_requeue)
        ex.update_parameters(**(slurm or {}))
        return ex
    raise ValueError(f"executor must be 'local' or 'slurm'; got {kind!r}")


def launch(jobs: list[SweepJob], executor: str = "local", parallel: int = 1,
           slurm: dict | None = None, max_requeue: int = 10, wait: bool = True,
           timeout_min: float = 24 * 60, signal_delay_s: int = 30, out=sys.stdout) -> list:
    """Submit the jobs that are not done; returns the submitit jobs. Locally, ``parallel`` run
    at a time, each for at most ``timeout_min`` minutes before it is requeued (and resumes), and
    (with ``wait``) the call returns when all have ended; on SLURM, one array (``slurm`` holds
    its parameters, :func:`slurm_parameters`)."""
    todo = [j for j in jobs if not j.done]
    print(f"{len(jobs)} jobs: {len(jobs) - len(todo)} already done, {len(todo)} to run", file=out)
    if not todo:
        return []
    folder = Path(todo[0].cfg.run_dir) / "_sweep" / "logs"
    ex = make_executor(executor, folder, slurm, max_requeue, timeout_min, signal_delay_s)
    if executor == "slurm":
        with ex.batch():
            subs = [ex.submit(TrainJob(j)) for j in todo]
        for j in todo:
            _write_state(j.cfg, j.key, state="submitted", label=j.label, submitted=time.time())
        print(f"submitted array {subs[0].job_id.split('_')[0]} ({len(subs)} jobs); follow it "
              f"with: python -m rmtdiff.sweep status --run-dir {todo[0].cfg.run_dir}", file=out)
        return subs
    parallel = max(1, int(parallel))
    pending, running, finished = list(todo), [], []
    while pending or running:
        while pending and len(running) < parallel:
            j = pending.pop(0)
            running.append((j, ex.submit(TrainJob(j)), time.time()))
        if not wait:
            return [s for _, s, _ in running]
        time.sleep(0.2)
        for item in list(running):
            j, sub, t0 = item
            if sub.done():
                running.remove(item)
                state = sub.state
                ok = state == "FINISHED" and j.done
                print(f"{'done' if ok else 'FAILED'}  {j.label}  ({time.time() - t0:.1f} s)"
                      + ("" if ok else f": see {sub.paths.stderr}"), file=out, flush=True)
                finished.append(sub)
    return finished


# --------------------------------------------------------------------------- status

def status(run_dir: str | os.PathLike, jobs: list[SweepJob] | None = None) -> list[dict]:
    """One row per job known in ``run_dir`` (from its bookkeeping, or the given ``jobs``):
    ``{key, label, state, detail}`` with state done / running / interrupted / failed / submitted
    / partial (a checkpoint, no job record) / pending."""
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


def format_table(rows: list[dict]) -> str:
    """The status rows as a fixed-width table with a count per state."""
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


# --------------------------------------------------------------------------- command line

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rmtdiff.sweep", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    la = sub.add_parser("launch", help="submit the runs of a sweep that are not done")
    la.add_argument("--scale", default="book", choices=("ci", "book", "paper"))
    la.add_argument("--presets", default=",".join(PRESETS),
                    help="chapter presets whose grids to run (default: %(default)s)")
    la.add_argument("--dataset", action="append", default=None,
                    help="a dataset name or path (repeat for several; default: the preset's)")
    la.add_argument("--overrides", default="{}",
                    help="JSON of configuration fields to replace, e.g. '{\"n_values\": [300]}'")
    la.add_argument("--run-dir", default=None, help="run store (default: the preset's, which "
                    "the book reads)")
    la.add_argument("--executor", default="local", choices=("local", "slurm"))
    la.add_argument("--parallel", type=int, default=1, help="local jobs at a time")
    la.add_argument("--partition")
    la.add_argument("--gpus-per-node", type=int, default=1, help="GPUs (DDP ranks) per run")
    la.add_argument("--timeout-min", type=int, default=None,
                    help="minutes per job before it is requeued to resume (default: 240 on "
                    "SLURM, 1440 locally)")
    la.add_argument("--cpus-per-task", type=int)
    la.add_argument("--mem-gb", type=int)
    la.add_argument("--account")
    la.add_argument("--qos")
    la.add_argument("--array-parallelism", type=int, default=64)
    la.add_argument("--max-requeue", type=int, default=10,
                    help="time-outs a job may be requeued after (preemptions do not count)")
    la.add_argument("--setup", action="append", default=None,
                    help="shell line run before each job (e.g. 'module load cuda'); repeatable")
    la.add_argument("--dry-run", action="store_true",
                    help="print the jobs, their keys and which are done; submit nothing")
    st = sub.add_parser("status", help="table of a run store: done / running / failed / ...")
    st.add_argument("--run-dir", default=None, help="run store (default: the book's)")
    st.add_argument("--scale", default="book", choices=("ci", "book", "paper"))
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "status":
        run_dir = resolve_run_dir(args.run_dir or preset("networks", args.scale).run_dir)
        if not run_dir.is_dir():
            print(f"error: run store {run_dir} does not exist", file=sys.stderr)
            return 2
        print(format_table(status(run_dir)))
        return 0
    try:
        overrides = json.loads(args.overrides)
        if not isinstance(overrides, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        print(f"error: --overrides must be a JSON object of fields ({exc}); got "
              f"{args.overrides!r}", file=sys.stderr)
        return 2
    cfgs = sweep_configs(args.scale, [s for s in args.presets.split(",") if s], args.dataset,
                         overrides, args.run_dir)
    jobs = plan(cfgs)
    if args.dry_run:
        for j in jobs:
            print(f"{j.key}  {'done   ' if j.done else 'to run '}  {j.label}")
        print(f"{len(jobs)} jobs, {sum(j.done for j in jobs)} done; run store "
              f"{cfgs[0].run_dir}")
        return 0
    slurm = None
    if args.executor == "slurm":
        slurm = slurm_parameters(args.partition, args.gpus_per_node, args.timeout_min or 240,
                                 args.cpus_per_task, args.mem_gb, args.account, args.qos,
                                 args.array_parallelism, setup=args.setup)
    subs = launch(jobs, args.executor, args.parallel, slurm, args.max_requeue,
                  timeout_min=args.timeout_min or 24 * 60)
    if args.executor == "local":
        failed = [s for s in subs if s.state != "FINISHED"]
        print(format_table(status(cfgs[0].run_dir, jobs)))
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
