r"""A dataset's mean, covariance and eigen-decomposition, computed streaming and cached on disk.

For the paper's datasets ``d`` reaches 64x64x3 = 12288 and ``N`` 70000: the ``(N, d)`` matrix does
not fit a float64 copy in memory, and the eigen-decomposition takes minutes. Here the rows are read
in chunks and accumulated in float64 (the sum of the rows and the ``d x d`` sum of their outer
products, centred on the first chunk's mean so that no large mean is subtracted from large sums),
and the result is stored under a key that hashes the data's bytes: asking again for the same
images, whatever path they came by, reads the cache.

The covariance divides by ``N`` (the convention of :mod:`rmtdiff.core.spectra`); the result is the
same :class:`~rmtdiff.core.spectra.Gaussian` as ``fit_gaussian(X)`` (up to float64 summation order): the
eigenpairs above ``RANK_RTOL`` times the largest, in decreasing order.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

import numpy as np

from ..util.checks import check_int, finite_row_blocks
from ..util.io import atomic_write
from ..util.progress import progress
from ..core.spectra import Gaussian, nonzero_eigh

CHUNK = 2048


def default_cache() -> Path:
    """``$RMTDIFF_CACHE``, else ``~/.cache/rmtdiff``.

    Returns
    -------
    pathlib.Path
        The folder (not created here; ``~`` in ``$RMTDIFF_CACHE`` is not expanded).
    """
    return Path(os.environ.get("RMTDIFF_CACHE", Path.home() / ".cache" / "rmtdiff"))


def content_hash(X: np.ndarray, chunk: int = CHUNK) -> str:
    """SHA-256 of the rows' shape, dtype and bytes (read chunk by chunk).

    Parameters
    ----------
    X : ndarray or numpy.memmap, shape (N, ...), any dtype
        The data; a memory map is read ``chunk`` rows at a time.
    chunk : int, optional
        Rows per read (default :data:`CHUNK`); does not change the hash.

    Returns
    -------
    str
        64 hexadecimal digits.

    >>> content_hash(np.zeros((3, 2))) == content_hash(np.zeros((3, 2)), chunk=1)
    True
    """
    h = hashlib.sha256(f"{X.shape}|{X.dtype.str}".encode())
    for start in range(0, len(X), chunk):
        h.update(np.ascontiguousarray(X[start:start + chunk]).tobytes())
    return h.hexdigest()


def dataset_statistics(X: np.ndarray, cache_dir: str | os.PathLike | Literal[False] | None = None,
                       chunk: int = CHUNK, show_progress: bool = True) -> Gaussian:
    r"""Mean and covariance of the rows of ``X`` (a NumPy array or memory map, shape ``(N, d)``),
    eigen-decomposed, from the cache when these exact bytes were seen before.

    Parameters
    ----------
    X : array, shape (N, d)
        Rows are flattened images (any float or integer dtype; accumulated in float64).
    cache_dir : path, optional
        Where ``stats-<hash>.npz`` files live (default :func:`default_cache`); ``False`` turns
        the cache off.
    chunk : int
        Rows per chunk.
    show_progress : bool, optional
        Show a progress bar over the chunks (default True).

    Returns
    -------
    Gaussian
        Mean (d,), eigenvalues (r,) decreasing and eigenvectors (d, r), float64: the covariance
        :math:`\frac1N\sum_j (x_j - \hat\mu)(x_j - \hat\mu)^\top` decomposed by
        :func:`~rmtdiff.core.spectra.nonzero_eigh`.

    Raises
    ------
    ValueError
        ``X`` not 2-D, fewer than 2 rows, or a NaN/inf in the data (named by its row).
    """
    if not hasattr(X, "shape") or len(X.shape) != 2:
        raise ValueError(f"X must be a 2-D array of rows (N, d); got shape "
                         f"{getattr(X, 'shape', type(X).__name__)}")
    N, d = X.shape
    if N < 2:
        raise ValueError(f"X must have at least 2 rows to estimate a covariance; got {N}")
    chunk = check_int(chunk, "chunk")
    key = content_hash(X, chunk)
    path = None
    if cache_dir is not False:
        path = Path(cache_dir or default_cache()) / f"stats-{key[:24]}.npz"
        if path.is_file():
            try:
                with np.load(path) as z:
                    if z["key"].item() == key:
                        return Gaussian(z["mean"], z["eigvals"], z["eigvecs"])
            except Exception:       # an unreadable cache entry is recomputed and replaced
                pass
    shift = np.asarray(X[:min(chunk, N)], dtype=np.float64).mean(axis=0)
    total = np.zeros(d)
    outer = np.zeros((d, d))
    for _, block in progress(finite_row_blocks(X, chunk), desc=f"covariance of {N} x {d}",
                             enable=show_progress, total=-(-N // chunk)):
        block = block - shift
        total += block.sum(axis=0)
        outer += block.T @ block
    m = total / N
    cov = outer / N - np.outer(m, m)
    cov = (cov + cov.T) / 2
    w, U = nonzero_eigh(cov)
    g = Gaussian(shift + m, w, U)
    if path is not None:
        def save(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, key=np.array(key), mean=g.mean, eigvals=g.eigvals, eigvecs=g.eigvecs)

        atomic_write(path, save)
    return g
