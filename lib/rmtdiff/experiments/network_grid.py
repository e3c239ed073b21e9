"""The networks' same-seed experiment: the grid of training runs (split kinds x n x split x
training seed x architecture), each found by its key in the run store or trained, and the
linear model of every split beside them.

Conventions
-----------
* Data and held-out images as in :mod:`rmtdiff.data.train_test`; split pairs as in
  :mod:`rmtdiff.data.splits` (:func:`split_pair` here draws them for a :class:`NetworkData`).
* ``cfg.run_dir`` is resolved by :func:`rmtdiff.util.paths.resolve` (relative to the
  repository root), whatever the current directory.
* Each split of a pair is trained once per training seed of ``cfg.train_seeds`` (its initial
  weights, minibatches, noise levels and noise all come from that seed). With the crossed
  design ``((1, 2), (1, 2))`` a pair's four runs give the three comparisons of
  :mod:`rmtdiff.experiments.seed_components`: same split and different seeds (F), different
  splits and different seeds (U), different splits and the same seed (P).
* Every model (each network, and the linear model of each split) maps the same seed bank
  ``seed_noise(range(cfg.n_seeds), (C, s, s))`` (``(1, s, s)`` for grey images; the linear
  model draws the same numbers flat, ``seed_noise(range(cfg.n_seeds), C * s * s)``).

The experiments of the book's chapters ``networks``, ``networks-theory`` and ``mismatch``
(``book/05_networks.md`` to ``book/07_mismatched_splits.md``).
"""

from __future__ import annotations

import hashlib
import time
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
    ``kind`` at ``n`` images, trained with seed ``train_seed``; ``indices`` into the training
    set, ``meta`` as keyed.

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
    train_seed : int
        Seed of the run's training (``TrainConfig.seed``).
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
    train_seed: int
    indices: np.ndarray
    meta: dict[str, Any]

    @property
    def ident(self) -> tuple[str, str, int, int, int]:
        """``(kind, arch, n, split, train_seed)``: the job's place in its grid."""
        return self.kind, self.arch, self.n, self.split, self.train_seed


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


def train_config(cfg: NetworkChapterConfig, train_seed: int) -> TrainConfig:
    """The :class:`~rmtdiff.nets.training.TrainConfig` of a chapter configuration.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        Its ``steps``, ``batch_size``, ``lr``, ``warmup``, ``schedule``, ``ema_decay``,
        ``checkpoint_every`` and ``eval_images`` are used.
    train_seed : int
        The run's training seed (an entry of ``cfg.train_seeds``).

    Returns
    -------
    TrainConfig
    """
    return TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                       warmup=cfg.warmup, schedule=cfg.schedule, ema_decay=cfg.ema_decay,
                       checkpoint_every=cfg.checkpoint_every, eval_images=cfg.eval_images,
                       seed=int(train_seed))


def grid_jobs(cfg: NetworkChapterConfig, data: NetworkData) -> list[Job]:
    """Every run of ``cfg``'s grid: kinds x n x split x training seed x architecture. The
    i.i.d. kind's record is the networks chapters' own, so the mismatch chapter finds their runs
    by key.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        The grid (``split_kinds``, ``n_values``, ``archs``, ``train_seeds``, less ``skip``) and
        the data's description.
    data : NetworkData
        The images (:func:`rmtdiff.data.train_test.prepare_data` of ``cfg``).

    Returns
    -------
    list of Job
        In grid order: kind, then n, then split, then training seed, then architecture.

    Raises
    ------
    ValueError
        An unknown split kind, or ``cfg.train_seeds`` not two tuples of distinct seeds.
    """
    check_train_seeds(cfg.train_seeds)
    skipped = {(str(a), int(n)) for a, n in cfg.skip}
    jobs = []
    for kind in cfg.split_kinds:
        if kind not in SPLIT_KINDS:
            raise ValueError(f"split_kinds entries must be in {SPLIT_KINDS}; got {kind!r}")
        for n in cfg.n_values:
            for split, idx in enumerate(split_pair(data, n, kind, cfg.seed), start=1):
                for w in cfg.train_seeds[split - 1]:
                    name = f"n={n} split {split} seed {w}"
                    name = name if kind == "iid" else f"{kind} {name}"
                    meta = {"dataset": cfg.dataset, "image_size": cfg.image_size, "n": int(n),
                            "split": split, "split_name": name,
                            "indices": (f"[{idx[0]}, {idx[-1] + 1})" if kind == "iid"
                                        else f"{kind} stratum {split}"),
                            "indices_sha256": hashlib.sha256(idx.astype(np.int64).tobytes()
                                                             ).hexdigest()}
                    if kind != "iid":
                        meta["kind"] = kind
                    jobs += [Job(kind, arch, int(n), split, int(w), idx, meta)
                             for arch in cfg.archs if (arch, n) not in skipped]
    return jobs


