"""Training and held-out images at an experiment's resolution (the networks' data).

Conventions
-----------
* Images are area-averaged (or enlarged) to ``cfg.image_size`` and kept in ``[-1, 1]``, float32,
  shape ``(N, C, s, s)``.
* The held-out images (never trained on) are the first ``cfg.held_out`` images of the dataset's
  test part, or, for a dataset without one (an image folder), its last ``cfg.held_out`` images,
  which are then left out of the training set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from .loading import has_parts, load_dataset
from .splits import pc1_scores


class _DataConfig(Protocol):
    """What :func:`prepare_data` reads of a configuration (e.g.
    :class:`rmtdiff.experiments.config.NetworkChapterConfig`)."""

    dataset: str
    image_size: int
    held_out: int


@dataclass(frozen=True)
class NetworkData:
    """Training and held-out images at the chapter's resolution.

    Attributes
    ----------
    train : ndarray, shape (N, C, s, s), float32
        The training images, in ``[-1, 1]``.
    held_out : ndarray, shape (m, C, s, s), float32
        The held-out images (never trained on).
    source : str
        Where the training images came from (:attr:`ImageDataset.source
        <rmtdiff.data.images.ImageDataset.source>`).
    """

    train: np.ndarray          # (N, C, s, s) float32
    held_out: np.ndarray       # (m, C, s, s) float32
    source: str

    @property
    def d(self) -> int:
        """Pixels per image, ``C * s * s``."""
        return int(np.prod(self.train.shape[1:]))

    @property
    def image_shape(self) -> tuple[int, ...]:
        """How one image is shown: ``(s, s)`` for grey, ``(3, s, s)`` for colour."""
        shape = self.train.shape[1:]
        return shape[1:] if shape[0] == 1 else shape

    @cached_property
    def flat(self) -> np.ndarray:
        """The training images as float64 rows, shape (N, d) (computed once)."""
        return self.train.reshape(len(self.train), -1).astype(np.float64)

    @cached_property
    def pc1(self) -> np.ndarray:
        """Every training image's PC1 score (:func:`rmtdiff.data.splits.pc1_scores`), once."""
        return pc1_scores(self.train.reshape(len(self.train), -1))


def prepare_data(cfg: _DataConfig) -> NetworkData:
    """Load ``cfg.dataset`` (any name or path :func:`rmtdiff.load_dataset` reads) at
    ``cfg.image_size`` pixels, as float32 ``(N, C, s, s)``, with ``cfg.held_out`` held-out
    images.

    Parameters
    ----------
    cfg : NetworkChapterConfig or any object with these attributes
        ``dataset`` (str, a name or path), ``image_size`` (int, the side ``s``) and ``held_out``
        (int, the number ``m`` of held-out images).

    Returns
    -------
    NetworkData
        For a dataset with a train/test division (:func:`~rmtdiff.data.loading.has_parts`): its
        whole train part, and the first ``m`` test images; otherwise all but the last ``m``
        images, and those ``m``.

    Raises
    ------
    ValueError
        If a dataset without a division has no more than ``held_out`` images.
    """
    source = cfg.dataset
    if has_parts(source):
        train = load_dataset(source, size=cfg.image_size, part="train")
        test = load_dataset(source, size=cfg.image_size, part="test", limit=cfg.held_out)
        x_train, x_test = _chw(train.images), _chw(test.images)
    else:
        every = load_dataset(source, size=cfg.image_size)
        x = _chw(every.images)
        if len(x) <= cfg.held_out:
            raise ValueError(f"dataset {source!r} has {len(x)} images, not more than held_out = "
                             f"{cfg.held_out}; lower held_out")
        x_train, x_test, train = x[:-cfg.held_out], x[-cfg.held_out:], every
    return NetworkData(x_train, x_test[:cfg.held_out], train.source)


def _chw(images: np.ndarray) -> np.ndarray:
    """float32 ``(N, C, s, s)`` from grey ``(N, s, s)`` or colour ``(N, C, s, s)``."""
    x = images[:, None] if images.ndim == 3 else images
    return np.ascontiguousarray(x, dtype=np.float32)
