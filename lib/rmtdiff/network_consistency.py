"""The networks' same-seed experiment: data, the grid of training runs, and the linear model of
every split beside them.

Conventions
-----------
* Images are area-averaged to ``cfg.image_size`` and kept in ``[-1, 1]``, shape ``(N, 1, s, s)``.
* Splits are the paper's contiguous index blocks of the training set, ``[0, n)`` and
  ``[n, 2n)``; the test set is held out (never trained on) and its first ``cfg.held_out`` images
  give the held-out loss and the held-out nearest-image distances.
* Every model (each network, and the linear model of each split) maps the same seed bank
  ``seed_noise(range(cfg.n_seeds), (1, s, s))``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from . import data as data_mod
from .edm import seed_noise
from .linear_diffusion import linear_theory_image
from .networks import network_preset
from .runs import Run, train_run
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


def prepare_data(cfg) -> NetworkData:
    """Load ``cfg.dataset`` (training and test parts) and resize it to ``cfg.image_size``."""
    if cfg.dataset != "fashion-mnist":
        raise ValueError(f"the network chapters use dataset='fashion-mnist'; got {cfg.dataset!r}")
    train = data_mod.resize(data_mod.load_fashion_mnist(part="train"), cfg.image_size)
    test = data_mod.resize(data_mod.load_fashion_mnist(part="test"), cfg.image_size)
    return NetworkData(train.images[:, None].astype(np.float32),
                       test.images[:cfg.held_out, None].astype(np.float32), train.source)


def split_indices(n_total: int, n: int) -> list[np.ndarray]:
    """The two contiguous splits ``[0, n)`` and ``[n, 2n)`` (clear error when 2n > n_total)."""
    return data_mod.disjoint_splits(n_total, n, k=2, method="contiguous")


def train_grid(cfg, data: NetworkData, device: str | None = None) -> dict[tuple, Run]:
    """Every run of the chapter: ``{(arch, n, split): Run}`` with ``split`` in (1, 2). Finished
    runs are found by their key in ``cfg.run_dir``; missing ones are trained."""
    train_cfg = TrainConfig(steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                            ema_decay=cfg.ema_decay, checkpoint_every=cfg.checkpoint_every,
                            seed=cfg.seed)
    seeds = range(cfg.n_seeds)
    runs = {}
    for n in cfg.n_values:
        for split, idx in enumerate(split_indices(len(data.train), n), start=1):
            meta = {"dataset": cfg.dataset, "image_size": cfg.image_size, "n": int(n),
                    "split": split, "split_name": f"n={n} split {split}",
                    "indices": f"[{idx[0]}, {idx[-1] + 1})",
                    "indices_sha256": hashlib.sha256(idx.astype(np.int64).tobytes()).hexdigest()}
            for arch in cfg.archs:
                net_cfg = network_preset(arch, cfg.net_size, image_size=cfg.image_size,
                                         channels=1)
                runs[arch, n, split] = train_run(cfg.run_dir, net_cfg, train_cfg,
                                                 data.train[idx], data.held_out, seeds, meta,
                                                 heun_steps=cfg.heun_steps, device=device)
    return runs


def linear_grid(cfg, data: NetworkData, sigma_T: float = 80.0) -> dict[tuple, np.ndarray]:
    """The linear model's images of the seed bank for every split: ``{(n, split): (S, d)}``,
    each split with its own mean and covariance."""
    z = seed_noise(range(cfg.n_seeds), data.d)
    flat = data.train.reshape(len(data.train), -1).astype(np.float64)
    out = {}
    for n in cfg.n_values:
        for split, idx in enumerate(split_indices(len(data.train), n), start=1):
            out[n, split] = linear_theory_image(fit_gaussian(flat[idx]), z, sigma_T)
    return out


def population(data: NetworkData) -> Gaussian:
    """Mean and covariance of the whole training set (the theory's population)."""
    return fit_gaussian(data.train.reshape(len(data.train), -1).astype(np.float64))
