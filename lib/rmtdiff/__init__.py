"""rmtdiff: computations behind the executable book on the consistency of diffusion models.

Modules (one concept each):

* :mod:`rmtdiff.data` -- datasets without downloads, IDX loaders, disjoint splits;
* :mod:`rmtdiff.datasets` -- any dataset by name or path (CIFAR, image folders and zips, arrays);
* :mod:`rmtdiff.dataset_statistics` -- streaming mean and covariance, cached by content hash;
* :mod:`rmtdiff.spectra` -- empirical means, covariances and their eigen-decompositions;
* :mod:`rmtdiff.linear_diffusion` -- the Gaussian denoiser and the exact sampling map;
* :mod:`rmtdiff.kappa` -- the renormalised noise kappa(sigma^2) and the expected denoiser gain;
* :mod:`rmtdiff.data_kappa` -- kappa from the images' own quadratic forms (non-Gaussian data);
* :mod:`rmtdiff.data_fluctuations` -- split-to-split variances with the data's own moments;
* :mod:`rmtdiff.non_gaussian` -- the Gaussian, elliptical and data closures against Monte Carlo;
* :mod:`rmtdiff.predict` -- predicted same-seed MSE for any dataset (``python -m rmtdiff predict``);
* :mod:`rmtdiff.spectral_density` -- the limiting eigenvalue density of the sample covariance;
* :mod:`rmtdiff.montecarlo` -- many independent splits and their eigen-decompositions;
* :mod:`rmtdiff.fluctuations` -- the split-to-split variance of the learned denoiser;
* :mod:`rmtdiff.trajectories` -- the expected sampling map and its variance along the trajectory;
* :mod:`rmtdiff.edm` -- the EDM schedule, seeded noise and the Heun sampler;
* :mod:`rmtdiff.metrics` -- per-pixel MSE and nearest neighbours;
* :mod:`rmtdiff.consistency` -- the same-seed experiment on disjoint splits;
* :mod:`rmtdiff.networks` -- the UNet and the DiT (presets from 2 CPU cores to the paper's);
* :mod:`rmtdiff.training` -- EDM preconditioning, loss and training with exact resume;
* :mod:`rmtdiff.distributed` -- one run over several processes (DDP under torchrun or SLURM);
* :mod:`rmtdiff.runs` -- content-addressed training runs (train once, find again by key);
* :mod:`rmtdiff.sweep` -- grids of runs on this machine or a SLURM cluster (submitit);
* :mod:`rmtdiff.network_consistency` -- the networks' same-seed experiment and its linear twin;
* :mod:`rmtdiff.mismatch` -- the linear theory of two splits from different populations;
* :mod:`rmtdiff.config` -- chapter configurations at the ``ci``/``book``/``paper`` scales;
* :mod:`rmtdiff.plotting` -- every figure helper.
"""

from .config import SCALES, default_device, describe, preset, to_json
from .consistency import LinearConsistency, linear_consistency
from .data import ImageDataset, disjoint_splits, load_digits, load_fashion_mnist, read_idx
from .datasets import load_dataset
from .predict import predict_cross_split_mse
from .kappa import KappaConvergenceError, denoiser_gain, df1, df2, dkappa_ds, kappa_isotropic, solve_kappa
from .spectral_density import esd_bin_mass, esd_density, kappa_complex, marchenko_pastur_density
from ._progress import progress
from .fluctuations import (anisotropy, cross_split_distance, denoiser_covariance, denoiser_variance,
                           pixel_variance, quadratic_form, scaling_factor)
from .trajectories import (sampling_map_gain, sampling_map_mode_variance, sampling_map_total_variance,
                           sampling_map_variance)
from .edm import heun_sample, karras_sigmas, seed_noise
from .linear_diffusion import denoiser, gaussian_denoiser, linear_theory_image, sampling_map
from .metrics import (band_mse, memorisation_fraction, mode_variance, nearest_neighbours,
                      pixel_mse, two_nearest)
from .spectra import Gaussian, fit_gaussian

__version__ = "0.1.0"

__all__ = [
    "SCALES", "default_device", "describe", "preset", "to_json",
    "LinearConsistency", "linear_consistency",
    "ImageDataset", "disjoint_splits", "load_dataset", "predict_cross_split_mse", "load_digits", "load_fashion_mnist", "read_idx",
    "KappaConvergenceError", "denoiser_gain", "df1", "df2", "dkappa_ds", "kappa_isotropic", "solve_kappa",
    "esd_bin_mass", "esd_density", "kappa_complex", "marchenko_pastur_density",
    "progress", "anisotropy", "cross_split_distance", "denoiser_covariance", "denoiser_variance",
    "pixel_variance", "quadratic_form", "scaling_factor",
    "sampling_map_gain", "sampling_map_mode_variance", "sampling_map_total_variance", "sampling_map_variance",
    "heun_sample", "karras_sigmas", "seed_noise",
    "denoiser", "gaussian_denoiser", "linear_theory_image", "sampling_map",
    "band_mse", "memorisation_fraction", "mode_variance", "nearest_neighbours", "pixel_mse",
    "two_nearest",
    "Gaussian", "fit_gaussian",
]
