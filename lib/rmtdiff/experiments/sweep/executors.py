"""Submitting jobs: submitit's local executor (subprocesses, ``parallel`` at a time) or a SLURM
job array."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:                  # submitit is imported only when an executor is made
    import submitit

from .plan import SweepJob
from .state import _write_state
from .worker import TrainJob


def slurm_parameters(partition: str | None = None, gpus_per_node: int = 1,
                     timeout_min: int = 240, cpus_per_task: int | None = None,
                     mem_gb: int | None = None, account: str | None = None,
                     qos: str | None = None, array_parallelism: int = 64,
                     signal_delay_s: int = 120, setup: list[str] | None = None) -> dict[str, Any]:
    """submitit's :class:`~submitit.SlurmExecutor` parameters for one run per job: ``gpus_per_node``
    tasks (one DDP rank per GPU), USR2 ``signal_delay_s`` seconds before the time limit (time to
    reach the next checkpoint is not needed: the run resumes from its last one).

    Parameters
    ----------
    partition : str, optional
        SLURM partition (default: the cluster's).
    gpus_per_node : int, optional
        GPUs, and tasks, per job, ``>= 1`` (default 1).
    timeout_min : int, optional
        Time limit of a job in minutes, ``>= 1`` (default 240).
    cpus_per_task : int, optional
        CPUs per task (default 8).
    mem_gb : int, optional
        Memory per node in GB (default: the cluster's).
    account, qos : str, optional
        SLURM account and quality of service.
    array_parallelism : int, optional
        Jobs of the array running at once (default 64).
    signal_delay_s : int, optional
        Seconds before the time limit at which USR2 is sent (default 120).
    setup : list of str, optional
        Shell lines run before each job.

    Returns
    -------
    dict of str to object
        Keyword arguments of ``SlurmExecutor.update_parameters``; ``None`` entries are left out.

    Raises
    ------
    ValueError
        If ``gpus_per_node`` or ``timeout_min`` is below 1.

    >>> slurm_parameters("gpu")["ntasks_per_node"]
    1
    """
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
                  timeout_min: float = 24 * 60, signal_delay_s: int = 30
                  ) -> submitit.LocalExecutor | submitit.SlurmExecutor:
    """A submitit executor writing its logs under ``folder``. Locally a job gets
    ``timeout_min`` minutes (submitit's own default is 2) and the time-out signal
    ``signal_delay_s`` seconds before; on the signal it is requeued and resumes.

    Parameters
    ----------
    kind : {"local", "slurm"}
        The executor.
    folder : pathlib.Path
        submitit's folder for logs and pickles.
    slurm : dict, optional
        For ``"slurm"``: :func:`slurm_parameters` (ignored locally).
    max_requeue : int, optional
        Time-outs after which a job is no longer requeued (default 10).
    timeout_min : float, optional
        Local time limit in minutes (default one day; ignored on SLURM, where ``slurm["time"]``
        applies).
    signal_delay_s : int, optional
        Local: seconds before the time limit at which the job is signalled (default 30).

    Returns
    -------
    submitit.LocalExecutor or submitit.SlurmExecutor

    Raises
    ------
    ValueError
        An unknown ``kind``.
    """
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
           timeout_min: float = 24 * 60, signal_delay_s: int = 30,
           out: IO[str] = sys.stdout, threads: int | None = None) -> list[submitit.Job]:
    """Submit the jobs that are not done; returns the submitit jobs. Locally, ``parallel`` run
    at a time, each for at most ``timeout_min`` minutes before it is requeued (and resumes), and
    (with ``wait``) the call returns when all have ended; on SLURM, one array (``slurm`` holds
    its parameters, :func:`slurm_parameters`).

    Parameters
    ----------
    jobs : list of SweepJob
        The plan (:func:`~rmtdiff.experiments.sweep.plan.plan`); those already done are skipped.
    executor : {"local", "slurm"}, optional
        Where the jobs run (default ``"local"``).
    parallel : int, optional
        Local jobs at a time (default 1; at least 1 is used).
    slurm : dict, optional
        SLURM parameters (:func:`slurm_parameters`).
    max_requeue : int, optional
        Time-outs after which a job is no longer requeued (default 10).
    wait : bool, optional
        Locally, wait until every job has ended (default True); with False the call returns the
        first ``parallel`` submitted jobs and submits no more.
    timeout_min : float, optional
        Local time limit per job in minutes (default one day).
    signal_delay_s : int, optional
        Local: seconds before the time limit at which a job is signalled (default 30).
    out : text stream, optional
        Where progress lines are printed (default ``sys.stdout``): locally one line per finished
        job, with the time left estimated from the jobs finished so far.
    threads : int, optional
        Local: torch CPU threads per job (default: torch's choice).

    Returns
    -------
    list of submitit.Job
        Empty when every job is done; on SLURM the submitted array; locally the finished jobs
        (in the order they ended).
    """
    todo = [j for j in jobs if not j.done]
    print(f"{len(jobs)} jobs: {len(jobs) - len(todo)} already done, {len(todo)} to run", file=out)
    if not todo:
        return []
    folder = Path(todo[0].cfg.run_dir) / "_sweep" / "logs"
    ex = make_executor(executor, folder, slurm, max_requeue, timeout_min, signal_delay_s)
    if executor == "slurm":
        with ex.batch():
            subs = [ex.submit(TrainJob(j, threads)) for j in todo]
        for j in todo:
            _write_state(j.cfg, j.key, state="submitted", label=j.label, submitted=time.time())
        print(f"submitted array {subs[0].job_id.split('_')[0]} ({len(subs)} jobs); follow it "
              f"with: python -m rmtdiff sweep status --run-dir {todo[0].cfg.run_dir}", file=out)
        return subs
    parallel = max(1, int(parallel))
    pending, running, finished = list(todo), [], []
    took: dict[str, list[float]] = {}
    while pending or running:
        while pending and len(running) < parallel:
            j = pending.pop(0)
            running.append((j, ex.submit(TrainJob(j, threads)), time.time()))
        if not wait:
            return [s for _, s, _ in running]
        time.sleep(0.2)
        for item in list(running):
            j, sub, t0 = item
            if sub.done():
                running.remove(item)
                state = sub.state
                ok = state == "FINISHED" and j.done
                took.setdefault(j.arch, []).append(time.time() - t0)
                finished.append(sub)
                print(f"{'done' if ok else 'FAILED'}  {j.label}  ({time.time() - t0:.1f} s); "
                      f"{len(finished)}/{len(todo)} runs, about "
                      f"{_left(took, pending, running, parallel) / 60:.0f} min left"
                      + ("" if ok else f": see {sub.paths.stderr}"), file=out, flush=True)
    return finished


def _left(took: dict[str, list[float]], pending: list[SweepJob], running: list,
          parallel: int) -> float:
    """Seconds left: each job not finished costs the mean time of its architecture so far
    (of all jobs for an architecture not timed yet), ``parallel`` at a time; a running job is
    counted as half done."""
    every = [t for v in took.values() for t in v]
    mean = {a: float(sum(v) / len(v)) for a, v in took.items()}
    guess = sum(every) / len(every)
    cost = sum(mean.get(j.arch, guess) for j in pending)
    cost += sum(mean.get(j.arch, guess) / 2 for j, _, _ in running)
    return cost / parallel
