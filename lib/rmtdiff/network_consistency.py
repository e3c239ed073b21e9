"""The networks' same-seed experiment: data, the grid of training runs, and the linear model of
every split beside them.

Conventions
-----------
* Images are area-averaged to ``cfg.image_size`` and kept in ``[-1, 1]``, shape ``(N, 1, s, s)``.
* Splits (:func:`split_pair`) are the paper's contiguous index blocks of the training set,
  ``[0, n)`` and ``[n, 2n)`` (kind ``"iid"``: the datasets are stored in random order), or two
  moment-mismatched blocks stratified along the first principal component (kinds
  ``"pc1-halves"`` and ``"pc1-middle-tails"``, the paper's counterfactual).
* The held-out images (never trained on) are the first ``cfg.held_out`` images of the dataset's
  test part, or, for a dataset without one (an image folder), its last ``cfg.held_out`` images,
  which are then left out of the training set. They give the held-out loss and the held-out
  nearest-image distances.
* Every model (each network, and the linear model of each split) maps the same seed bank
  ``seed_noise(range(cfg.n_seeds), (1, s, s))``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data as data_mod
from . import datasets
from .dataset_statistics import dataset_statistics
from .edm import seed_noise
from .linear_diffusion import linear_theory_image
from .networks import network_preset
from .runs import Run, load_run, run_key, train_run
from .spectra import Gaussian, fit_gaussian
from .training import TrainConfig


@dataclass(frozen=True)
class NetworkData:
    """Training and held-out images at the chapter's resolution."""

    train: np.ndarray          # (N, 1, s, s) float32
    held_out: np.ndarray       # (m, 1, s, s) float32
    source: str

    @property
    def d(self) -> int:
        return int(np.prod(self.train.shape[1:]))

    @property
    def image_shape(self) -> tuple[int, ...]:
        """How one image is shown: ``(s, s)`` for grey, ``(3, s, s)`` for colour."""
        shape = self.train.shape[1:]
        return shape[1:] if shape[0] == 1 else shape


def prepare_data(cfg) -> NetworkData:
    """Load ``cfg.dataset`` (any name or path :func:`rmtdiff.load_dataset` reads) at
    ``cfg.image_size`` pixels, as float32 ``(N, C, s, s)``, with its held-out images."""
    source = cfg.dataset
    if datasets.has_parts(source):
        train = datasets.load_dataset(source, size=cfg.image_size, part="train")
        test = datasets.load_dataset(source, size=cfg.image_size, part="test",
                                     limit=cfg.held_out)
        x_train, x_test = _chw(train.images), _chw(test.images)
    else:
        every = datasets.load_dataset(source, size=cfg.image_size)
        x = _chw(every.images)
        if len(x) <= cfg.held_out:
            raise ValueError(f"dataset {source!r} has {len(x)} images, not more than held_out = "
                             f"{cfg.held_out}; lower held_out")
        x_train, x_test, train = x[:-cfg.held_out], x[-cfg.held_out:], every
    return NetworkData(x_train, x_test[:cfg.held_out], train.source)


def display_name(dataset: str) -> str:
    """How the chapters name a dataset: ``"Fashion-MNIST"``, ``"CIFAR-10"``, or a path's name."""
    known = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST", "cifar10": "CIFAR-10",
             "cifar100": "CIFAR-100", "ffhq": "FFHQ", "afhq": "AFHQ", "digits": "digits"}
    return known.get(str(dataset), Path(str(dataset)).name)


def _chw(images: np.ndarray) -> np.ndarray:
    """float32 ``(N, C, s, s)`` from grey ``(N, s, s)`` or colour ``(N, C, s, s)``."""
    x = images[:, None] if images.ndim == 3 else images
    return np.ascontiguousarray(x, dtype=np.float32)


def split_indices(n_total: int, n: int) -> list[np.ndarray]:
    """The two contiguous splits ``[0, n)`` and ``[n, 2n)`` (clear error when 2n > n_total)."""
    return data_mod.disjoint_splits(n_total, n, k=2, method="contiguous")


SPLIT_KINDS = ("iid", "pc1-halves", "pc1-middle-tails")


def pc1_scores(data: NetworkData) -> np.ndarray:
    """Every training image's coordinate along the first principal component of the training
    set, the component's sign fixed so that the sum of its entries is positive. Computed once
    per ``NetworkData`` (every split pair, stratum and grid of a chapter asks for it)."""
    if _PC1.get("train") is not data.train:       # the array itself is held, so never stale
        _PC1.update(train=data.train, scores=_pc1_scores(data))
    return _PC1["scores"]


_PC1: dict = {}     #: the last training set's PC1 scores


def _pc1_scores(data: NetworkData) -> np.ndarray:
    flat = data.train.reshape(len(data.train), -1)
    g = dataset_statistics(flat, show_progress=False)
    u = g.eigvecs[:, 0] * (1.0 if g.eigvecs[:, 0].sum() >= 0 else -1.0)
    return (flat.astype(np.float64) - g.mean) @ u


