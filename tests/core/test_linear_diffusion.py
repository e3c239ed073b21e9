import numpy as np
import pytest
import scipy.linalg

from conftest import random_gaussian
from rmtdiff.core.linear_diffusion import gaussian_denoiser, linear_theory_image, sampling_map
from rmtdiff.core.spectra import Gaussian


def test_denoiser_is_the_posterior_mean_by_monte_carlo(rng):
    """For Gaussian data the posterior mean is the linear MMSE estimator, characterised by
    (i) zero mean error and (ii) an error uncorrelated with the observation; its error covariance is
    Sigma - Sigma (Sigma + sigma^2)^-1 Sigma. Checked on M = 200k draws; tolerance 5 standard errors
    of each Monte-Carlo average (a false failure has probability < 1e-5 per entry)."""
    d, M, sigma = 4, 200_000, 0.7
    g = random_gaussian(rng, d, eigvals=[2.0, 1.0, 0.3, 0.05])
    S = g.covariance()
    x0 = g.mean + rng.standard_normal((M, d)) @ np.linalg.cholesky(S).T
    x = x0 + sigma * rng.standard_normal((M, d))
    err = x0 - gaussian_denoiser(g, x, sigma)
    se = err.std(0) / np.sqrt(M)
    assert np.all(np.abs(err.mean(0)) < 5 * se)
    cross = err[:, :, None] * (x - g.mean)[:, None, :]
    assert np.all(np.abs(cross.mean(0)) < 5 * cross.std(0) / np.sqrt(M))
    post_cov = S - S @ np.linalg.solve(S + sigma**2 * np.eye(d), S)
    emp_cov = err.T @ err / M
    np.testing.assert_allclose(emp_cov, post_cov, atol=5 * np.sqrt(2 / M) * post_cov.diagonal().max())


def test_denoiser_limits(rng):
    g = random_gaussian(rng, 6)
    x = rng.standard_normal((3, 6))
    np.testing.assert_allclose(gaussian_denoiser(g, x, 1e-7), x, atol=1e-6)        # no noise: identity
    np.testing.assert_allclose(gaussian_denoiser(g, x, 1e7), np.broadcast_to(g.mean, x.shape), atol=1e-6)


def test_thin_basis_equals_full_basis_with_zeros(rng):
    full = random_gaussian(rng, 5, eigvals=[3.0, 1.0, 0.0, 0.0, 0.0])
    thin = Gaussian(full.mean, full.eigvals[:2], full.eigvecs[:, :2])
    z = rng.standard_normal((4, 5))
    np.testing.assert_allclose(gaussian_denoiser(thin, z, 0.5), gaussian_denoiser(full, z, 0.5), atol=1e-12)
    for sigma, sigma_T in [(0.0, 80.0), (0.3, 2.0), (0.0, np.inf), (1.5, np.inf)]:
        np.testing.assert_allclose(sampling_map(thin, z, sigma=sigma, sigma_T=sigma_T),
                                   sampling_map(full, z, sigma=sigma, sigma_T=sigma_T), atol=1e-12)


def test_sampling_map_matches_dense_matrix_formula(rng):
    g = random_gaussian(rng, 6)
    S, I = g.covariance(), np.eye(6)
    z = rng.standard_normal(6)
    for sigma, sigma_T in [(0.0, 80.0), (0.4, 3.0), (2.0, 2.0)]:
        M = scipy.linalg.sqrtm(S + sigma**2 * I) @ np.linalg.inv(scipy.linalg.sqrtm(S + sigma_T**2 * I))
        want = g.mean + M.real @ (sigma_T * z - g.mean)
        np.testing.assert_allclose(sampling_map(g, z, sigma=sigma, sigma_T=sigma_T), want, atol=1e-10)
    np.testing.assert_allclose(sampling_map(g, z, sigma=0.0, sigma_T=np.inf),
                               g.mean + scipy.linalg.sqrtm(S).real @ z, atol=1e-10)


def test_sampling_map_solves_the_probability_flow_ode(rng):
    """dx/dsigma = (x - D(x; sigma)) / sigma, by a central difference (error O(h^2) ~ 1e-10)."""
    g = random_gaussian(rng, 5)
    z = rng.standard_normal((2, 5))
    for sigma in [0.05, 0.5, 5.0]:
        h = 1e-5 * sigma
        deriv = (sampling_map(g, z, sigma=sigma + h) - sampling_map(g, z, sigma=sigma - h)) / (2 * h)
        x = sampling_map(g, z, sigma=sigma)
        np.testing.assert_allclose(deriv, (x - gaussian_denoiser(g, x, sigma)) / sigma, rtol=1e-6, atol=1e-8)


def test_generated_distribution_by_monte_carlo(rng):
    """Seeds z ~ N(0, I) through the sigma_T = inf map give N(mu, Sigma): the sample covariance of
    M = 100k images matches Sigma within 5 standard errors (entry variance <= 2 max(lambda)^2 / M)."""
    g = random_gaussian(rng, 4, eigvals=[1.0, 0.5, 0.1, 0.01])
    M = 100_000
    x = linear_theory_image(g, rng.standard_normal((M, 4)), sigma_T=np.inf)
    np.testing.assert_allclose(x.mean(0), g.mean, atol=5 / np.sqrt(M))
    np.testing.assert_allclose(np.cov(x.T), g.covariance(), atol=5 * np.sqrt(2 / M))


def test_sampling_map_at_sigma_T_is_the_start(rng):
    g = random_gaussian(rng, 3)
    z = rng.standard_normal(3)
    np.testing.assert_allclose(sampling_map(g, z, sigma=80.0, sigma_T=80.0), 80.0 * z, atol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda g: gaussian_denoiser(g, np.zeros(4), 1.0), "x must have last dimension d = 3"),
    (lambda g: gaussian_denoiser(g, np.zeros(3), 0.0), "sigma must be > 0"),
    (lambda g: sampling_map(g, np.zeros(3), sigma=2.0, sigma_T=1.0), "sigma must be <= sigma_T"),
    (lambda g: sampling_map(g, np.zeros(3), sigma=-1.0), "sigma must be >= 0"),
    (lambda g: sampling_map(g, np.zeros((2, 2, 3))), "z must be a 1 or 2-D"),
])
def test_validation(rng, call, match):
    with pytest.raises(ValueError, match=match):
        call(random_gaussian(rng, 3))
