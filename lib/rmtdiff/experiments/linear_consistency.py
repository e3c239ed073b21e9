r"""Same seed, different data: linear models fitted on disjoint splits, sampled from shared seeds.

For each split size ``n`` the dataset is cut into two disjoint splits of ``n`` images, the
Gaussian (linear) model of each split is fitted (:func:`rmtdiff.core.spectra.fit_gaussian`, own
mean and covariance) and both are sampled from the same seeds with the exact probability-flow map
(:func:`rmtdiff.core.linear_diffusion.linear_theory_image`, eq. ``sampling-map`` of the book's
chapter ``same-seed``). Conventions as in :mod:`rmtdiff.core.metrics`: distances are per-pixel
MSEs of images in ``[-1, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_int
from ..util.progress import progress
from ..data.splits import disjoint_splits
from ..core.edm import SIGMA_MAX, seed_noise
from ..core.linear_diffusion import linear_theory_image
from ..core.metrics import nearest_neighbours, pixel_mse
from ..core.spectra import Gaussian, fit_gaussian


@dataclass(frozen=True)
class LinearConsistency:
    """Results of :func:`linear_consistency`; ``K`` split sizes, ``m`` seeds, dimension ``d``.

    Attributes
    ----------
    n_values : ndarray, shape (K,), int
        Samples per split.
    seeds : ndarray, shape (m,), int64
        The seeds (row ``i`` of every ``samples[k, j]`` is drawn from ``seeds[i]``).
    samples : ndarray, shape (K, 2, m, d)
        The linear-theory image of every seed under split 1 and split 2.
    population_samples : ndarray, shape (m, d)
        The same seeds under the model fitted to the whole dataset.
    cross_split_mse : ndarray, shape (K, m)
        MSE between the two splits' images of the same seed.
    own_nn_mse, other_nn_mse : ndarray, shape (K, 2, m)
        MSE from split ``j``'s image to its nearest image in split ``j`` / in the other split.
    own_nn_index : ndarray, shape (K, 2, m)
        Dataset row of that nearest image in split ``j``.
    population_mse : ndarray, shape (K, 2, m)
        MSE from split ``j``'s image to the population image of the same seed.
    """

    n_values: np.ndarray
    seeds: np.ndarray
    samples: np.ndarray
    population_samples: np.ndarray
    cross_split_mse: np.ndarray
    own_nn_mse: np.ndarray
    other_nn_mse: np.ndarray
    own_nn_index: np.ndarray
    population_mse: np.ndarray


def linear_consistency(X: ArrayLike, n_values: Iterable[int], seeds: Iterable[int], *,
                       sigma_T: float = SIGMA_MAX,
                       method: str = "contiguous", rng: np.random.Generator | None = None,
                       population: Gaussian | None = None, show_progress: bool = True
                       ) -> LinearConsistency:
    """Fit the linear model on two disjoint splits for each ``n`` and sample the same seeds.

    The book's chapter ``same-seed`` (``book/01_same_seed.md``).

    Parameters
    ----------
    X : array_like, shape (N, d)
        The dataset, one flattened image per row.
    n_values : sequence of int
        Split sizes, each with ``2 n <= N``.
    seeds : sequence of int
        One seed per sample (see :func:`rmtdiff.core.edm.seed_noise`).
    sigma_T : float
        Initial noise level of the sampler.
    method, rng : str and numpy.random.Generator or None
        How splits are drawn (:func:`rmtdiff.data.disjoint_splits`): ``"contiguous"`` (default)
        or ``"random"``, which needs ``rng``.
    population : Gaussian, optional
        The reference model; by default the one fitted to all of ``X``.
    show_progress : bool
        Show a progress bar over ``n_values``.

    Returns
    -------
    LinearConsistency
        Arrays with ``K = len(n_values)``, ``m = len(seeds)``, ``d = X.shape[1]``.

    >>> X = np.random.default_rng(0).standard_normal((20, 3))
    >>> res = linear_consistency(X, [5], [0, 1], show_progress=False)
    >>> res.samples.shape, res.cross_split_mse.shape
    ((1, 2, 2, 3), (1, 2))
    """
    X = as_array(X, "X", ndim=2)
    n_values = np.array([check_int(n, "n_values[i]", minimum=2) for n in n_values])
    seeds = np.asarray(list(seeds), dtype=np.int64)
    z = seed_noise(seeds.tolist(), X.shape[1])
    population = fit_gaussian(X) if population is None else population
    pop_samples = linear_theory_image(population, z, sigma_T=sigma_T)
    K, m, d = len(n_values), len(seeds), X.shape[1]
    samples = np.empty((K, 2, m, d))
    own_mse, other_mse, pop_mse = (np.empty((K, 2, m)) for _ in range(3))
    own_idx = np.empty((K, 2, m), dtype=np.int64)
    for k, n in enumerate(progress(n_values, "split sizes", show_progress)):
        splits = disjoint_splits(len(X), int(n), 2, method, rng)
        for j, idx in enumerate(splits):
            samples[k, j] = linear_theory_image(fit_gaussian(X[idx]), z, sigma_T=sigma_T)
            nn, own_mse[k, j] = nearest_neighbours(samples[k, j], X[idx])
            own_idx[k, j] = idx[nn]
            other_mse[k, j] = nearest_neighbours(samples[k, j], X[splits[1 - j]])[1]
            pop_mse[k, j] = pixel_mse(samples[k, j], pop_samples)
    return LinearConsistency(n_values, seeds, samples, pop_samples,
                             pixel_mse(samples[:, 0], samples[:, 1]), own_mse, other_mse,
                             own_idx, pop_mse)
