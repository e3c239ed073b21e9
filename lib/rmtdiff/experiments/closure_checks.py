"""Gaussian, elliptical and data closures of the theory against Monte Carlo on a real dataset.

Every check draws splits of ``n`` rows with replacement from the population ``X`` (its empirical
distribution is the population, so the theory and the simulation describe the same thing) and
returns the theory of each closure beside the Monte-Carlo value and its standard error.
"""

from __future__ import annotations

import numpy as np

from . import montecarlo as mc
from ..theory.nongaussian_fluctuations import CLOSURES, pixel_variance, sampling_map_total_variance
from ..theory.nongaussian_kappa import DataModel, denoiser_gain_data
from ..theory.kappa import denoiser_gain
from ..core.linear_diffusion import gaussian_denoiser, sampling_map


def gain_check(model: DataModel, n: int, s, splits: int, rng, show_progress: bool = False):
    """Expected per-mode gain (mean known) at ridges ``s``: Monte Carlo, Gaussian kappa, data kappa.

    Returns
    -------
    dict with ``mc``, ``se`` (S, r) and ``gaussian``, ``data`` (S, r)
    """
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    pop = model.gaussian
    X = model.rows
    centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, pop.eigvecs)
    sp = mc.data_splits(X, centred, n, splits, rng, show_progress=show_progress)
    mean, se = mc.mc_mean(lambda split: mc.gain_diagonal(split, s), sp)
    return {"mc": mean, "se": se, "gaussian": denoiser_gain(s, model.eigvals, n),
            "data": denoiser_gain_data(s, model, n)}


def denoiser_check(model: DataModel, n: int, x, sigmas, splits: int, rng,
                   show_progress: bool = False):
    """Per-pixel variance across splits (own mean) of the denoised inputs ``x`` (pixel space,
    one per noise level in ``sigmas``).

    Returns
    -------
    dict with ``mc`` (S, D) and, per closure, the theory (S, D)
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


def sampler_check(model: DataModel, n: int, z, splits: int, rng, sigma_T: float = 80.0,
                  show_progress: bool = False):
    """Per-seed variance across splits (own mean), summed over pixels, of the linear sampler's final
    image from pixel-space seeds ``z`` (S, D).

    Returns
    -------
    dict with ``mc``, ``se`` (S,) and, per closure, the theory (S,)
    """
    pop = model.gaussian
    U = pop.eigvecs
    X = model.rows
    centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, U)
    coords = (np.asarray(z, dtype=np.float64) - pop.mean / sigma_T) @ U
    outs = np.array([sampling_map(sp, coords, 0.0, sigma_T)
                     for sp in mc.data_splits(X, centred, n, splits, rng, own_mean=True,
                                              show_progress=show_progress)])
    centred_out = outs - outs.mean(0)
    per_split = (centred_out**2).sum(-1)                         # (splits, S)
    var = per_split.sum(0) / (len(outs) - 1)
    se = per_split.std(0, ddof=1) / np.sqrt(len(outs))
    result = {"mc": var, "se": se}
    for closure in CLOSURES:
        result[closure] = sampling_map_total_variance(model, n, coords, sigma_T, "estimated",
                                                      closure, show_progress=show_progress)
    return result
