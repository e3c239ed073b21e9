r"""The linear theory of two splits drawn from *different* populations (the paper's
moment-mismatched counterfactual).

Split A holds ``n`` i.i.d. images of a population :math:`(\mu_A, \Sigma_A)` and split B ``n`` of
:math:`(\mu_B, \Sigma_B)`; each fits its own mean and covariance and runs the linear sampler from
the same seed. Their images are independent given the seed, so

.. math::
   \mathbb E\|x_A - x_B\|^2 = \|\bar x_A - \bar x_B\|^2 + V_A + V_B ,

with :math:`\bar x` the expected image and :math:`V` one split's total variance. For
:math:`x(0) = (I - W)\hat\mu + \sigma_T W z` with :math:`W = \hat U\,\mathrm{diag}
(\sqrt{\hat\lambda/(\hat\lambda+\sigma_T^2)})\hat U^\top`:

* :math:`\bar x = (I - W_\text{pop})\mu + U\,\mathrm{diag}(g)\,U^\top z`, with :math:`g` the
  renormalised gain of the expected map (:func:`rmtdiff.sampling_map_gain`); the mean's own
  coefficient :math:`I - W` is taken at the population (it differs from 1 by at most
  :math:`\sqrt{\lambda_1}/\sigma_T`, a few per cent, and its finite-n shift is smaller still);
* :math:`V = ` :func:`rmtdiff.sampling_map_total_variance` (the covariance estimate's
  fluctuation) :math:`+\ \mathrm{tr}((I - W_\text{pop})^2\Sigma)/n` (the mean estimate's; for
  Gaussian data the two estimates are independent).

For A = B this is the i.i.d. law of the earlier chapters, :math:`2V`.
"""

from __future__ import annotations

import numpy as np

from ..util.checks import as_array, check_last_dim
from ..core.spectra import Gaussian
from .trajectories import sampling_map_gain, sampling_map_total_variance


def _full(pop: Gaussian, name: str) -> Gaussian:
    if pop.rank != pop.dim:
        raise ValueError(f"{name} must have a full eigenbasis (rank d = {pop.dim}); got rank "
                         f"{pop.rank}: fit it on more than d images")
    return pop


def expected_image(pop: Gaussian, n: float, z, sigma_T: float = 80.0) -> np.ndarray:
    r""":math:`\bar x(z)` of a split of ``n`` images of ``pop`` (see the module docstring);
    ``z``: unit seeds (m, d) in pixel space."""
    pop = _full(pop, "pop")
    z = np.atleast_2d(as_array(z, "z", ndim=(1, 2)))
    check_last_dim(z, pop.dim, "z")
    lam, U = pop.eigvals, pop.eigvecs
    g = sampling_map_gain(lam, n, 0.0, sigma_T)
    mean_part = pop.mean - U @ (np.sqrt(lam / (lam + sigma_T**2)) * (U.T @ pop.mean))
    return mean_part + ((z @ U) * g) @ U.T


def split_variance(pop: Gaussian, n: float, z, sigma_T: float = 80.0) -> np.ndarray:
    """:math:`V(z)`: one split's total variance of its final image, per seed (m,)."""
    pop = _full(pop, "pop")
    z = np.atleast_2d(as_array(z, "z", ndim=(1, 2)))
    check_last_dim(z, pop.dim, "z")
    lam, U = pop.eigvals, pop.eigvecs
    cov_part = sampling_map_total_variance(lam, n, z @ U, 0.0, sigma_T)
    keep = 1.0 - np.sqrt(lam / (lam + sigma_T**2))
    return cov_part + float((keep**2 * lam).sum()) / n


def mismatch_mse(pop_a: Gaussian, pop_b: Gaussian, n: float, z, sigma_T: float = 80.0) -> dict:
    """Predicted per-pixel same-seed MSE of two linear models, one on ``n`` images of ``pop_a``,
    one on ``n`` of ``pop_b``; returns ``{"mse", "bias", "variance"}`` (each (m,), per pixel):
    ``mse = bias + variance``, ``bias`` the squared distance of the expected images."""
    d = pop_a.dim
    if pop_b.dim != d:
        raise ValueError(f"pop_a and pop_b must have the same dimension; got {d} and {pop_b.dim}")
    bias = ((expected_image(pop_a, n, z, sigma_T) - expected_image(pop_b, n, z, sigma_T))**2
            ).sum(axis=1) / d
    var = (split_variance(pop_a, n, z, sigma_T) + split_variance(pop_b, n, z, sigma_T)) / d
    return {"mse": bias + var, "bias": bias, "variance": var}
