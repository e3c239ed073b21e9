"""Command line of sweeps: ``python -m rmtdiff sweep launch|status`` (see :mod:`rmtdiff.experiments.sweep`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ...util.paths import resolve
from ..config import SCALES, preset
from .executors import launch, slurm_parameters
from .plan import PRESETS, plan, sweep_configs
from .status import format_table, status


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rmtdiff sweep", description="Sweeps of training runs on this machine or a SLURM cluster",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    la = sub.add_parser("launch", help="submit the runs of a sweep that are not done")
    la.add_argument("--scale", default="book", choices=SCALES)
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
    st.add_argument("--scale", default="book", choices=SCALES)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m rmtdiff sweep launch|status`` with the arguments ``argv``.

    ``launch`` plans the grid (:func:`~rmtdiff.experiments.sweep.plan.plan`), prints it with
    ``--dry-run``, else submits the jobs not done
    (:func:`~rmtdiff.experiments.sweep.executors.launch`); ``status`` prints the table of a run
    store (:func:`~rmtdiff.experiments.sweep.status.status`).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``sweep`` (default ``sys.argv[1:]``); ``--help`` lists them.

    Returns
    -------
    int
        The exit status: 0 on success, 1 when a local job failed, 2 for a missing run store or
        bad ``--overrides``.
    """
    args = _parser().parse_args(argv)
    if args.command == "status":
        run_dir = resolve(args.run_dir or preset("networks", args.scale).run_dir)
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
