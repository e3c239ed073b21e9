r"""Linear (Gaussian) diffusion: the optimal denoiser and the exact probability-flow map.

Conventions
-----------
* Variance-exploding (EDM) noising :math:`x_\sigma = x_0 + \sigma\varepsilon`; ``sigma`` is a
  standard deviation, never a variance.
* A model is a :class:`rmtdiff.core.spectra.Gaussian` ``(mu, lambda, U)``; directions outside the
  span of ``U`` have variance 0. All arithmetic is float64.
* Batches are rows: ``x`` has shape ``(d,)`` or ``(m, d)``.

For data :math:`x_0 \sim \mathcal N(\mu, \Sigma)` the posterior mean (the denoiser) is affine,

.. math:: D(x;\sigma) = \mu + \Sigma(\Sigma + \sigma^2 I)^{-1}(x - \mu),
   :label: gauss-denoiser

and the probability-flow ODE :math:`dx/d\sigma = (x - D(x;\sigma))/\sigma` is solved exactly by

.. math:: x(\sigma) = \mu + (\Sigma + \sigma^2 I)^{1/2}(\Sigma + \sigma_T^2 I)^{-1/2}(x_T - \mu).
   :label: sampling-map

(per eigenmode :math:`dx_k/d\sigma = \sigma x_k/(\lambda_k + \sigma^2)`, whose solutions are
:math:`x_k \propto \sqrt{\lambda_k + \sigma^2}`). The labels are the book's: eqs. ``gauss-denoiser``
and ``sampling-map`` of chapter ``same-seed`` (``book/01_same_seed.md``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from numpy.typing import ArrayLike

from ..util.checks import as_array, check_last_dim, check_positive
from .edm import SIGMA_MAX
from .spectra import Gaussian


def _project(model: Gaussian, x: np.ndarray, name: str) -> np.ndarray:
    x = as_array(x, name, ndim=(1, 2))
    check_last_dim(x, model.dim, name)
    return x


def _apply_modes(model: Gaussian, y: np.ndarray, gain_in_span: np.ndarray,
                 gain_outside: float) -> np.ndarray:
    """Return ``U diag(gain_in_span) U^T y + gain_outside (I - U U^T) y`` for rows ``y``."""
    U = model.eigvecs
    coef = y @ U
    out = gain_outside * y
    out += (coef * (gain_in_span - gain_outside)) @ U.T
    return out


def gaussian_denoiser(model: Gaussian, x: ArrayLike, sigma: float) -> np.ndarray:
    r"""The posterior mean :math:`D(x;\sigma)` of eq. :eq:`gauss-denoiser`.

    Per eigenmode the Wiener gain is :math:`\lambda_k/(\lambda_k+\sigma^2)`; zero-variance
    directions are mapped to the mean.

    Parameters
    ----------
    model : Gaussian
        The data distribution :math:`\mathcal N(\mu, \Sigma)` in dimension ``d``.
    x : array_like, shape (d,) or (m, d)
        Noisy inputs :math:`x_\sigma`.
    sigma : float
        Noise standard deviation, ``> 0``.

    Returns
    -------
    ndarray, same shape as ``x``, float64.

    Examples
    --------
    >>> g = Gaussian(np.zeros(2), np.array([3.0]), np.array([[1.0], [0.0]]))
    >>> gaussian_denoiser(g, np.array([4.0, 4.0]), 1.0)
    array([3., 0.])
    """
    x = _project(model, x, "x")
    sigma = check_positive(sigma, "sigma")
    lam = model.eigvals
    return model.mean + _apply_modes(model, x - model.mean, lam / (lam + sigma**2), 0.0)


def denoiser(model: Gaussian) -> Callable[[np.ndarray, float], np.ndarray]:
    r"""The callable ``D(x, sigma)`` of ``model``, the interface every sampler in :mod:`rmtdiff` takes.

    ``D(x, sigma)`` is :func:`gaussian_denoiser` ``(model, x, sigma)``, eq. :eq:`gauss-denoiser`:
    :math:`D(x;\sigma) = \mu + \Sigma(\Sigma + \sigma^2 I)^{-1}(x - \mu)`.

    Parameters
    ----------
    model : Gaussian
        The data distribution :math:`\mathcal N(\mu, \Sigma)` in dimension ``d``.

    Returns
    -------
    callable
        ``D(x, sigma)``: ``x`` array_like of shape (d,) or (m, d), ``sigma > 0`` a float, to a
        float64 array of the shape of ``x``.

    Examples
    --------
    >>> g = Gaussian(np.zeros(1), np.array([1.0]), np.eye(1))
    >>> denoiser(g)(np.array([[2.0]]), 1.0)
    array([[1.]])
    """
    return lambda x, sigma: gaussian_denoiser(model, x, sigma)


def sampling_map(model: Gaussian, z: ArrayLike, *, sigma: float = 0.0,
                 sigma_T: float = SIGMA_MAX) -> np.ndarray:
    r"""The exact probability-flow state :math:`x(\sigma)` started from :math:`x_T = \sigma_T z`.

    Eq. :eq:`sampling-map` with :math:`x_T = \sigma_T z`, written so that
    :math:`\sigma_T = \infty` is allowed:

    .. math:: x(\sigma) = \mu + U\,\mathrm{diag}\Big(\sqrt{\lambda+\sigma^2}\,
              \tfrac{\sigma_T}{\sqrt{\lambda+\sigma_T^2}}\Big)U^\top z
              - U\,\mathrm{diag}\Big(\sqrt{\tfrac{\lambda+\sigma^2}{\lambda+\sigma_T^2}}\Big)U^\top\mu
              + \sigma P_\perp z - \tfrac{\sigma}{\sigma_T} P_\perp \mu .

    At :math:`\sigma = 0,\ \sigma_T\to\infty` this is :math:`\mu + \Sigma^{1/2} z`.

    Parameters
    ----------
    model : Gaussian
        The data distribution :math:`\mathcal N(\mu, \Sigma)` in dimension ``d``.
    z : array_like, shape (d,) or (m, d)
        Unit seeds (one row per sample).
    sigma : float
        Target noise level, ``0 <= sigma <= sigma_T``.
    sigma_T : float
        Initial noise level (``inf`` allowed).

    Returns
    -------
    ndarray, same shape as ``z``, float64.

    Examples
    --------
    >>> g = Gaussian(np.zeros(1), np.array([4.0]), np.eye(1))
    >>> sampling_map(g, np.array([1.0]), sigma=0.0, sigma_T=np.inf)
    array([2.])
    """
    z = _project(model, z, "z")
    sigma_T = check_positive(sigma_T, "sigma_T", allow_inf=True)
    sigma = check_positive(sigma, "sigma", allow_zero=True)
    if sigma > sigma_T:
        raise ValueError(f"sigma must be <= sigma_T = {sigma_T}; got {sigma}")
    lam = model.eigvals
    root = np.sqrt(lam + sigma**2)
    seed_gain = _map_gain(lam, sigma, sigma_T)
    mean_gain = root / np.sqrt(lam + sigma_T**2)           # 0 when sigma_T = inf
    mu = model.mean
    out = mu + _apply_modes(model, z, seed_gain, sigma)
    out -= _apply_modes(model, np.broadcast_to(mu, z.shape), mean_gain, sigma / sigma_T)
    return out


def linear_theory_image(model: Gaussian, z: ArrayLike, *,
                        sigma_T: float = SIGMA_MAX) -> np.ndarray:
    r"""The sample the linear model produces from seed ``z``: :math:`x(0)` of :func:`sampling_map`.

    :math:`\hat\mu + W(\sigma_T z - \hat\mu)`,
    :math:`W = U \mathrm{diag}\big(\sqrt{\lambda/(\lambda+\sigma_T^2)}\big) U^\top`
    (eq. :eq:`sampling-map` at :math:`\sigma = 0`; the "linear-theory image" of the book's chapter
    ``same-seed``). Shapes as in :func:`sampling_map`.

    Parameters
    ----------
    model : Gaussian
        The fitted model :math:`(\hat\mu, \lambda, U)` in dimension ``d``.
    z : array_like, shape (d,) or (m, d)
        Unit seeds (one row per sample).
    sigma_T : float, optional
        Initial noise level, ``> 0`` (``inf`` allowed; default 80).

    Returns
    -------
    ndarray, same shape as ``z``, float64.

    Examples
    --------
    >>> g = Gaussian(np.zeros(1), np.array([4.0]), np.eye(1))
    >>> linear_theory_image(g, np.array([1.0]), sigma_T=np.inf)
    array([2.])
    """
    return sampling_map(model, z, sigma=0.0, sigma_T=sigma_T)


def map_gain(eigs: ArrayLike, *, sigma: float = 0.0, sigma_T: float = SIGMA_MAX) -> np.ndarray:
    r"""Per-mode gain on the seed of the exact sampling map :eq:`sampling-map` started at
    :math:`x_T = \sigma_T z`: :math:`\sqrt{\lambda_k+\sigma^2}\,\sigma_T/\sqrt{\lambda_k+\sigma_T^2}`
    (:math:`\sqrt{\lambda_k+\sigma^2}` for :math:`\sigma_T = \infty`). The population's map,
    which a split's expected map (:func:`rmtdiff.theory.trajectories.sampling_map_gain`) tends to
    as :math:`n\to\infty`.

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Eigenvalues :math:`\lambda_k \ge 0`.
    sigma : float
        Target noise level, ``0 <= sigma <= sigma_T``.
    sigma_T : float
        Initial noise level (``inf`` allowed).

    Returns
    -------
    ndarray, shape (d,), float64

    >>> map_gain([4.0, 0.0], sigma_T=np.inf).tolist()
    [2.0, 0.0]
    """
    lam = as_array(eigs, "eigs", ndim=1)
    if np.any(lam < 0):
        raise ValueError(f"eigs must be >= 0; smallest is {lam.min():.3g}")
    sigma_T = check_positive(sigma_T, "sigma_T", allow_inf=True)
    sigma = check_positive(sigma, "sigma", allow_zero=True)
    if sigma > sigma_T:
        raise ValueError(f"sigma must be <= sigma_T = {sigma_T}; got {sigma}")
    return _map_gain(lam, sigma, sigma_T)


def _map_gain(lam: np.ndarray, sigma: float, sigma_T: float) -> np.ndarray:
    return np.sqrt(lam + sigma**2) / np.sqrt(lam / sigma_T**2 + 1.0)   # sqrt(l+s^2) sT / sqrt(l+sT^2)
