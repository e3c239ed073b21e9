"""Distances between samples: per-pixel mean squared error and nearest neighbours.

Conventions: samples are rows of shape ``(m, d)``; an "MSE" is the mean over the ``d`` pixels of
the squared difference (images in ``[-1, 1]``), so it does not grow with the resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_int


def pixel_mse(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    r"""Per-sample mean squared difference :math:`\frac1d \|a_i - b_i\|^2`.

    Parameters
    ----------
    a, b : array_like, shape (..., d), the same for both
        The two batches of samples (finite; converted to float64).

    Returns
    -------
    ndarray, shape (...), float64
        The mean over the last axis.

    >>> pixel_mse([[0.0, 2.0]], [[0.0, 0.0]])
    array([2.])
    """
    a = as_array(a, "a")
    b = as_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return np.mean((a - b) ** 2, axis=-1)


def nearest_neighbours(queries: ArrayLike, reference: ArrayLike,
                       chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    r"""For each query row, the reference row nearest in Euclidean distance.

    Uses :math:`\|q - r\|^2 = \|q\|^2 - 2 q\cdot r + \|r\|^2` over chunks of ``chunk`` reference
    rows, so memory stays at ``m * chunk`` floats.

    Parameters
    ----------
    queries : array_like, shape (m, d)
        The samples to look up (float64).
    reference : array_like, shape (N, d), N >= 1
        The images to search (e.g. a training set).
    chunk : int, optional
        Reference rows per block, ``>= 1`` (default 4096).

    Returns
    -------
    index : ndarray, shape (m,), int64
        Row of ``reference`` nearest to each query.
    mse : ndarray, shape (m,), float64
        Per-pixel MSE to that row (see :func:`pixel_mse`), recomputed exactly.

    >>> nearest_neighbours([[0.9, 0.0]], [[0.0, 0.0], [1.0, 0.0]])[0]
    array([1])
    """
    q = as_array(queries, "queries", ndim=2)
    r = as_array(reference, "reference", ndim=2)
    if r.shape[0] == 0 or q.shape[1] != r.shape[1]:
        raise ValueError(f"reference must have shape (N >= 1, {q.shape[1]}); got {r.shape}")
    chunk = check_int(chunk, "chunk")
    best = np.full(q.shape[0], np.inf)
    index = np.zeros(q.shape[0], dtype=np.int64)
    qq = np.einsum("ij,ij->i", q, q)
    for start in range(0, r.shape[0], chunk):
        block = r[start:start + chunk]
        dist = qq[:, None] - 2 * q @ block.T + np.einsum("ij,ij->i", block, block)[None, :]
        j = np.argmin(dist, axis=1)
        better = dist[np.arange(len(q)), j] < best
        best[better] = dist[np.arange(len(q)), j][better]
        index[better] = start + j[better]
    return index, pixel_mse(q, r[index])


def two_nearest(queries: ArrayLike, reference: ArrayLike,
                chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    r"""Indices and per-pixel MSEs of the nearest and the second-nearest row of ``reference`` for
    every row of ``queries``.

    Squared distances come from :math:`\|q - r\|^2 = \|q\|^2 - 2 q\cdot r + \|r\|^2` over blocks
    of ``chunk`` reference rows (clipped at 0, not recomputed), divided by ``d``.

    Parameters
    ----------
    queries : array_like, shape (m, d)
        The samples to look up (float64).
    reference : array_like, shape (N, d), N >= 2
        The images to search (e.g. a training set).
    chunk : int, optional
        Reference rows per block (default 4096; not validated).

    Returns
    -------
    index : ndarray, shape (m, 2), int64
        Rows of ``reference``: nearest, then second nearest.
    mse : ndarray, shape (m, 2), float64, ascending along the last axis
        Their per-pixel MSEs :math:`\|q - r\|^2/d`.

    >>> idx, mse = two_nearest([[0.0, 0.0]], [[3.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    >>> idx.tolist(), mse.tolist()
    ([[1, 2]], [[0.5, 2.0]])
    """
    q = as_array(queries, "queries", ndim=2)
    r = as_array(reference, "reference", ndim=2)
    if r.shape[0] < 2 or q.shape[1] != r.shape[1]:
        raise ValueError(f"reference must have shape (N >= 2, {q.shape[1]}); got {r.shape}")
    q2 = (q**2).sum(1)
    best = np.full((q.shape[0], 2), np.inf)
    index = np.zeros((q.shape[0], 2), dtype=np.int64)
    for start in range(0, r.shape[0], chunk):
        block = r[start:start + chunk]
        d2 = np.maximum(q2[:, None] - 2 * q @ block.T + (block**2).sum(1)[None], 0.0)
        cand = np.concatenate([best, d2], axis=1)
        cand_idx = np.concatenate([index, start + np.arange(block.shape[0])[None].repeat(
            q.shape[0], 0)], axis=1)
        order = np.argsort(cand, axis=1, kind="stable")[:, :2]
        best = np.take_along_axis(cand, order, 1)
        index = np.take_along_axis(cand_idx, order, 1)
    return index, best / q.shape[1]


def memorisation_fraction(samples: ArrayLike, train: ArrayLike, ratio: float = 1 / 3) -> float:
    r"""Fraction of ``samples`` that copy a training image: the sample's distance to its nearest
    training image is less than ``ratio`` times its distance to the second nearest,
    :math:`\|x - t_1\| < r\,\|x - t_2\|` (Euclidean distances; Carlini et al. 2023 and
    Yoon et al. 2023 use the same rule with :math:`r = 1/3`). A generalising model's sample sits
    about as far from its nearest as from its second-nearest image.

    Parameters
    ----------
    samples : array_like, shape (m, d)
        Generated samples.
    train : array_like, shape (N, d), N >= 2
        The training images.
    ratio : float, optional
        The threshold :math:`r`, in ``(0, 1)`` (default 1/3).

    Returns
    -------
    float
        The fraction of the ``m`` samples that satisfy the rule, in ``[0, 1]``.

    >>> memorisation_fraction([[0.0, 0.0], [2.0, 2.0]], [[0.01, 0.0], [1.0, 1.0], [3.0, 3.0]])
    0.5
    """
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must be in (0, 1); got {ratio}")
    _, mse = two_nearest(samples, train)
    return float(np.mean(np.sqrt(mse[:, 0]) < ratio * np.sqrt(mse[:, 1])))


def mode_variance(samples: ArrayLike, mean: ArrayLike, eigvecs: ArrayLike) -> np.ndarray:
    r"""Variance over samples of the coordinates along each population eigenvector: the
    generated variance per eigenmode,
    :math:`\frac1{m-1}\sum_i \big(u_k^\top(x_i - \mu) - \overline{u_k^\top(x - \mu)}\big)^2`
    (unbiased, ``ddof=1``).

    Parameters
    ----------
    samples : array_like, shape (m, d)
        Generated samples, ``m >= 2``.
    mean : array_like, shape (d,)
        The centre :math:`\mu` the coordinates are taken from.
    eigvecs : array_like, shape (d, k), orthonormal columns
        The directions :math:`u_k`.

    Returns
    -------
    ndarray, shape (k,), float64

    >>> mode_variance([[1.0, 0.0], [-1.0, 0.0]], np.zeros(2), np.eye(2)).tolist()
    [2.0, 0.0]
    """
    s = as_array(samples, "samples", ndim=2)
    coords = (s - np.asarray(mean, dtype=np.float64)) @ np.asarray(eigvecs, dtype=np.float64)
    return coords.var(0, ddof=1)


def band_mse(a: ArrayLike, b: ArrayLike, eigvecs: ArrayLike, edges: Sequence[int]) -> np.ndarray:
    r"""Same-seed squared distance between ``a`` and ``b`` (shape (m, d)) within eigenbands:
    for band ``j`` (modes ``edges[j]`` to ``edges[j+1]-1``), the squared norm of the difference's
    coordinates in that band divided by ``d``, so that the bands sum to the per-pixel MSE
    (when ``eigvecs`` is a complete basis and the edges cover all of it):
    :math:`\frac1d\sum_{k=e_j}^{e_{j+1}-1} \big(u_k^\top(a_i - b_i)\big)^2`.

    Parameters
    ----------
    a, b : array_like, shape (m, d)
        The two batches, row ``i`` of both drawn from the same seed.
    eigvecs : array_like, shape (d, k), orthonormal columns
        The eigenvectors :math:`u_k`, in the order the bands refer to.
    edges : sequence of int, length B + 1
        Increasing mode indices in ``[0, k]``.

    Returns
    -------
    ndarray, shape (m, len(edges) - 1), float64

    >>> band_mse([[1.0, 1.0]], [[0.0, 0.0]], np.eye(2), [0, 1, 2]).tolist()
    [[0.5, 0.5]]
    """
    a = as_array(a, "a", ndim=2)
    b = as_array(b, "b", ndim=2)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    c = ((a - b) @ np.asarray(eigvecs, dtype=np.float64)) ** 2
    edges = [int(e) for e in edges]
    if edges[0] < 0 or edges[-1] > c.shape[1] or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must increase within [0, {c.shape[1]}]; got {edges}")
    return np.stack([c[:, lo:hi].sum(1) for lo, hi in zip(edges[:-1], edges[1:])], 1) / a.shape[1]
