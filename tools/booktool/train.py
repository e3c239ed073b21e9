"""Train the network chapters' runs before the chapters execute: a local sweep
(:mod:`rmtdiff.experiments.sweep`) of the ``networks`` and ``mismatch`` presets with the chapters'
own parameters, so the chapters find every run by its key.

On CPUs two runs train side by side with half the cores each: on these two cores that is 1.15x
the throughput of one two-thread run (chapter 5's measurement, ``bench/bench_training.py``). On
a GPU the runs train one after another.
"""

from __future__ import annotations

import os
import time

NETWORK_CHAPTERS = ("05_networks", "06_networks_theory", "07_mismatched_splits")


def pretrain(scale: str, extra: dict) -> None:
    """Train (or find) every run of the network chapters at ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    extra : dict
        The chapters' further parameters (``{"overrides": {...}}``); their overrides apply to
        the sweep, a ``dataset`` among them as the sweep's dataset.
    """
    import torch

    from rmtdiff.experiments import sweep

    overrides = dict(extra.get("overrides", {}))
    dataset = overrides.pop("dataset", None)
    cfgs = sweep.sweep_configs(scale, sweep.PRESETS, [dataset] if dataset else None, overrides)
    jobs = sweep.plan(cfgs)
    if all(j.done for j in jobs):
        print(f"[{scale}] network runs: all {len(jobs)} found", flush=True)
        return
    cores = os.cpu_count() or 1
    gpu = torch.cuda.is_available()
    parallel, threads = (1, None) if gpu or cores < 2 else (2, max(1, cores // 2))
    print(f"[{scale}] training the network chapters' runs, {parallel} at a time"
          + (f" with {threads} thread(s) each" if threads else ""), flush=True)
    start = time.perf_counter()
    sweep.launch(jobs, "local", parallel=parallel, threads=threads)
    missing = [j.label for j in jobs if not j.done]
    if missing:
        from .common import fail

        fail(f"{len(missing)} network run(s) failed: {missing[:4]}; see "
             f"{cfgs[0].run_dir}/_sweep/logs and `make sweep-status SCALE={scale}`")
    print(f"[{scale}] network runs trained in {(time.perf_counter() - start) / 60:.1f} min",
          flush=True)
