"""The networks' same-seed experiment: the grid of training runs (split kinds x n x split x
architecture), each found by its key in the run store or trained, and the linear model of every
split beside them.

Conventions
-----------
* Data and held-out images as in :mod:`rmtdiff.data.train_test`; split pairs as in
  :mod:`rmtdiff.data.splits` (:func:`split_pair` here draws them for a :class:`NetworkData`).
* ``cfg.run_dir`` is resolved by :func:`rmtdiff.util.paths.resolve` (relative to the
  repository root), whatever the current directory.
* Every model (each network, and the linear model of each split) maps the same seed bank
  ``seed_noise(range(cfg.n_seeds), (C, s, s))`` (``(1, s, s)`` for grey images; the linear
  model draws the same numbers flat, ``seed_noise(range(cfg.n_seeds), C * s * s)``).

The experiments of the book's chapters ``networks``, ``networks-theory`` and ``mismatch``
(``book/05_networks.md`` to ``book/07_mismatched_splits.md``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.edm import SIGMA_MAX, seed_noise
from ..core.linear_diffusion import linear_theory_image
from ..nets.networks import network_preset
from ..nets.runs import Run, load_run, run_key, train_run
from ..core.spectra import Gaussian, fit_gaussian
from . import linear_data
from ..data import splits
from ..data.splits import SPLIT_KINDS
from ..data.train_test import NetworkData
from ..nets.training import TrainConfig
from ..util.paths import resolve

if TYPE_CHECKING:                 # annotations only
    from ..nets.networks import NetworkConfig
    from .config import NetworkChapterConfig


@dataclass(frozen=True)
class Job:
    """One run of a grid: a network of ``arch`` on split ``split`` (1 or 2) of a pair of
    ``kind`` at ``n`` images; ``indices`` into the training set, ``meta`` as keyed.

    Attributes
    ----------
    kind : str
        The split kind, one of :data:`~rmtdiff.data.splits.SPLIT_KINDS`.
    arch : str
        ``"unet"`` or ``"dit"``.
    n : int
        Images per split.
    split : int
        1 or 2.
    indices : ndarray, shape (n,), int64
        Rows of the training set.
    meta : dict
        JSON-able description recorded in the run and hashed into its key (dataset, image size,
        n, split, split name, indices and their SHA-256, and ``kind`` for a stratified pair).
    """

    kind: str
    arch: str
    n: int
    split: int
    indices: np.ndarray
    meta: dict[str, Any]


def split_pair(data: NetworkData, n: int, kind: str = "iid", seed: int = 0) -> list[np.ndarray]:
    """The two disjoint splits of ``n`` training images of ``data`` of a kind
    (:func:`rmtdiff.data.splits.split_pair`, with the training set's PC1 scores).

    Parameters
    ----------
    data : NetworkData
        The training and held-out images.
    n : int
        Images per split.
    kind : str, optional
        One of :data:`~rmtdiff.data.splits.SPLIT_KINDS` (default ``"iid"``).
    seed : int, optional
        Seed of a stratified draw (default 0).

    Returns
    -------
    list of 2 ndarray, each shape (n,), int64
        Rows of ``data.train``.
    """
    scores = None if kind == "iid" else data.pc1
    return splits.split_pair(len(data.train), n, kind, seed, scores)


def train_config(cfg: NetworkChapterConfig) -> TrainConfig:
    """The :class:`~rmtdiff.nets.training.TrainConfig` of a chapter configuration.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        Its ``steps``, ``batch_size``, ``lr``, ``ema_decay``, ``checkpoint_every`` and ``seed``
        are used (``eval_images`` keeps its default).

    Returns
    -------
    TrainConfig
    """
    return TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                       ema_decay=cfg.ema_decay, checkpoint_every=cfg.checkpoint_every,
                       seed=cfg.seed)


def grid_jobs(cfg: NetworkChapterConfig, data: NetworkData) -> list[Job]:
    """Every run of ``cfg``'s grid: kinds x n x split x architecture. The i.i.d. kind's record
    is the networks chapters' own, so the mismatch chapter finds their runs by key.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        The grid (``split_kinds``, ``n_values``, ``archs``) and the data's description.
    data : NetworkData
        The images (:func:`rmtdiff.data.train_test.prepare_data` of ``cfg``).

    Returns
    -------
    list of Job
        In grid order: kind, then n, then split, then architecture.

    Raises
    ------
    ValueError
        An unknown split kind.
    """
    jobs = []
    for kind in cfg.split_kinds:
        if kind not in SPLIT_KINDS:
            raise ValueError(f"split_kinds entries must be in {SPLIT_KINDS}; got {kind!r}")
        for n in cfg.n_values:
            for split, idx in enumerate(split_pair(data, n, kind, cfg.seed), start=1):
                name = f"n={n} split {split}" if kind == "iid" else f"{kind} n={n} split {split}"
                meta = {"dataset": cfg.dataset, "image_size": cfg.image_size, "n": int(n),
                        "split": split, "split_name": name,
                        "indices": (f"[{idx[0]}, {idx[-1] + 1})" if kind == "iid"
                                    else f"{kind} stratum {split}"),
                        "indices_sha256": hashlib.sha256(idx.astype(np.int64).tobytes()
                                                         ).hexdigest()}
                if kind != "iid":
                    meta["kind"] = kind
                jobs += [Job(kind, arch, int(n), split, idx, meta) for arch in cfg.archs]
    return jobs


def job_key(cfg: NetworkChapterConfig, data: NetworkData, job: Job) -> str:
    """The run key of a job (:func:`rmtdiff.nets.runs.run_key`).

    Parameters
    ----------
    cfg : NetworkChapterConfig
        The configuration the job belongs to.
    data : NetworkData
        Its images.
    job : Job
        One of :func:`grid_jobs` ``(cfg, data)``.

    Returns
    -------
    str
        20 hexadecimal digits.
    """
    return run_key(_net(cfg, data, job.arch), train_config(cfg), data.train[job.indices],
                   data.held_out, range(cfg.n_seeds), cfg.heun_steps, job.meta)


def _net(cfg: NetworkChapterConfig, data: NetworkData, arch: str) -> NetworkConfig:
    return network_preset(arch, cfg.net_size, image_size=cfg.image_size,
                          channels=data.train.shape[1])


def run_job(cfg: NetworkChapterConfig, data: NetworkData, job: Job,
            device: str | None = None) -> Run:
    """Find the job's run in ``cfg.run_dir`` or train it (unless ``cfg.train_missing`` is
    False, when a missing run is an error that says how to produce it).

    Parameters
    ----------
    cfg : NetworkChapterConfig
        The configuration (its ``run_dir``, ``train_missing`` and training settings).
    data : NetworkData
        Its images.
    job : Job
        One of :func:`grid_jobs` ``(cfg, data)``.
    device : str, optional
        Torch device for training (default :func:`rmtdiff.util.device.default_device`).

    Returns
    -------
    Run

    Raises
    ------
    FileNotFoundError
        If the run is missing and ``cfg.train_missing`` is False.
    """
    if not cfg.train_missing:
        folder = resolve(cfg.run_dir) / job_key(cfg, data, job)
        if not (folder / "run.json").exists():
            raise FileNotFoundError(
                f"run {job.arch} {job.meta['split_name']} is not in {cfg.run_dir} (no "
                f"{folder.name}/run.json); train it with `python -m rmtdiff sweep launch` on the same "
                "configuration, or set train_missing=True")
        return load_run(folder)
    return train_run(resolve(cfg.run_dir), _net(cfg, data, job.arch), train_config(cfg),
                     data.train[job.indices], data.held_out, range(cfg.n_seeds), job.meta,
                     heun_steps=cfg.heun_steps, device=device)


def train_grid(cfg: NetworkChapterConfig, data: NetworkData,
               device: str | None = None) -> dict[tuple, Run]:
    """Every run of the grid: ``{(arch, n, split): Run}`` when ``cfg.split_kinds`` is the
    networks chapters' ``("iid",)``, else ``{(kind, arch, n, split): Run}``. Finished runs are
    found by their key in ``cfg.run_dir``; missing ones are trained (see :func:`run_job`).

    Parameters
    ----------
    cfg : NetworkChapterConfig
        The grid.
    data : NetworkData
        Its images.
    device : str, optional
        Torch device for training (default :func:`rmtdiff.util.device.default_device`).

    Returns
    -------
    dict of tuple to Run
        Keyed as above.
    """
    plain = tuple(cfg.split_kinds) == ("iid",)
    out = {}
    for job in grid_jobs(cfg, data):
        key = (job.arch, job.n, job.split) if plain else (job.kind, job.arch, job.n, job.split)
        out[key] = run_job(cfg, data, job, device)
    return out


def linear_grid(cfg: NetworkChapterConfig, data: NetworkData, *, sigma_T: float = SIGMA_MAX,
                kind: str = "iid") -> dict[tuple, np.ndarray]:
    """The linear model's images of the seed bank for every split of a kind:
    ``{(n, split): (S, d)}``, each split with its own mean and covariance.

    :func:`rmtdiff.core.linear_diffusion.linear_theory_image` (book eq. ``sampling-map``) of
    :func:`rmtdiff.core.spectra.fit_gaussian` of each split.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        Its ``n_values``, ``n_seeds`` and ``seed`` are used.
    data : NetworkData
        The images.
    sigma_T : float, optional
        Initial noise level (default :data:`~rmtdiff.core.edm.SIGMA_MAX`).
    kind : str, optional
        The split kind (default ``"iid"``).

    Returns
    -------
    dict of (int, int) to ndarray
        ``(n, split)`` to float64 images of shape (S, d), ``S = cfg.n_seeds``, ``d = C s s``,
        not clipped.
    """
    z = seed_noise(range(cfg.n_seeds), data.d)
    flat = data.flat
    out = {}
    for n in cfg.n_values:
        for split, idx in enumerate(split_pair(data, n, kind, cfg.seed), start=1):
            out[n, split] = linear_theory_image(fit_gaussian(flat[idx]), z, sigma_T=sigma_T)
    return out


def population(data: NetworkData, indices: np.ndarray | None = None) -> Gaussian:
    """Mean and covariance of the whole training set (the theory's population), or of the
    images ``indices`` (a stratum).

    Parameters
    ----------
    data : NetworkData
        The images.
    indices : ndarray, shape (k,), int, optional
        Rows of ``data.train`` (default all).

    Returns
    -------
    Gaussian
        :func:`rmtdiff.core.spectra.fit_gaussian` of the rows as float64, with a full
        eigenbasis (:func:`rmtdiff.core.spectra.complete_basis`: pixels that never change get
        eigenvalue 0).
    """
    x = data.train if indices is None else data.train[indices]
    return linear_data.population(x.reshape(len(x), -1).astype(np.float64))
