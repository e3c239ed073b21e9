"""rmtdiff: computations behind the executable book on the consistency of diffusion models.

Layers, each importing only those below it (checked by import-linter, ``ARCHITECTURE.md``):

* :mod:`rmtdiff.presentation` -- figures, explorer payloads, tables;
* :mod:`rmtdiff.experiments` -- configurations, Monte Carlo, the linear and network experiments,
  the closures against Monte Carlo, the prediction tool, sweeps;
* :mod:`rmtdiff.nets` and :mod:`rmtdiff.data` (independent of each other) -- networks, training
  and runs; datasets, readers, splits, statistics;
* :mod:`rmtdiff.theory` -- kappa, spectral density, fluctuations, trajectories, mismatch, the
  non-Gaussian closures;
* :mod:`rmtdiff.core` -- Gaussian models, the linear denoiser and sampling map, EDM, metrics;
* :mod:`rmtdiff.util` -- checks, atomic writes, paths, device, progress, code fingerprints.

``import rmtdiff as rd`` gives the names the chapters use (below); torch is imported only by
:mod:`rmtdiff.nets` (and by resizing images).
"""

from .experiments.config import SCALES, describe, preset, to_json
from .util.device import default_device
from .experiments.linear_consistency import LinearConsistency, linear_consistency
from . import data
from .data.train_test import NetworkData, prepare_data
from .data import (ImageDataset, disjoint_splits, display_name, load_dataset, load_digits,
                   load_fashion_mnist, read_idx, split_pair)
from .experiments.predict import predict_cross_split_mse
from .theory.kappa import KappaConvergenceError, denoiser_gain, df1, df2, dkappa_ds, kappa_isotropic, solve_kappa
from .theory.spectral_density import esd_bin_mass, esd_density, kappa_complex, marchenko_pastur_density
from .util.progress import progress
from .theory.fluctuations import (anisotropy, cross_split_distance, denoiser_covariance, denoiser_variance,
                           pixel_variance, quadratic_form, scaling_factor)
from .theory.trajectories import (sampling_map_gain, sampling_map_mode_variance,
                                  sampling_map_total_variance, sampling_map_variance,
                                  split_map_gain, split_map_variance)
from .core.edm import SIGMA_MAX, heun_sample, karras_sigmas, seed_noise
from .core.linear_diffusion import (denoiser, gaussian_denoiser, linear_theory_image, map_gain,
                                    sampling_map)
from .core.metrics import (band_mse, memorisation_fraction, mode_variance, nearest_neighbours,
                      pixel_mse, two_nearest)
from .core.spectra import Gaussian, fit_gaussian

__version__ = "0.1.0"

__all__ = [
    "SCALES", "default_device", "describe", "preset", "to_json",
    "LinearConsistency", "linear_consistency",
    "ImageDataset", "NetworkData", "data", "prepare_data", "disjoint_splits", "display_name", "load_dataset", "split_pair", "predict_cross_split_mse", "load_digits", "load_fashion_mnist", "read_idx",
    "KappaConvergenceError", "denoiser_gain", "df1", "df2", "dkappa_ds", "kappa_isotropic", "solve_kappa",
    "esd_bin_mass", "esd_density", "kappa_complex", "marchenko_pastur_density",
    "progress", "anisotropy", "cross_split_distance", "denoiser_covariance", "denoiser_variance",
    "pixel_variance", "quadratic_form", "scaling_factor",
    "sampling_map_gain", "sampling_map_mode_variance", "sampling_map_total_variance", "sampling_map_variance", "split_map_gain", "split_map_variance", "map_gain",
    "SIGMA_MAX", "heun_sample", "karras_sigmas", "seed_noise",
    "denoiser", "gaussian_denoiser", "linear_theory_image", "sampling_map",
    "band_mse", "memorisation_fraction", "mode_variance", "nearest_neighbours", "pixel_mse",
    "two_nearest",
    "Gaussian", "fit_gaussian",
]
