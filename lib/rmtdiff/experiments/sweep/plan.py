"""The grid of a sweep: the chapters' configurations at a scale and every job of them, by key."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...util.paths import resolve
from ...data.train_test import prepare_data
from .. import network_grid as nc
from ..config import preset

if TYPE_CHECKING:                 # annotations only
    from ..config import NetworkChapterConfig

PRESETS = ("networks", "mismatch")


@dataclass(frozen=True)
class SweepJob:
    """One point of the grid, ready to submit: its key and how to rebuild it in a worker.

    Attributes
    ----------
    key : str
        The run key (:func:`rmtdiff.experiments.network_grid.job_key`).
    label : str
        ``"<dataset> <arch> <split name>"``, for tables and logs.
    cfg : NetworkChapterConfig
        The configuration, with an absolute ``run_dir``.
    kind, arch : str
        Split kind and architecture.
    n, split, train_seed : int
        Images per split, the split (1 or 2) and the training seed.
    """

    key: str
    label: str
    cfg: NetworkChapterConfig   # with an absolute run_dir
    kind: str
    arch: str
    n: int
    split: int
    train_seed: int

    @property
    def ident(self) -> tuple[str, str, int, int, int]:
        """``(kind, arch, n, split, train_seed)``, as :attr:`Job.ident
        <rmtdiff.experiments.network_grid.Job.ident>`."""
        return self.kind, self.arch, self.n, self.split, self.train_seed

    @property
    def folder(self) -> Path:
        """The run's folder, ``<run_dir>/<key>``."""
        return Path(self.cfg.run_dir) / self.key

    @property
    def done(self) -> bool:
        """Whether the run is finished (its ``run.json`` exists)."""
        return (self.folder / "run.json").exists()


def sweep_configs(scale: str, presets: Iterable[str] = PRESETS,
                  datasets: Iterable[str | os.PathLike] | None = None,
                  overrides: Mapping[str, Any] | None = None,
                  run_dir: str | os.PathLike | None = None) -> list[NetworkChapterConfig]:
    """The configurations of a sweep: each preset at ``scale`` with ``overrides``, once per
    dataset (default: the preset's), all writing to ``run_dir`` (default: the preset's store).

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.experiments.config.SCALES`.
    presets : iterable of str, optional
        Chapter presets among :data:`PRESETS` (default all).
    datasets : iterable of str or os.PathLike, optional
        Dataset names or paths (default: each preset's own).
    overrides : mapping, optional
        Configuration fields to replace (lists become tuples).
    run_dir : str or os.PathLike, optional
        The run store (default: each preset's), made absolute by
        :func:`rmtdiff.util.paths.resolve`.

    Returns
    -------
    list of NetworkChapterConfig
        Preset-major, then dataset; each with ``train_missing=True``.

    Raises
    ------
    ValueError
        An unknown preset (or, from :func:`~rmtdiff.experiments.config.preset`, an unknown scale
        or field).

    >>> [c.split_kinds for c in sweep_configs("ci")]
    [('iid',), ('iid', 'pc1-halves', 'pc1-middle-tails')]
    """
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


def plan(cfgs: Iterable[NetworkChapterConfig], show: bool = False) -> list[SweepJob]:
    """Every job of the configurations, deduplicated by key (the mismatch chapter's i.i.d.
    control is the networks chapters' own pair), in grid order. Reads each dataset once.

    Parameters
    ----------
    cfgs : iterable of NetworkChapterConfig
        From :func:`sweep_configs`.
    show : bool, optional
        Unused (kept for callers that pass it).

    Returns
    -------
    list of SweepJob
        Configuration order, then the order of
        :func:`~rmtdiff.experiments.network_grid.grid_jobs`; a key seen before is skipped.
    """
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
            jobs.append(SweepJob(key, label, cfg, j.kind, j.arch, j.n, j.split, j.train_seed))
    return jobs
