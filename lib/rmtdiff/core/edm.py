r"""EDM sampling: the noise schedule, the seeded initial noise and the Heun sampler.

Conventions
-----------
* ``sigma`` is a noise standard deviation; a denoiser is any callable ``D(x, sigma)`` that maps a
  batch ``x`` of shape ``(m, ...)`` and a Python float ``sigma > 0`` to an array of the same shape
  (the Gaussian denoiser of :mod:`rmtdiff.linear_diffusion` and the trained networks alike).
* "The same seed" means the same initial noise ``z``: sample ``i`` draws its noise from its own
  generator ``numpy.random.default_rng(seeds[i])``, so a sample never depends on the batch it is
  drawn in, nor on the model.

Reference: Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative
Models", eq. (5) (schedule) and Algorithm 1 (deterministic Heun sampler); THEORY.md section 2.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..util.checks import check_int, check_positive

SIGMA_MIN = 0.002  #: smallest non-zero noise level of the schedule
SIGMA_MAX = 80.0   #: initial noise level sigma_T
RHO = 7.0          #: schedule curvature
N_STEPS = 35       #: steps the paper uses to sample its networks


def karras_sigmas(n_steps: int = N_STEPS, sigma_min: float = SIGMA_MIN,
                  sigma_max: float = SIGMA_MAX, rho: float = RHO) -> np.ndarray:
    r"""The EDM noise levels :math:`\sigma_0 > \dots > \sigma_{N-1} > \sigma_N = 0`.

    .. math:: \sigma_i = \Big(\sigma_{\max}^{1/\rho} + \tfrac{i}{N-1}
              \big(\sigma_{\min}^{1/\rho} - \sigma_{\max}^{1/\rho}\big)\Big)^{\rho},
              \quad i < N .

    Returns
    -------
    ndarray, shape (n_steps + 1,), float64, ending with 0.

    >>> karras_sigmas(2, 1.0, 16.0, 2.0)
    array([16.,  1.,  0.])
    """
    n_steps = check_int(n_steps, "n_steps", minimum=2)
    sigma_min = check_positive(sigma_min, "sigma_min")
    sigma_max = check_positive(sigma_max, "sigma_max")
    if sigma_min >= sigma_max:
        raise ValueError(f"sigma_min must be < sigma_max; got {sigma_min} >= {sigma_max}")
    rho = check_positive(rho, "rho")
    i = np.arange(n_steps) / (n_steps - 1)
    s = (sigma_max ** (1 / rho) + i * (sigma_min ** (1 / rho) - sigma_max ** (1 / rho))) ** rho
    return np.append(s, 0.0)


def seed_noise(seeds: Sequence[int], shape: int | tuple[int, ...]) -> np.ndarray:
    """Unit Gaussian seeds ``z``, one independent generator per seed.

    Parameters
    ----------
    seeds : sequence of int
        One non-negative integer per sample.
    shape : int or tuple
        The shape of one sample (e.g. ``784`` or ``(1, 28, 28)``).

    Returns
    -------
    ndarray, shape ``(len(seeds), *shape)``, float64.

    >>> np.allclose(seed_noise([3, 4], 5)[1], seed_noise([4], 5)[0])
    True
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    seeds = list(seeds)
    for s in seeds:
        check_int(s, "seeds[i]", minimum=0)
    return np.stack([np.random.default_rng(s).standard_normal(shape) for s in seeds]) \
        if seeds else np.zeros((0, *shape))


def heun_sample(D: Callable, x_T, sigmas: np.ndarray | None = None,
                return_trajectory: bool = False):
    r"""Integrate :math:`dx/d\sigma = (x - D(x;\sigma))/\sigma` with Heun's method (EDM Alg. 1).

    Each step from :math:`\sigma_i` to :math:`\sigma_{i+1}` takes an Euler step and, unless
    :math:`\sigma_{i+1} = 0`, corrects it with the trapezoidal rule; the last step (to 0) is Euler,
    which returns exactly :math:`D(x;\sigma_{N-1})`.

    Parameters
    ----------
    D : callable
        Denoiser ``D(x, sigma)``.
    x_T : array (numpy or torch), shape (m, ...)
        Initial state at ``sigmas[0]``, usually ``sigmas[0] * z``.
    sigmas : ndarray, shape (N + 1,), optional
        Decreasing noise levels (default :func:`karras_sigmas`).
    return_trajectory : bool
        Also return the states at every noise level.

    Returns
    -------
    x_0 : array, same type and shape as ``x_T``
    trajectory : list of arrays, length N + 1 (only if ``return_trajectory``)
    """
    sigmas = karras_sigmas() if sigmas is None else np.asarray(sigmas, dtype=np.float64)
    if sigmas.ndim != 1 or sigmas.size < 2 or np.any(np.diff(sigmas) >= 0) or sigmas[-1] < 0:
        raise ValueError("sigmas must be a strictly decreasing 1-D array of >= 2 noise levels "
                         f">= 0; got {np.array2string(sigmas, threshold=6)}")
    x = x_T
    traj = [x]
    for s_cur, s_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist()):
        d_cur = (x - D(x, s_cur)) / s_cur
        x_next = x + (s_next - s_cur) * d_cur
        if s_next > 0:
            d_next = (x_next - D(x_next, s_next)) / s_next
            x_next = x + (s_next - s_cur) * 0.5 * (d_cur + d_next)
        x = x_next
        if return_trajectory:
            traj.append(x)
    return (x, traj) if return_trajectory else x
