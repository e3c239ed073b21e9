r"""Noise renormalisation for data that are not Gaussian: :math:`\kappa(s)` from the empirical
distribution of the images' quadratic forms (first order).

Where the Gaussian derivation uses Gaussianity
----------------------------------------------
With :math:`R = (\hat\Sigma + s)^{-1}` and :math:`\hat\Sigma = \frac1n\sum_i x_ix_i^\top`,
:math:`sR = I - \hat\Sigma R`, and Sherman-Morrison gives
:math:`x_i^\top R = x_i^\top R_{-i}/(1 + x_i^\top R_{-i}x_i/n)`, so

.. math:: \mathbb E[\hat\Sigma R] = \mathbb E\Big[\frac{x x^\top R_{-}}{1 + x^\top R_{-} x/n}\Big].

:math:`R_{-}` is built from the *other* images and concentrates on a deterministic
:math:`\bar R`; the Gaussian derivation then also replaces the quadratic form
:math:`x^\top\bar Rx/n` by its mean :math:`\mathrm{tr}(\Sigma\bar R)/n`. For images it does not
concentrate: their norms along the relevant modes vary a lot. Keeping it, with the elliptical
closure :math:`\mathbb E_x[xx^\top f(x)] \approx \Sigma\,\mathbb E_x[\tau(x) f(x)]` (exact when
:math:`x = \sqrt\tau\,\Sigma^{1/2}g`), and :math:`\bar R = (s + a\Sigma)^{-1}`, i.e.
:math:`\bar R = a^{-1}(\Sigma + \kappa)^{-1}` with :math:`\kappa = s/a`:

.. math:: a = \mathbb E\Big[\frac{\tau}{1 + \tau\delta}\Big],\qquad
          \delta = \frac{\mathrm{df}_1(\kappa)}{na},\qquad
          \tau_j = \frac{q_j(\kappa)}{\mathrm{df}_1(\kappa)},\quad
          q_j(\kappa) = (x_j-\mu)^\top(\Sigma+\kappa)^{-1}(x_j-\mu),

the expectation over the population's own centred images. Eliminating :math:`a = s/\kappa`, and
keeping of :math:`q_j` only its radial part :math:`\tilde q_j` of :eq:`radial` (as the book's
eq. ``kappa-data`` does, chapter ``non-gaussian``, ``book/08_non_gaussian.md``; so also
:math:`\tau_j = \tilde q_j/\mathrm{df}_1`):

.. math:: \mathrm{df}_1(\kappa) = \frac1N\sum_{j=1}^N \frac{\tilde q_j(\kappa)}{s/\kappa + \tilde q_j(\kappa)/n}.
   :label: kappa-data

The radial part. Even for Gaussian images :math:`q_j` spreads about its mean
:math:`\mathrm{df}_1(\kappa)` by the :math:`\chi^2` variance :math:`2\,\mathrm{df}_2(\kappa)`,
which the Gaussian derivation already accounts for. For :math:`x = \sqrt\tau\,\Sigma^{1/2}g` with
:math:`\mathbb E\tau = 1`, :math:`\operatorname{Var} q = V_\tau(\mathrm{df}_1^2 + 2\,\mathrm{df}_2)
+ 2\,\mathrm{df}_2`; the radial part shrinks :math:`q_j` towards its mean until only the spread
:math:`V_\tau = \operatorname{Var}\tau` of the image scale is left:

.. math:: \tilde q_j(\kappa) = \mathrm{df}_1\Big(1 + c\Big(\frac{q_j}{\mathrm{df}_1} - 1\Big)\Big),\qquad
          c^2 = \frac{V_\tau}{\operatorname{Var}_j(q_j/\mathrm{df}_1)},\qquad
          V_\tau = \frac{\max\big(\operatorname{Var}_j q_j - 2\,\mathrm{df}_2,\ 0\big)}
          {\mathrm{df}_1^2 + 2\,\mathrm{df}_2},
   :label: radial

with the variances over the population's :math:`N` images (whose :math:`q_j` average to
:math:`\mathrm{df}_1` exactly) and :math:`c = 0` when every :math:`q_j` is the same. Then
:math:`\operatorname{Var}_j(\tilde q_j/\mathrm{df}_1) = V_\tau` and
:math:`\mathbb E_j\tilde q_j = \mathrm{df}_1`.

When every :math:`q_j` equals its mean :math:`\mathrm{df}_1(\kappa)` this is
:math:`s/\kappa + \mathrm{df}_1/n = 1`, the Gaussian equation; at :math:`s = 0` it is
:math:`\mathrm{df}_1(\kappa_0) = n` whatever the :math:`q_j`, so :math:`\kappa_0` is unchanged.
The expected gain keeps its form: :math:`\mathbb E[\hat\Sigma(\hat\Sigma+s)^{-1}] \simeq
I - s\bar R = \Sigma(\Sigma+\kappa)^{-1}`, with the :math:`\kappa` of :eq:`kappa-data`.

Solving. For :math:`s > 0` the difference :math:`h(\kappa)` of the two sides of :eq:`kappa-data`
is negative at :math:`\kappa = s` (the mean of :math:`\tilde q/(1+\tilde q/n)` is below the mean
of :math:`\tilde q`, which is :math:`\mathrm{df}_1`) and positive for large :math:`\kappa`. All
ridges are solved at once: each keeps a bracket :math:`[\kappa_-, \kappa_+]` with :math:`h(\kappa_-) < 0 < h(\kappa_+)`,
takes the Newton step on :math:`\ln\kappa` from the Gaussian :math:`\kappa` (analytic
derivative) when it stays inside the bracket and is shorter than half of it, bisects in
:math:`\ln\kappa` otherwise (so the bracket at least halves every other step), and
stops when the bracket or the step is below a relative ``XTOL``. One iteration costs one
:math:`(N\times r)\,(r\times S)` product for all :math:`S` ridges.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_n, check_s, finite_row_blocks
from ..util.progress import progress
from .kappa import KappaConvergenceError, solve_kappa
from ..core.spectra import Gaussian, fit_gaussian

XTOL = 1e-13     #: relative width (bracket or Newton step) at which a ridge stops
MAX_ITER = 200   #: iterations before giving up (bisection alone needs about 100)


ROWS = 2048      #: rows per block when a computation visits the rotated rows (bounds its memory)


@dataclass(frozen=True)
class DataModel:
    """A population (its images as rows) in its own eigenbasis.

    The theory's computations visit the rows in blocks (:meth:`blocks`, :meth:`sq_products`), so
    that ``coords`` may be a memory map (:func:`data_model` with ``store=``) and they make no other
    ``N x r`` array (:attr:`rows`, for the small populations of the checks, is one).

    Attributes
    ----------
    gaussian : Gaussian
        Mean and covariance of the rows (covariance divided by ``N``).
    coords : ndarray or numpy.memmap, shape (N, r), float64
        Coordinates :math:`y_{jk}` of the centred rows along the ``r`` eigenvectors with positive
        eigenvalues, divided by ``sqrt(scale)``; the column means of ``scale * coords**2`` are the
        eigenvalues.
    scale : float
        The rows are ``sqrt(scale) * coords`` (1 unless the model is another's rescaled, a split's
        centred covariance being ``(n-1)/n`` times a known-mean one; the rescaled model shares
        the other's ``coords`` instead of copying them).
    """

    gaussian: Gaussian
    coords: np.ndarray
    scale: float = 1.0

    @property
    def eigvals(self) -> np.ndarray:
        r"""The ``r`` positive eigenvalues :math:`\lambda_k`, decreasing, shape (r,)."""
        return self.gaussian.eigvals

    @property
    def size(self) -> int:
        """The number ``N`` of rows."""
        return int(self.coords.shape[0])

    def blocks(self, rows: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """The rows :math:`y_j` in consecutive blocks, as ``(start, block)`` with ``block`` a
        float64 array of shape (<= rows, r) (``scale`` applied; with ``scale == 1`` a view of
        ``coords``, not to be modified).

        Parameters
        ----------
        rows : int, optional
            Rows per block (default ``ROWS``).

        Yields
        ------
        (int, ndarray)

        >>> m = data_model(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]]))
        >>> [(a, y.shape) for a, y in m.blocks(2)]
        [(0, (2, 2)), (2, (1, 2))]
        """
        root = np.sqrt(self.scale)
        for a, y in self._stored_blocks(ROWS if rows is None else rows):
            yield a, (y * root if self.scale != 1.0 else y)

    def _stored_blocks(self, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """``coords`` as stored (``scale`` not applied), in blocks of ``rows``."""
        for a in range(0, self.size, rows):
            yield a, np.asarray(self.coords[a:a + rows], dtype=np.float64)

    @cached_property
    def rows(self) -> np.ndarray:
        """The centred images back in pixel coordinates, shape (N, d) (computed once; for the
        small populations of the checks: it is the full ``N x d`` array)."""
        return np.vstack([y @ self.gaussian.eigvecs.T for _, y in self.blocks()])

    def sq_products(self, *F: np.ndarray) -> list[np.ndarray]:
        r"""The products :math:`\sum_k y_{jk}^2F_{kl}` of the squared coordinates with each matrix
        ``F`` (r, S), in one pass over the rows.

        Parameters
        ----------
        *F : ndarray, shape (r, S_i)
            Weights of the modes.

        Returns
        -------
        list of ndarray, shapes (N, S_i), float64
        """
        cols = np.cumsum([0] + [f.shape[1] for f in F])
        both = np.hstack(F) * self.scale          # scale y^2 through the weights: no copy of y
        out = np.empty((self.size, cols[-1]))
        for a, y in self._stored_blocks(ROWS):
            np.matmul(y * y, both, out=out[a:a + y.shape[0]])    # one product for all F
        return [out[:, i:j] for i, j in zip(cols[:-1], cols[1:])]

    def q(self, kappa: ArrayLike) -> np.ndarray:
        r""":math:`q_j(\kappa) = \sum_k y_{jk}^2/(\lambda_k+\kappa)` for every row: shape (N,) for
        a scalar ``kappa``, (N, S) for ``S`` values.

        Parameters
        ----------
        kappa : float or array_like, shape () or any shape K
            Ridges :math:`\kappa \ge 0` (not checked).

        Returns
        -------
        ndarray, shape (N,) + K, float64
            The quadratic forms :math:`q_j(\kappa) = (x_j-\mu)^\top(\Sigma+\kappa)^{-1}(x_j-\mu)`;
            their mean over the rows is :math:`\mathrm{df}_1(\kappa)`.

        >>> m = data_model(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]))
        >>> m.eigvals.tolist(), m.q(1.0).round(4).tolist()
        ([2.0, 0.5], [0.6667, 0.6667, 1.3333, 1.3333])
        """
        kappa = np.asarray(kappa, dtype=np.float64)
        F = 1.0 / (self.eigvals[:, None] + kappa.ravel()[None])
        return self.sq_products(F)[0].reshape((self.size,) + kappa.shape)

    def radial(self, kappa: ArrayLike) -> np.ndarray:
        r"""The radial part :math:`\tilde q_j(\kappa)` of the quadratic forms, eq. :eq:`radial`:
        :math:`q_j` shrunk towards its mean :math:`\mathrm{df}_1` so that its variance is that of
        :math:`\tau_j\mathrm{df}_1` alone; same shapes as :meth:`q`.

        Parameters
        ----------
        kappa : float or array_like, shape () or any shape K
            Ridges :math:`\kappa \ge 0` (not checked).

        Returns
        -------
        ndarray, shape (N,) + K, float64
            :math:`\tilde q_j(\kappa)`, with mean :math:`\mathrm{df}_1(\kappa)` over the rows.

        The two-row Gaussian surrogate has no spread to shrink:

        >>> m = gaussian_surrogate(data_model(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]])))
        >>> bool(np.allclose(m.radial(0.5), m.q(0.5)))
        True
        """
        kappa = np.asarray(kappa, dtype=np.float64)
        q = self.q(kappa).reshape(self.size, -1)
        return _shrink(q, self.eigvals, kappa.ravel())[0].reshape(q.shape[:1] + kappa.shape)


def _shrink(q: np.ndarray, lam: np.ndarray, kappa: np.ndarray):
    """(q~, shrink factor c) per column: q~ = df1 (1 + c (q/df1 - 1)), c^2 = V_tau / Var(q/df1),
    V_tau = max(Var q - 2 df2, 0) / (df1^2 + 2 df2): eq. (radial) of the module docstring."""
    R = lam[:, None] / (lam[:, None] + kappa[None])
    d1, d2 = R.sum(0), (R * R).sum(0)
    safe = np.where(d1 > 0, d1, 1.0)
    v = ((q / safe - 1.0) ** 2).mean(0)                          # Var(q/df1) (the mean is df1)
    v_tau = np.maximum(v * safe**2 - 2 * d2, 0.0) / (safe**2 + 2 * d2)
    c = np.sqrt(np.divide(v_tau, v, out=np.zeros_like(v), where=v > 0))
    return d1 * (1.0 + c * (q / safe - 1.0)), c


def data_model(X: ArrayLike, gaussian: Gaussian | None = None, *,
               store: str | os.PathLike | None = None, show_progress: bool = False) -> DataModel:
    r"""The :class:`DataModel` of the rows of ``X`` (N, d): fit, rotate.

    :math:`y_{jk} = u_k^\top(x_j - \hat\mu)` for the ``r`` eigenvectors :math:`u_k` with positive
    eigenvalues of :math:`\hat\Sigma = \frac1N\sum_j (x_j-\hat\mu)(x_j-\hat\mu)^\top`, the
    ingredients of :eq:`kappa-data` and :eq:`radial`.

    ``X`` is read in blocks of ``ROWS`` rows and converted to float64 one block at a time, so it
    may be a memory map or any dtype (uint8 images, float32) without a float64 copy of it; the
    memory this takes is that of ``coords``, :math:`8Nr` bytes (in a file with ``store``).

    Parameters
    ----------
    X : array_like or numpy.memmap, shape (N, d)
        The population's images as rows, ``N >= 2``, finite.
    gaussian : Gaussian, optional
        Their mean and covariance already decomposed (e.g. by
        :func:`rmtdiff.data.statistics.dataset_statistics`, which also reads ``X`` in blocks), so
        that it is not done twice. Without it :func:`~rmtdiff.core.spectra.fit_gaussian` fits
        ``X`` (in memory, float64).
    store : path, optional
        A ``.npy`` file for ``coords`` (a memory map; written under a temporary name and renamed
        when complete), for populations whose rotated rows do not fit in memory.
    show_progress : bool
        A progress bar over the blocks of the rotation.

    Returns
    -------
    DataModel
        ``coords`` of shape (N, r), float64.

    >>> data_model(np.array([[1.0, 0.0], [-1.0, 0.0]])).coords.shape
    (2, 1)
    """
    if not hasattr(X, "shape") or not hasattr(X, "dtype"):
        X = as_array(X, "X")
    if len(X.shape) != 2:
        raise ValueError(f"X must be a 2-D array of rows (N, d); got shape {X.shape}")
    N, d = X.shape
    if N < 2:
        raise ValueError(f"X must hold at least 2 rows (images); got {N}")
    g = fit_gaussian(X) if gaussian is None else gaussian
    if g.mean.shape != (d,):
        raise ValueError(f"gaussian must have dimension d = {d} (the columns of X); "
                         f"got {g.mean.shape[0]}")
    r = g.eigvals.size
    tmp = None if store is None else Path(store).with_name(f".{Path(store).name}.{os.getpid()}.tmp")
    try:
        coords = (np.empty((N, r)) if tmp is None else
                  np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float64, shape=(N, r)))
        for a, block in progress(finite_row_blocks(X, ROWS), f"rotating {N} x {d} rows",
                                 show_progress, total=-(-N // ROWS)):
            coords[a:a + block.shape[0]] = (block - g.mean) @ g.eigvecs
        if tmp is not None:
            coords.flush()
            del coords
            os.replace(tmp, store)
            coords = np.load(store, mmap_mode="r")            # read-only from here on
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return DataModel(g, coords)


def gaussian_surrogate(model: DataModel) -> DataModel:
    r"""A model with the same eigenvalues whose quadratic forms all equal their mean, the
    Gaussian limit of :eq:`kappa-data`: the two rows ``+-sqrt(lambda)``, for which
    ``q_j(kappa) = df1(kappa)`` exactly.

    Parameters
    ----------
    model : DataModel
        The population whose eigenvalues (and ``gaussian``) are kept.

    Returns
    -------
    DataModel
        ``coords`` of shape (2, r): :math:`\pm\sqrt{\lambda_k}`; its ``gaussian`` is the one of
        ``model`` (so :attr:`DataModel.rows` are in the original pixel basis).

    >>> m = gaussian_surrogate(data_model(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]])))
    >>> bool(np.allclose(m.q(0.5), m.q(0.5).mean()))
    True
    """
    root = np.sqrt(model.eigvals)
    return DataModel(model.gaussian, np.vstack([root, -root]))


def check_model(model: object) -> DataModel:
    """Return ``model`` after checking that it is a :class:`DataModel`.

    Parameters
    ----------
    model : object
        What a caller passed as a data model.

    Returns
    -------
    DataModel
        ``model`` itself.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`DataModel` (e.g. a :class:`~rmtdiff.core.spectra.Gaussian`).

    >>> check_model(np.zeros(2))
    Traceback (most recent call last):
    ...
    TypeError: model must be a DataModel (rmtdiff.theory.nongaussian_kappa.data_model); got ndarray
    """
    if not isinstance(model, DataModel):
        raise TypeError(f"model must be a DataModel (rmtdiff.theory.nongaussian_kappa.data_model); got "
                        f"{type(model).__name__}")
    return model


def _residual(log_k: np.ndarray, s: np.ndarray, model: DataModel, n: float):
    """h(kappa) of eq. kappa-data (with the radial q~ of eq. radial) and dh/dln(kappa), for
    vectors of ridges."""
    lam = model.eigvals
    k = np.exp(log_k)
    F = 1.0 / (lam[:, None] + k[None])                        # (r, S)
    q, q2 = model.sq_products(F, F**2)                        # one pass over the rows
    q, c = _shrink(q, lam, k)                                 # (N, S): the radial part
    # dq~/dkappa, taking the shrink factor as constant (Newton is safeguarded by the bracket)
    dq = -(c * q2 + (1 - c) * (lam[:, None] * F**2).sum(0))
    a = s / k
    w = 1.0 / (a + q / n)
    h = (q * w).mean(0) - (lam[:, None] * F).sum(0)
    # d/dkappa of q / (s/kappa + q/n) = (s/kappa) (q' + q/kappa) w^2; df1' = -sum lam F^2
    dh = (a * (dq + q / k) * w**2).mean(0) + (lam[:, None] * F**2).sum(0)
    return h, dh * k


def solve_kappa_data(s: ArrayLike, model: DataModel, n: float,
                     start: ArrayLike | None = None) -> np.ndarray:
    r""":math:`\kappa(s)` of :eq:`kappa-data` for a data model (same shape as ``s``).

    The book's eq. ``kappa-data`` (chapter ``non-gaussian``); solved as described under
    "Solving" in the module docstring.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridge :math:`s = \sigma^2`.
    model : DataModel
        The population (see :func:`data_model`).
    n : float
        Samples per split, ``> 0``.
    start : float or array_like, broadcastable to ``s``, optional
        The Gaussian :math:`\kappa(s)` of :func:`rmtdiff.theory.kappa.solve_kappa` for these
        eigenvalues when the caller already has it (default: solved here). It is the start of the
        iteration and the value returned where ``s == 0``.

    Returns
    -------
    ndarray, same shape as ``s``, float64
        :math:`\kappa(s) \ge s`; at ``s = 0`` the Gaussian :math:`\kappa_0` (unchanged by the
        data).

    >>> m = gaussian_surrogate(data_model(np.random.default_rng(0).standard_normal((50, 8))))
    >>> bool(np.isclose(solve_kappa_data(0.3, m, 20), solve_kappa(0.3, m.eigvals, 20), rtol=1e-9))
    True

    Raises
    ------
    ValueError
        As :func:`rmtdiff.solve_kappa` for bad ``s`` or ``n``.
    KappaConvergenceError
        If a ridge has not converged after ``MAX_ITER`` iterations.
    """
    s_arr = check_s(s)
    n = check_n(n)
    check_model(model)
    lam = model.eigvals
    flat = s_arr.ravel()
    # the Gaussian kappa: the start of every ridge and kappa_0 (unchanged by the data);
    # ``start`` passes it in when the caller has already solved it (the map's quadrature nodes)
    gauss = (solve_kappa(flat, lam, n) if start is None
             else np.broadcast_to(np.asarray(start, dtype=np.float64), s_arr.shape).ravel())
    out = np.asarray(gauss, dtype=np.float64).copy()
    todo = np.flatnonzero(flat > 0)
    if todo.size == 0:
        return out.reshape(s_arr.shape)
    s_t = flat[todo]
    lo = np.log(s_t)
    hi = np.log(s_t + lam.sum() / n)
    h_ends, _ = _residual(np.concatenate([lo, hi]), np.concatenate([s_t, s_t]), model, n)
    h_lo, h_hi = h_ends[:s_t.size], h_ends[s_t.size:]          # both ends in one pass
    exact = h_lo >= 0                                          # only when every q_j is 0
    for _ in range(MAX_ITER):
        low = h_hi <= 0
        if not low.any():
            break
        lo = np.where(low, hi, lo)
        hi = np.where(low, hi + np.log(2.0), hi)
        h_hi, _ = _residual(hi, s_t, model, n)
    x = np.clip(np.log(np.maximum(out[todo], s_t)), lo, hi)   # the Gaussian kappa as a start
    active = ~exact
    for _ in range(MAX_ITER):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        h, dh = _residual(x[idx], s_t[idx], model, n)
        neg = h < 0
        lo[idx] = np.where(neg, x[idx], lo[idx])
        hi[idx] = np.where(neg, hi[idx], x[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -h / dh
        new = x[idx] + step
        # Newton only where it lands inside the bracket and at least halves it
        inside = (np.isfinite(new) & (new > lo[idx]) & (new < hi[idx])
                  & (np.abs(step) <= 0.5 * (hi[idx] - lo[idx])))
        tol = np.maximum(XTOL, 4 * np.finfo(float).eps * np.abs(x[idx]))  # ln(kappa) resolution
        done = (h == 0) | (hi[idx] - lo[idx] <= tol) | (np.abs(step) <= tol)
        x[idx] = np.where(inside, new, np.where(done, x[idx], 0.5 * (lo[idx] + hi[idx])))
        active[idx[done]] = False
    else:
        bad = s_t[active]
        raise KappaConvergenceError(f"data kappa did not converge for s = {bad[:5]} "
                                    f"(n = {n}) after {MAX_ITER} iterations")
    out[todo] = np.where(exact, s_t, np.exp(x))
    return out.reshape(s_arr.shape)


def denoiser_gain_data(s: ArrayLike, model: DataModel, n: float) -> np.ndarray:
    r"""Expected per-mode gain :math:`\lambda_k/(\lambda_k+\kappa)` with the :math:`\kappa` of
    :eq:`kappa-data`; shape ``s.shape + (r,)``.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridge :math:`s = \sigma^2`.
    model : DataModel
        The population, with ``r`` positive eigenvalues.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, shape ``s.shape + (r,)``, float64
        The gains, in ``[0, 1]``, mode ``k`` for ``model.eigvals[k]``.

    >>> m = data_model(np.array([[1.0, 0.0], [-1.0, 0.0]]))
    >>> denoiser_gain_data(1.0, m, 1e12).round(6)
    array([0.5])
    """
    k = solve_kappa_data(s, model, n)[..., None]
    return model.eigvals / (model.eigvals + k)
