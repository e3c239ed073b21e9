"""The linear chapters' images (``book/01`` to ``04`` and ``08``) from any dataset their
``dataset`` field names: the population and held-out images, the population's Gaussian with a
full eigenbasis (also chapter 6's), and split sizes clipped to what the dataset holds.

Conventions
-----------
* A dataset with a train/test division (IDX, CIFAR) gives its training part as the population
  and the *last* ``held_out`` images of its test part as held-out images; any other dataset
  (an image folder, ``digits``) holds out its own last ``held_out`` images, which are then left
  out of the population (as :func:`rmtdiff.data.train_test.prepare_data` does for the networks).
* The Monte-Carlo engine rotates splits into a *full* eigenbasis of the population
  (:func:`rmtdiff.experiments.montecarlo.data_splits`); :func:`population` completes the basis
  of a rank-deficient covariance (``digits`` has pixels that never change) with eigenvalue 0.
* A split never holds more images than the dataset has for it: :func:`clip_sizes` lowers the
  configured sizes to that limit (``N`` for splits drawn with replacement from ``N`` population
  images, ``N // 2`` for two disjoint splits) and says so, rather than fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from numpy.typing import ArrayLike

from ..core.spectra import Gaussian, complete_basis, fit_gaussian
from ..data.images import ImageDataset
from ..data.loading import has_parts, load_dataset
from ..data.registry import display_name
from ..util.checks import check_int


def population_and_held_out(dataset: str, held_out: int,
                            size: int | None = None) -> tuple[ImageDataset, ImageDataset]:
    """The population and ``held_out`` held-out images of ``dataset`` (see the module's
    conventions), loaded with :func:`rmtdiff.load_dataset` at ``size``.

    Parameters
    ----------
    dataset : str
        A name or path for :func:`rmtdiff.load_dataset`.
    held_out : int
        How many held-out images (>= 1).
    size : int, optional
        Side of the square images (``None``: the files' own size).

    Returns
    -------
    population, held : ImageDataset
        Images of shape (N, H, W) (or (N, C, H, W)) and (held_out, H, W).

    Raises
    ------
    ValueError
        A dataset without a test part that does not hold more than ``held_out`` images.

    Examples
    --------
    >>> pop, held = population_and_held_out("digits", 4)
    >>> pop.images.shape, held.images.shape
    ((1793, 8, 8), (4, 8, 8))
    """
    held_out = check_int(held_out, "held_out")
    if has_parts(dataset):
        train = load_dataset(dataset, size=size, part="train")
        test = load_dataset(dataset, size=size, part="test")
        return train, _rows(test, slice(-held_out, None), f"its last {held_out} test images")
    every = load_dataset(dataset, size=size)
    if len(every.images) <= held_out:
        raise ValueError(f"dataset {dataset!r} has {len(every.images)} images, not more than "
                         f"held_out = {held_out}")
    return (_rows(every, slice(None, -held_out), f"all but its last {held_out} images"),
            _rows(every, slice(-held_out, None), f"its last {held_out} images"))


def _rows(ds: ImageDataset, rows: slice, what: str) -> ImageDataset:
    return ImageDataset(ds.name, ds.images[rows], ds.labels[rows], f"{ds.source}: {what}")


def population(X: ArrayLike) -> Gaussian:
    """:func:`rmtdiff.fit_gaussian` of the rows of ``X`` with a full eigenbasis: where the
    covariance has rank ``r < d`` (pixels that never change), the ``d - r`` directions orthogonal
    to its eigenvectors are added with eigenvalue 0. A full-rank fit is returned as it is.

    Parameters
    ----------
    X : array_like, shape (N, d)

    Returns
    -------
    Gaussian
        Mean (d,), eigenvalues (d,) in decreasing order (the last ``d - r`` zero), eigenvectors
        (d, d), orthonormal.
    """
    return complete_basis(fit_gaussian(X))


def clip_sizes(cfg: Any, fields: Sequence[str], limit: int, why: str) -> tuple[Any, str]:
    """``cfg`` with every split size in ``fields`` above ``limit`` lowered to ``limit``, and a
    sentence saying what changed (``""`` when nothing did).

    Parameters
    ----------
    cfg : a chapter's configuration (frozen dataclass with a ``dataset`` field)
    fields : names of fields holding a split size (int) or a tuple of them; a tuple keeps its
        order and loses the repeats that clipping makes
    limit : int
        The largest split the dataset allows (>= 1).
    why : str
        What ``limit`` is, for the sentence (e.g. ``"population images"``).

    Returns
    -------
    cfg, note : the clipped configuration and the sentence

    Examples
    --------
    >>> from rmtdiff import preset
    >>> cfg, note = clip_sizes(preset("kappa", "ci", dataset="digits"), ["fm_n"], 1796,
    ...                        "population images")
    >>> cfg.fm_n
    (300, 1796)
    >>> print(note)
    digits holds 1796 population images: fm_n clipped from (300, 3000) to (300, 1796)
    """
    limit = check_int(limit, "limit", minimum=0)
    if limit < 1:
        raise ValueError(f"limit must be >= 1; got {limit} ({why} of {cfg.dataset!r})")
    changes, notes = {}, []
    for name in fields:
        value = getattr(cfg, name)
        if isinstance(value, tuple):
            new = tuple(dict.fromkeys(min(int(v), limit) for v in value))
        else:
            new = min(int(value), limit)
        if new != value:
            changes[name] = new
            notes.append(f"{name} clipped from {value} to {new}")
    if not changes:
        return cfg, ""
    note = f"{display_name(cfg.dataset)} holds {limit} {why}: " + "; ".join(notes)
    return dataclasses.replace(cfg, **changes), note