def strata(data: NetworkData, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The two halves of the training set a mismatched pair is drawn from (index arrays):
    ``"pc1-halves"``: above vs below the median PC1 score; ``"pc1-middle-tails"``: the middle
    half (between the quartiles) vs the two outer quarters."""
    score = pc1_scores(data)
    if kind == "pc1-halves":
        inside = score > np.median(score)
    elif kind == "pc1-middle-tails":
        lo, hi = np.quantile(score, [0.25, 0.75])
        inside = (score > lo) & (score <= hi)
    else:
        raise ValueError(f"kind must be one of {SPLIT_KINDS[1:]} for strata; got {kind!r}")
    return np.flatnonzero(inside), np.flatnonzero(~inside)


def split_pair(data: NetworkData, n: int, kind: str = "iid", seed: int = 0) -> list[np.ndarray]:
    """The two disjoint splits of ``n`` training images of a kind (see the module's conventions):
    for a stratified kind, ``n`` images drawn without replacement from each stratum (a seeded
    draw: the generator is seeded by ``(seed, kind, n)``)."""
    if kind == "iid":
        return split_indices(len(data.train), n)
    a, b = strata(data, kind)
    if n > min(len(a), len(b)):
        raise ValueError(f"n = {n} exceeds the {min(len(a), len(b))} images of the smaller "
                         f"stratum of {kind!r}; use n <= {min(len(a), len(b))}")
    rng = np.random.default_rng([seed, SPLIT_KINDS.index(kind), n])
    return [np.sort(rng.choice(a, n, replace=False)), np.sort(rng.choice(b, n, replace=False))]


@dataclass(frozen=True)
class Job:
    """One run of a grid: a network of ``arch`` on split ``split`` (1 or 2) of a pair of
    ``kind`` at ``n`` images; ``indices`` into the training set, ``meta`` as keyed."""

    kind: str
    arch: str
    n: int
    split: int
    indices: np.ndarray
    meta: dict


def train_config(cfg) -> TrainConfig:
    return TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                       ema_decay=cfg.ema_decay, checkpoint_every=cfg.checkpoint_every,
                       seed=cfg.seed)


def grid_jobs(cfg, data: NetworkData) -> list[Job]:
    """Every run of ``cfg``'s grid: kinds x n x split x architecture. The i.i.d. kind's record
    is the networks chapters' own, so the mismatch chapter finds their runs by key."""
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


def job_key(cfg, data: NetworkData, job: Job) -> str:
    """The run key of a job (:func:`rmtdiff.runs.run_key`)."""
    return run_key(_net(cfg, data, job.arch), train_config(cfg), data.train[job.indices],
                   data.held_out, range(cfg.n_seeds), cfg.heun_steps, job.meta)


def _net(cfg, data: NetworkData, arch: str):
    return network_preset(arch, cfg.net_size, image_size=cfg.image_size,
                          channels=data.train.shape[1])


def run_job(cfg, data: NetworkData, job: Job, device: str | None = None) -> Run:
    """Find the job's run in ``cfg.run_dir`` or train it (unless ``cfg.train_missing`` is
    False, when a missing run is an error that says how to produce it)."""
    if not cfg.train_missing:
        folder = Path(cfg.run_dir) / job_key(cfg, data, job)
        if not (folder / "run.json").exists():
            raise FileNotFoundError(
                f"run {job.arch} {job.meta['split_name']} is not in {cfg.run_dir} (no "
                f"{folder.name}/run.json); train it with `python -m rmtdiff.sweep` on the same "
                "configuration, or set train_missing=True")
        return load_run(folder)
    return train_run(cfg.run_dir, _net(cfg, data, job.arch), train_config(cfg),
                     data.train[job.indices], data.held_out, range(cfg.n_seeds), job.meta,
                     heun_steps=cfg.heun_steps, device=device)


def train_grid(cfg, data: NetworkData, device: str | None = None) -> dict[tuple, Run]:
    """Every run of the grid: ``{(arch, n, split): Run}`` when ``cfg.split_kinds`` is the
    networks chapters' ``("iid",)``, else ``{(kind, arch, n, split): Run}``. Finished runs are
    found by their key in ``cfg.run_dir``; missing ones are trained (see :func:`run_job`)."""
    plain = tuple(cfg.split_kinds) == ("iid",)
    out = {}
    for job in grid_jobs(cfg, data):
        key = (job.arch, job.n, job.split) if plain else (job.kind, job.arch, job.n, job.split)
        out[key] = run_job(cfg, data, job, device)
    return out


def linear_grid(cfg, data: NetworkData, sigma_T: float = 80.0,
                kind: str = "iid") -> dict[tuple, np.ndarray]:
    """The linear model's images of the seed bank for every split of a kind:
    ``{(n, split): (S, d)}``, each split with its own mean and covariance."""
    z = seed_noise(range(cfg.n_seeds), data.d)
    flat = data.train.reshape(len(data.train), -1).astype(np.float64)
    out = {}
    for n in cfg.n_values:
        for split, idx in enumerate(split_pair(data, n, kind, cfg.seed), start=1):
            out[n, split] = linear_theory_image(fit_gaussian(flat[idx]), z, sigma_T)
    return out


def population(data: NetworkData, indices: np.ndarray | None = None) -> Gaussian:
    """Mean and covariance of the whole training set (the theory's population), or of the
    images ``indices`` (a stratum)."""
    x = data.train if indices is None else data.train[indices]
    return fit_gaussian(x.reshape(len(x), -1).astype(np.float64))
