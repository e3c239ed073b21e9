"""Sweeps of training runs on one machine or a SLURM cluster, through submitit.

A sweep is the grid of the network chapters (datasets x split kinds x n x split x architecture),
each point one content-addressed run of :mod:`rmtdiff.nets.runs` in a run store. Launching a sweep
submits only the runs whose ``run.json`` is missing, so a second launch submits nothing and a
half-finished sweep picks up where it stopped; an interrupted run resumes from its last
checkpoint (every ``checkpoint_every`` steps).

* ``--executor local`` (default): the jobs run as subprocesses of this machine, ``--parallel K``
  at a time, and the command waits for them.
* ``--executor slurm``: one job array (``--partition``, ``--gpus-per-node``, ``--timeout-min``,
  ...). Near its time limit or on preemption SLURM sends USR2; submitit then requeues the job
  (up to ``--max-requeue`` time-outs; preemptions do not count) and the requeued job resumes
  the run from its checkpoint. With ``--gpus-per-node G`` each run is one job of ``G`` tasks
  trained with DistributedDataParallel (:mod:`rmtdiff.nets.distributed`).

Command line (``python -m rmtdiff sweep --help``)::

    python -m rmtdiff sweep launch --scale paper --dataset cifar10 --dry-run
    python -m rmtdiff sweep launch --scale paper --executor slurm --partition gpu --gpus-per-node 1
    python -m rmtdiff sweep status --run-dir /scratch/runs

Bookkeeping lives beside the runs in ``<run_dir>/_sweep/``: submitit's logs and pickles
(``logs/``) and one ``<key>.json`` per job (state, host, process, times, the error's last lines),
which ``status`` reads."""

from .executors import launch, make_executor, slurm_parameters
from .plan import PRESETS, SweepJob, plan, sweep_configs
from .status import format_table, status
from .worker import TrainJob

__all__ = ["PRESETS", "SweepJob", "TrainJob", "format_table", "launch", "make_executor", "plan",
           "slurm_parameters", "status", "sweep_configs"]
