"""Distances between samples: per-pixel mean squared error and nearest neighbours.

Conventions: samples are rows of shape ``(m, d)``; an "MSE" is the mean over the ``d`` pixels of
the squared difference (images in ``[-1, 1]``), so it does not grow with the resolution.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, check_int


def pixel_mse(a, b) -> np.ndarray:
    r"""Per-sample mean squared difference :math:`\frac1d \|a_i - b_i\|^2`.

    Parameters
    ----------
    a, b : array_like, shape (..., d), the same for both

    Returns
    -------
    ndarray, shape (...): the mean over the last axis.

    >>> pixel_mse([[0.0, 2.0]], [[0.0, 0.0]])
    array([2.])
    """
    a = as_array(a, "a")
    b = as_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return np.mean((a - b) ** 2, axis=-1)


def nearest_neighbours(queries, reference, chunk: int = 4096):
    r"""For each query row, the reference row nearest in Euclidean distance.

    Uses :math:`\|q - r\|^2 = \|q\|^2 - 2 q\cdot r + \|r\|^2` over chunks of ``chunk`` reference
    rows, so memory stays at ``m * chunk`` floats.

    Parameters
    ----------
    queries : array_like, shape (m, d)
    reference : array_like, shape (N, d), N >= 1
    chunk : int

    Returns
    -------
    index : ndarray, shape (m,), int64
        Row of ``reference`` nearest to each query.
    mse : ndarray, shape (m,)
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