def check_train_seeds(train_seeds: Any) -> None:
    """Check a ``train_seeds`` field: two tuples (split 1, split 2) of distinct integers.

    Parameters
    ----------
    train_seeds : object
        The value to check.

    Raises
    ------
    ValueError
        Naming the field and what was expected.
    """
    ok = (isinstance(train_seeds, (tuple, list)) and len(train_seeds) == 2
          and all(isinstance(t, (tuple, list)) and len(t) > 0 and len(set(t)) == len(t)
                  and all(isinstance(w, (int, np.integer)) for w in t) for t in train_seeds))
    if not ok:
        raise ValueError("train_seeds must be two tuples of distinct integer seeds, the training "
                         "seeds of split 1 and of split 2, e.g. ((1, 2), (1, 2)); got "
                         f"{train_seeds!r}")


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
    return run_key(_net(cfg, data, job.arch), train_config(cfg, job.train_seed),
                   data.train[job.indices], data.held_out, range(cfg.n_seeds), cfg.heun_steps,
                   job.meta)


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
    return train_run(resolve(cfg.run_dir), _net(cfg, data, job.arch),
                     train_config(cfg, job.train_seed),
                     data.train[job.indices], data.held_out, range(cfg.n_seeds), job.meta,
                     heun_steps=cfg.heun_steps, device=device)


def train_grid(cfg: NetworkChapterConfig, data: NetworkData,
               device: str | None = None) -> dict[tuple, Run]:
    """Every run of the grid: ``{(arch, n, split, train_seed): Run}`` when ``cfg.split_kinds``
    is the networks chapters' ``("iid",)``, else ``{(kind, arch, n, split, train_seed): Run}``.
    Finished runs are found by their key in ``cfg.run_dir``; missing ones are trained (see
    :func:`run_job`), with a line per run that gives the time left.

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
    jobs = grid_jobs(cfg, data)
    todo = [j for j in jobs if not (resolve(cfg.run_dir) / job_key(cfg, data, j)
                                    / "run.json").exists()]
    if todo:
        print(f"{len(jobs) - len(todo)} of {len(jobs)} runs found in {cfg.run_dir}; training "
              f"{len(todo)}", flush=True)
    timer, pending = GridTimer(todo), {j.ident for j in todo}
    for job in jobs:
        key = job.ident[1:] if plain else job.ident
        if job.ident in pending:
            timer.start(job)
        out[key] = run_job(cfg, data, job, device)
        if job.ident in pending:
            timer.done(job)
    return out


class GridTimer:
    """A line per trained run: how many are done, and the time left, estimated from the
    seconds per step measured so far for each architecture (a run's cost is its steps; an
    architecture not timed yet is guessed from the others)."""

    def __init__(self, todo: list[Job]):
        self.left = {id(j): j for j in todo}
        self.total = len(todo)
        self.rate: dict[str, float] = {}
        self.t0 = 0.0

    def start(self, job: Job) -> None:
        """Note the start time of ``job``'s training.

        Parameters
        ----------
        job : Job
            The run about to be trained.
        """
        self.t0 = time.perf_counter()

    def done(self, job: Job) -> None:
        """Record ``job`` as trained and print the progress line.

        Parameters
        ----------
        job : Job
            The run just trained.
        """
        self.rate[job.arch] = time.perf_counter() - self.t0
        self.left.pop(id(job), None)
        guess = float(np.mean(list(self.rate.values())))
        eta = sum(self.rate.get(j.arch, guess) for j in self.left.values())
        print(f"[{self.total - len(self.left)}/{self.total} runs] {job.arch} "
              f"{job.meta['split_name']} took {self.rate[job.arch]:.0f} s; about {eta / 60:.0f} "
              "min left", flush=True)


def linear_grid(cfg: NetworkChapterConfig, data: NetworkData, *, sigma_T: float = SIGMA_MAX,
                kind: str = "iid") -> dict[tuple, np.ndarray]:
    """The linear model's images of the seed bank for every split of a kind:
    ``{(n, split): (S, d)}``, each split with its own mean and covariance.

    :func:`rmtdiff.core.linear_diffusion.linear_theory_image` (book eq. ``sampling-map``) of
    :func:`rmtdiff.core.spectra.fit_gaussian` of each split.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        Its ``n_values``, ``n_seeds`` and ``seed`` (of a stratified draw) are used.
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
