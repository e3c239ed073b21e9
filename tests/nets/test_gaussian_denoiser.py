"""The Gaussian denoiser module: the closed-form denoiser, and its EDM loss as the networks'."""

import numpy as np
import pytest
import torch

from rmtdiff.core.spectra import fit_gaussian
from rmtdiff.nets.gaussian_denoiser import GaussianDenoiser
from rmtdiff.nets.training import evaluate_loss


def test_its_error_at_one_noise_level_is_the_closed_form():
    g = np.random.default_rng(0)
    d, n = 16, 20_000
    lam = np.linspace(0.01, 0.3, d)
    x0 = g.standard_normal((n, d)) * np.sqrt(lam) + 0.1
    D = GaussianDenoiser(fit_gaussian(x0), (1, 4, 4))
    sigma = 0.2
    x = torch.as_tensor(x0 + sigma * g.standard_normal((n, d)), dtype=torch.float32)
    out = D(x.reshape(n, 1, 4, 4), torch.full((n,), sigma)).reshape(n, d).numpy()
    mse = ((out - x0) ** 2).mean()
    # E ||D - x0||^2 / d = mean_k lam sigma^2 / (lam + sigma^2); 20k samples: about 1% error
    assert mse == pytest.approx(np.mean(lam * sigma**2 / (lam + sigma**2)), rel=0.03)


def test_it_is_the_best_denoiser_of_gaussian_data_under_the_edm_loss():
    g = np.random.default_rng(1)
    d = 16
    lam = np.linspace(0.01, 0.3, d)
    x0 = g.standard_normal((4000, d)) * np.sqrt(lam)
    held = torch.as_tensor((g.standard_normal((1000, d)) * np.sqrt(lam)).reshape(-1, 1, 4, 4),
                           dtype=torch.float32)
    best = evaluate_loss(GaussianDenoiser(fit_gaussian(x0), (1, 4, 4)), held)
    worse = evaluate_loss(GaussianDenoiser(fit_gaussian(x0 * 1.5), (1, 4, 4)), held)
    assert best < worse
    with pytest.raises(ValueError, match=r"shape \(1, 4, 5\) has 20 pixels; the Gaussian has d = 16"):
        GaussianDenoiser(fit_gaussian(x0), (1, 4, 5))
