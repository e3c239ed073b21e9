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

the expectation over the population's own centred images. Eliminating :math:`a = s/\kappa`:

.. math:: \mathrm{df}_1(\kappa) = \frac1N\sum_{j=1}^N \frac{q_j(\kappa)}{s/\kappa + q_j(\kappa)/n}.
   :label: kappa-data

When every :math:`q_j` equals its mean :math:`\mathrm{df}_1(\kappa)` this is
:math:`s/\kappa + \mathrm{df}_1/n = 1`, the Gaussian equation; at :math:`s = 0` it is
:math:`\mathrm{df}_1(\kappa_0) = n` whatever the :math:`q_j`, so :math:`\kappa_0` is unchanged.
The expected gain keeps its form: :math:`\mathbb E[\hat\Sigma(\hat\Sigma+s)^{-1}] \simeq
I - s\bar R = \Sigma(\Sigma+\kappa)^{-1}`, with the :math:`\kappa` of :eq:`kappa-data`.

Solving. For :math:`s > 0` the difference of the two sides of :eq:`kappa-data` is negative at
:math:`\kappa = s` (the mean of :math:`q/(1+q/n)` is below the mean of :math:`q`, which is
:math:`\mathrm{df}_1`) and positive for large :math:`\kappa`; Brent's method on
:math:`\ln\kappa` brackets the root to a relative :math:`10^{-13}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._checks import as_array
from .kappa import KappaConvergenceError, _check_n, _check_s, solve_kappa
from .spectra import Gaussian, fit_gaussian

XTOL = 1e-13     #: relative bracket width at which Brent's method stops


@dataclass(frozen=True)
class DataModel:
    """A population (its images as rows) in its own eigenbasis.

    Attributes
    ----------
    gaussian : Gaussian
        Mean and covariance of the rows (covariance divided by ``N``).
    sq : ndarray, shape (N, r)
        Squared coordinates :math:`y_{jk}^2` of the centred rows along the ``r`` eigenvectors
        with positive eigenvalues; the column means are the eigenvalues.
    """

    gaussian: Gaussian
    sq: np.ndarray

    @property
    def eigvals(self) -> np.ndarray:
        return self.gaussian.eigvals

    def q(self, kappa: float) -> np.ndarray:
        r""":math:`q_j(\kappa) = \sum_k y_{jk}^2/(\lambda_k+\kappa)` for every row, shape (N,)."""
        return self.sq @ (1.0 / (self.eigvals + kappa))


def data_model(X) -> DataModel:
    """The :class:`DataModel` of the rows of ``X`` (N, d): fit, rotate, square."""
    X = as_array(X, "X", ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 rows (images); got {X.shape[0]}")
    g = fit_gaussian(X)
    Y = (X - g.mean) @ g.eigvecs
    return DataModel(g, Y * Y)


def gaussian_surrogate(model: DataModel) -> DataModel:
    """A model with the same eigenvalues whose quadratic forms all equal their mean, the
    Gaussian limit of :eq:`kappa-data`: two rows with ``y_k^2 = lambda_k`` (the images
    ``+-sqrt(lambda)``), for which ``q_j(kappa) = df1(kappa)`` exactly."""
    lam = model.eigvals
    return DataModel(model.gaussian, np.vstack([lam, lam]))


def solve_kappa_data(s, model: DataModel, n) -> np.ndarray:
    r""":math:`\kappa(s)` of :eq:`kappa-data` for a data model (same shape as ``s``).

    Raises
    ------
    ValueError
        As :func:`rmtdiff.solve_kappa` for bad ``s`` or ``n``.
    KappaConvergenceError
        If no bracket of the root is found (it always exists for ``s > 0``).
    """
    s_arr = _check_s(s)
    n = _check_n(n)
    if not isinstance(model, DataModel):
        raise TypeError(f"model must be a DataModel (rmtdiff.data_kappa.data_model); got "
                        f"{type(model).__name__}")
    lam = model.eigvals
    out = np.empty(s_arr.size)
    for i, si in enumerate(s_arr.ravel()):
        if si == 0.0:
            out[i] = float(solve_kappa(0.0, lam, n))        # kappa_0 does not change
            continue

        def h(log_k):
            k = np.exp(log_k)
            q = model.q(k)
            return float(np.mean(q / (si / k + q / n)) - np.sum(lam / (lam + k)))

        lo = np.log(si)
        hi = np.log(si + lam.sum() / n)
        for _ in range(200):
            if h(hi) > 0:
                break
            hi += np.log(2.0)
        else:
            raise KappaConvergenceError(f"no bracket for kappa at s = {si}, n = {n}")
        if h(lo) >= 0:                       # only at kappa = s when every q_j is 0
            out[i] = si
            continue
        out[i] = np.exp(brentq(h, lo, hi, xtol=XTOL, rtol=4 * np.finfo(float).eps,
                               maxiter=500))
    return out.reshape(s_arr.shape)


def denoiser_gain_data(s, model: DataModel, n) -> np.ndarray:
    r"""Expected per-mode gain :math:`\lambda_k/(\lambda_k+\kappa)` with the :math:`\kappa` of
    :eq:`kappa-data`; shape ``s.shape + (r,)``."""
    k = solve_kappa_data(s, model, n)[..., None]
    return model.eigvals / (model.eigvals + k)
