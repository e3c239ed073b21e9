"""The callable a worker process runs for one job (locally or on a SLURM node)."""

from __future__ import annotations

import os
import socket
import time
import traceback

from ...nets import distributed
from ...data.train_test import prepare_data
from .. import network_grid as nc
from .plan import SweepJob
from .state import _write_state


try:                                   # submitit is optional for training in-process
    from submitit.helpers import Checkpointable as _Checkpointable
except ImportError:                    # pragma: no cover
    _Checkpointable = object


class TrainJob(_Checkpointable):
    """The callable a worker runs: rebuild the job from its configuration, check its key, train
    (or find) the run. On SLURM's pre-timeout signal submitit calls :meth:`checkpoint`, which
    resubmits the same call; the run then resumes from its last checkpoint.

    Calling it returns the run's folder as a string.

    Parameters
    ----------
    job : SweepJob
        The job to run (from :func:`~rmtdiff.experiments.sweep.plan.plan`).
    threads : int, optional
        Torch's CPU threads in the worker (default: torch's own choice). Two one-thread runs
        side by side train 1.15x faster than one two-thread run on two cores (chapter 5).
    """

    def __init__(self, job: SweepJob, threads: int | None = None):
        self.job = job
        self.threads = threads

    def __call__(self) -> str:
        job, cfg = self.job, self.job.cfg
        if self.threads:
            import torch

            torch.set_num_threads(int(self.threads))
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
            data = prepare_data(cfg)
            (j,) = [j for j in nc.grid_jobs(cfg, data) if j.ident == job.ident]
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
