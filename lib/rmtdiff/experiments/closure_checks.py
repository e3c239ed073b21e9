"""Gaussian, elliptical and data closures of the theory against Monte Carlo on a real dataset.

Every check draws splits of ``n`` rows with replacement from the population ``X`` (its empirical
distribution is the population, so the theory and the simulation describe the same thing) and
returns the theory of each closure beside the Monte-Carlo value and its standard error. The
checks of the book's chapter ``non-gaussian`` (``book/08_non_gaussian.md``): eqs. ``kappa-data``
and ``var-data``.

The population's covariance must have full rank (``model.eigvecs`` square, ``r = D``):
:func:`rmtdiff.experiments.montecarlo.data_splits` rotates into a full eigenbasis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from . import montecarlo as mc
from ..theory.nongaussian_fluctuations import CLOSURES, closure_map_variance, pixel_variance
from ..theory.nongaussian_kappa import DataModel, denoiser_gain_data
from ..theory.kappa import denoiser_gain
from ..core.edm import SIGMA_MAX
from ..core.linear_diffusion import gaussian_denoiser, sampling_map


def gain_check(model: DataModel, n: int, s: ArrayLike, splits: int, rng: np.random.Generator,
               show_progress: bool = False) -> dict[str, np.ndarray]:
    r"""Expected per-mode gain (mean known) at ridges ``s``: Monte Carlo, Gaussian kappa, data kappa.

    The mode-``k`` diagonal of :math:`\hat\Sigma(\hat\Sigma+s)^{-1}` averaged over splits
    (:func:`~rmtdiff.experiments.montecarlo.gain_diagonal`) against
    :math:`\lambda_k/(\lambda_k+\kappa(s))` with the Gaussian :math:`\kappa` (book eq.
    ``kappa-eq``) and the data's (eq. ``kappa-data``).

    Parameters
    ----------
    model : DataModel
        The population (:func:`~rmtdiff.theory.nongaussian_kappa.data_model`), full rank.
    n : int
        Rows per split, drawn with replacement.
    s : float or array_like, shape (S,)
        Ridges :math:`s = \sigma^2 > 0`.
    splits : int
        Monte-Carlo splits, ``>= 2``.
    rng : numpy.random.Generator
        Draws the splits.
    show_progress : bool, optional
        Show a progress bar over the splits (default False).

    Returns
    -------
    dict with ``mc``, ``se`` (S, r) and ``gaussian``, ``data`` (S, r)
        float64 arrays: the Monte-Carlo mean and its standard error, and the two theories.
    """
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    pop = model.gaussian
    X = model.rows
    centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, pop.eigvecs)
    sp = mc.data_splits(X, centred, n, splits, rng, show_progress=show_progress)
    mean, se = mc.mc_mean(lambda split: mc.gain_diagonal(split, s), sp)
    return {"mc": mean, "se": se, "gaussian": denoiser_gain(s, model.eigvals, n),
            "data": denoiser_gain_data(s, model, n)}


def denoiser_check(model: DataModel, n: int, x: ArrayLike, sigmas: Sequence[float], splits: int,
                   rng: np.random.Generator, show_progress: bool = False) -> dict[str, np.ndarray]:
    r"""Per-pixel variance across splits (own mean) of the denoised inputs ``x`` (pixel space,
    one per noise level in ``sigmas``).

    Each split's linear denoiser (its own mean and covariance) at :math:`\sigma_i` is applied
    to ``x[i]``; the theory is :func:`rmtdiff.theory.nongaussian_fluctuations.pixel_variance` with
    ``mean="estimated"`` (book eq. ``var-data`` and its Gaussian and elliptical closures).

    Parameters
    ----------
    model : DataModel
        The population, full rank (``D`` pixels).
    n : int
        Rows per split, drawn with replacement.
    x : array_like, shape (S, D)
        One input per noise level, in pixel space.
    sigmas : sequence of float, length S
        Noise standard deviations, ``> 0``.
    splits : int
        Monte-Carlo splits, ``>= 2``.
    rng : numpy.random.Generator
        Draws the splits.
    show_progress : bool, optional
        Show progress bars (default False).

    Returns
    -------
    dict with ``mc`` (S, D) and, per closure, the theory (S, D)
        float64; also ``sample`` (2, S, D): the first two splits' denoised outputs in pixel space,
        relative to the population mean. The closures are the keys of
        :data:`~rmtdiff.theory.nongaussian_fluctuations.CLOSURES`.
    """
    pop = model.gaussian
    U = pop.eigvecs
    X = model.rows
    centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, U)
    coords = (np.asarray(x, dtype=np.float64) - pop.mean) @ U                    # (S, r)
    outs = np.array([[gaussian_denoiser(sp, c, sg) for c, sg in zip(coords, sigmas)]
                     for sp in mc.data_splits(X, centred, n, splits, rng, own_mean=True,
                                              show_progress=show_progress)]) @ U.T
    result = {"mc": outs.var(0, ddof=1), "sample": outs[:2]}
    for closure in CLOSURES:
        result[closure] = np.stack([pixel_variance(sg**2, model, n, U, c, "estimated", closure)
                                    for c, sg in zip(coords, sigmas)])
    return result


def sampler_check(model: DataModel, n: int, z: ArrayLike, splits: int, rng: np.random.Generator,
                  *, sigma_T: float = SIGMA_MAX, show_progress: bool = False
                  ) -> dict[str, np.ndarray]:
    r"""Per-seed variance across splits (own mean), summed over pixels, of the linear sampler's final
    image from pixel-space seeds ``z`` (S, D).

    Each split's linear model is sampled with the exact map (book eq. ``sampling-map``) from
    :math:`x_T = \sigma_T z`; the theory is
    :func:`rmtdiff.theory.nongaussian_fluctuations.closure_map_variance` with
    ``mean="estimated"``.

    Parameters
    ----------
    model : DataModel
        The population, full rank (``D`` pixels).
    n : int
        Rows per split, drawn with replacement.
    z : array_like, shape (S, D)
        Unit seeds in pixel space.
    splits : int
        Monte-Carlo splits, ``>= 2``.
    rng : numpy.random.Generator
        Draws the splits.
    sigma_T : float, optional
        Initial noise level (default :data:`~rmtdiff.core.edm.SIGMA_MAX`).
    show_progress : bool, optional
        Show progress bars (default False).

    Returns
    -------
    dict with ``mc``, ``se`` (S,) and, per closure, the theory (S,)
        float64: the variance summed over pixels (ddof = 1) and the standard error of that sum.
    """
    pop = model.gaussian
    U = pop.eigvecs
    X = model.rows
    centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, U)
    coords = (np.asarray(z, dtype=np.float64) - pop.mean / sigma_T) @ U
    outs = np.array([sampling_map(sp, coords, sigma=0.0, sigma_T=sigma_T)
                     for sp in mc.data_splits(X, centred, n, splits, rng, own_mean=True,
                                              show_progress=show_progress)])
    centred_out = outs - outs.mean(0)
    per_split = (centred_out**2).sum(-1)                         # (splits, S)
    var = per_split.sum(0) / (len(outs) - 1)
    se = per_split.std(0, ddof=1) / np.sqrt(len(outs))
    result = {"mc": var, "se": se}
    for closure in CLOSURES:
        result[closure] = closure_map_variance(model, n, coords, sigma_T=sigma_T,
                                               mean="estimated", closure=closure,
                                               show_progress=show_progress)
    return result
