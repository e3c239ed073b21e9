r"""EDM sampling: the noise schedule, the seeded initial noise and the Heun sampler.

Conventions
-----------
* ``sigma`` is a noise standard deviation; a denoiser is any callable ``D(x, sigma)`` that maps a
  batch ``x`` of shape ``(m, ...)`` and a Python float ``sigma > 0`` to an array of the same shape
  (the Gaussian denoiser of :mod:`rmtdiff.core.linear_diffusion` and the trained networks alike).
* "The same seed" means the same initial noise ``z``: sample ``i`` draws its noise from its own
  generator ``numpy.random.default_rng(seeds[i])``, so a sample never depends on the batch it is
  drawn in, nor on the model.

Reference: Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative
Models", eq. (5) (schedule) and Algorithm 1 (deterministic Heun sampler); in the book,
eq. ``pf-ode`` (the probability-flow ODE) of chapter ``same-seed`` (``book/01_same_seed.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

if TYPE_CHECKING:                 # torch is only an annotation here: core never imports it
    import torch

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

    Reference: Karras et al. (2022), eq. (5); the schedule of the book's chapter ``same-seed``.

    Parameters
    ----------
    n_steps : int, optional
        The number :math:`N \ge 2` of sampler steps (default :data:`N_STEPS`).
    sigma_min : float, optional
        The last non-zero level :math:`\sigma_{N-1}`, ``> 0`` (default :data:`SIGMA_MIN`).
    sigma_max : float, optional
        The first level :math:`\sigma_0 = \sigma_T`, ``> sigma_min`` (default :data:`SIGMA_MAX`).
    rho : float, optional
        The curvature :math:`\rho > 0` (default :data:`RHO`).

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
        Row ``i`` is ``numpy.random.default_rng(seeds[i]).standard_normal(shape)``.

    >>> np.allclose(seed_noise([3, 4], 5)[1], seed_noise([4], 5)[0])
    True
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    seeds = list(seeds)
    for s in seeds:
        check_int(s, "seeds[i]", minimum=0)
    return np.stack([np.random.default_rng(s).standard_normal(shape) for s in seeds]) \
        if seeds else np.zeros((0, *shape))


def heun_sample(D: Callable, x_T: np.ndarray | torch.Tensor, sigmas: np.ndarray | None = None,
                return_trajectory: bool = False
                ) -> (np.ndarray | torch.Tensor
                      | tuple[np.ndarray | torch.Tensor, list[np.ndarray | torch.Tensor]]):
    r"""Integrate :math:`dx/d\sigma = (x - D(x;\sigma))/\sigma` with Heun's method (EDM Alg. 1).

    Each step from :math:`\sigma_i` to :math:`\sigma_{i+1}` takes an Euler step and, unless
    :math:`\sigma_{i+1} = 0`, corrects it with the trapezoidal rule; the last step (to 0) is Euler,
    which returns exactly :math:`D(x;\sigma_{N-1})`. Reference: Karras et al. (2022), Algorithm 1;
    eq. ``pf-ode`` of the book's chapter ``same-seed``.

    Parameters
    ----------
    D : callable
        Denoiser ``D(x, sigma)``: a batch like ``x_T`` and a Python float ``sigma > 0`` to an array
        of the same type and shape.
    x_T : array (numpy or torch), shape (m, ...)
        Initial state at ``sigmas[0]``, usually ``sigmas[0] * z``.
    sigmas : ndarray, shape (N + 1,), optional
        Decreasing noise levels (default :func:`karras_sigmas`).
    return_trajectory : bool
        Also return the states at every noise level.

    Returns
    -------
    x_0 : array, same type and shape as ``x_T``
        The state at ``sigmas[-1]``.
    trajectory : list of arrays, length N + 1 (only if ``return_trajectory``)
        The states at every ``sigmas[i]``, starting with ``x_T`` itself.

    Examples
    --------
    A denoiser that returns 0 (data at the origin) makes the flow shrink to 0 exactly at the end:

    >>> sig = karras_sigmas(3, 0.5, 4.0)
    >>> heun_sample(lambda x, s: 0 * x, np.ones(2), sig)
    array([0., 0.])
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
