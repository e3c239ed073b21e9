r"""The linear theory of two splits drawn from *different* populations (the paper's
moment-mismatched counterfactual), eq. :eq:`mismatch-law`.

Split A holds ``n`` i.i.d. images of a population :math:`(\mu_A, \Sigma_A)` and split B ``n`` of
:math:`(\mu_B, \Sigma_B)`; each fits its own mean and covariance and runs the linear sampler from
the same seed. Their images are independent given the seed, so

.. math::
   \mathbb E\|x_A - x_B\|^2 = \|\bar x_A - \bar x_B\|^2 + V_A + V_B ,

with :math:`\bar x` the expected image and :math:`V` one split's total variance. For
:math:`x(0) = (I - W)\hat\mu + \sigma_T W z` with :math:`W = \hat U\,\mathrm{diag}
(\sqrt{\hat\lambda/(\hat\lambda+\sigma_T^2)})\hat U^\top` built from the centred covariance
(independent of :math:`\hat\mu` for Gaussian data), :math:`\mathbb E[\sigma_T W] = U\,
\mathrm{diag}(\bar g)\,U^\top` with :math:`\bar g` the split's expected map
(:func:`rmtdiff.theory.trajectories.split_map_gain`), so

* :math:`\bar x = \mu + U\,\mathrm{diag}(\bar g)\,U^\top (z - \mu/\sigma_T)`;
* :math:`V = ` :func:`rmtdiff.theory.trajectories.split_map_variance` (eq. :eq:`split-map-var`:
  the covariance estimate's fluctuation and the mean estimate's), the same law as every other
  chapter and the prediction tool use.

Seeds are pixel-space :math:`z` (:math:`x_T = \sigma_T z`). For A = B this is the i.i.d. law,
:math:`2V`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..core.edm import SIGMA_MAX
from ..core.spectra import Gaussian
from ..util.checks import as_array, check_last_dim, check_n
from .trajectories import split_map_gain, split_map_variance


def _full(pop: Gaussian, name: str) -> Gaussian:
    if not isinstance(pop, Gaussian):
        raise TypeError(f"{name} must be a Gaussian (rmtdiff.fit_gaussian); got "
                        f"{type(pop).__name__}")
    if pop.rank != pop.dim:
        raise ValueError(f"{name} must have a full eigenbasis (rank d = {pop.dim}); got rank "
                         f"{pop.rank}: fit it on more than d images")
    return pop


def _relative_seeds(pop: Gaussian, z, sigma_T: float) -> np.ndarray:
    """Seeds (m, d) in the population's eigenbasis, relative to its mean in units of sigma_T."""
    z = np.atleast_2d(as_array(z, "z", ndim=(1, 2)))
    check_last_dim(z, pop.dim, "z")
    shift = pop.mean / sigma_T if np.isfinite(sigma_T) else 0.0
    return (z - shift) @ pop.eigvecs


def expected_image(pop: Gaussian, n: float, z: ArrayLike, *, sigma_T: float = SIGMA_MAX) -> np.ndarray:
    r""":math:`\bar x(z) = \mu + U\,\mathrm{diag}(\bar g)\,U^\top(z - \mu/\sigma_T)`: the
    expected final image of the linear sampler of a split of ``n`` images of ``pop`` with its
    own mean (see the module docstring).

    Parameters
    ----------
    pop : Gaussian
        The population, with a full eigenbasis (d, d).
    n : float
        Images per split (``> 1``).
    z : array_like, shape (d,) or (m, d)
        Unit seeds in pixel space.
    sigma_T : float
        Initial noise level.

    Returns
    -------
    ndarray, shape (m, d), float64

    >>> g = Gaussian(np.zeros(1), np.array([4.0]), np.eye(1))
    >>> round(float(expected_image(g, 1e12, [1.0], sigma_T=np.inf)[0, 0]), 6)
    2.0
    """
    pop = _full(pop, "pop")
    n = check_n(n)
    y = _relative_seeds(pop, z, sigma_T)
    gain = split_map_gain(pop.eigvals, n, sigma_T=sigma_T)
    return pop.mean + (y * gain) @ pop.eigvecs.T


def split_variance(pop: Gaussian, n: float, z: ArrayLike, *, sigma_T: float = SIGMA_MAX) -> np.ndarray:
    r""":math:`V(z)`: one split's total variance of its final image, per seed
    (:func:`rmtdiff.theory.trajectories.split_map_variance` with the mean estimated).

    Parameters
    ----------
    pop : Gaussian
        The population, with a full eigenbasis (d, d).
    n : float
        Images per split (``> 1``).
    z : array_like, shape (d,) or (m, d)
        Unit seeds in pixel space.
    sigma_T : float
        Initial noise level.

    Returns
    -------
    ndarray, shape (m,), float64
    """
    pop = _full(pop, "pop")
    n = check_n(n)
    return split_map_variance(pop.eigvals, n, _relative_seeds(pop, z, sigma_T), sigma_T=sigma_T)


def mismatch_mse(pop_a: Gaussian, pop_b: Gaussian, n: float, z: ArrayLike, *,
                 sigma_T: float = SIGMA_MAX) -> dict[str, np.ndarray]:
    r"""Predicted per-pixel same-seed MSE of two linear models, one on ``n`` images of ``pop_a``,
    one on ``n`` of ``pop_b`` (eq. :eq:`mismatch-law`).

    Parameters
    ----------
    pop_a, pop_b : Gaussian
        The two populations (full eigenbases, the same dimension d).
    n : float
        Images per split.
    z : array_like, shape (d,) or (m, d)
        Unit seeds in pixel space.
    sigma_T : float
        Initial noise level.

    Returns
    -------
    dict of ndarray, each shape (m,), per pixel
        ``"mse" = "bias" + "variance"``; ``"bias"`` is the squared distance of the expected
        images, ``"variance"`` the two splits' variances :math:`(V_A + V_B)/d`.
    """
    d = pop_a.dim
    if pop_b.dim != d:
        raise ValueError(f"pop_a and pop_b must have the same dimension; got {d} and {pop_b.dim}")
    bias = ((expected_image(pop_a, n, z, sigma_T=sigma_T)
             - expected_image(pop_b, n, z, sigma_T=sigma_T)) ** 2).sum(axis=1) / d
    var = (split_variance(pop_a, n, z, sigma_T=sigma_T)
           + split_variance(pop_b, n, z, sigma_T=sigma_T)) / d
    return {"mse": bias + var, "bias": bias, "variance": var}
