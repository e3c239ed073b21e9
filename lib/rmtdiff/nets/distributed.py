"""One training run over several processes (GPUs) with ``torch.distributed``.

A run launched by ``torchrun --nproc_per_node K`` (or as a K-task SLURM job through submitit)
trains the same network with DistributedDataParallel: every rank draws the *global* minibatch and
its noise from the same seeded generator, keeps its own contiguous share of it, and DDP averages
the gradients, so the update is the single-process update up to the order of a floating-point
sum. Rank 0 writes the run folder; the other ranks only train.

Outside ``torchrun`` (no ``WORLD_SIZE`` in the environment, or ``WORLD_SIZE=1``) every function
here is the single-process identity: rank 0 of a world of 1.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def init_from_env() -> tuple[int, int]:
    """Join the process group that ``torchrun``/submitit describe in the environment
    (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), with NCCL on GPUs and gloo on
    CPUs; returns ``(rank, world_size)``. Does nothing when ``WORLD_SIZE`` is absent or 1.

    Returns
    -------
    rank, world_size : int
        ``(0, 1)`` outside a process group.

    Raises
    ------
    RuntimeError
        If ``WORLD_SIZE > 1`` but ``RANK``, ``MASTER_ADDR`` or ``MASTER_PORT`` is not set.
    """
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size > 1 and not dist.is_initialized():
        missing = [v for v in ("RANK", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
        if missing:
            raise RuntimeError(f"WORLD_SIZE={size} but {', '.join(missing)} not set: launch with "
                               "torchrun --nproc_per_node K, or through rmtdiff.experiments.sweep")
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if cuda else "gloo")
    return world()


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of this process; ``(0, 1)`` outside a process group.

    Returns
    -------
    rank, world_size : int

    >>> world()
    (0, 1)
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    """Whether this process writes results (rank 0).

    Returns
    -------
    bool
    """
    return world()[0] == 0


def barrier() -> None:
    """Wait for every rank (no-op in a single process).

    Returns
    -------
    None
    """
    if world()[1] > 1:
        dist.barrier()


def share(batch_size: int) -> slice:
    """This rank's contiguous share of a global minibatch of ``batch_size`` images (a clear error
    when the batch does not divide evenly, since unequal shares would weight images unequally).

    Parameters
    ----------
    batch_size : int
        The global minibatch size, a multiple of the world size.

    Returns
    -------
    slice
        ``slice(rank * b, (rank + 1) * b)`` with ``b = batch_size // world_size``.

    Raises
    ------
    ValueError
        If ``batch_size`` is not divisible by the world size.

    >>> share(8)
    slice(0, 8, None)
    """
    rank, size = world()
    if batch_size % size:
        raise ValueError(f"batch_size {batch_size} must be divisible by the number of processes "
                         f"({size}); choose a multiple of {size}")
    per = batch_size // size
    return slice(rank * per, (rank + 1) * per)
