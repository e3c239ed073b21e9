import numpy as np
import pytest

from rmtdiff.experiments.montecarlo import gaussian_splits
from rmtdiff.theory.spectral_density import esd_bin_mass, esd_density, kappa_complex, marchenko_pastur_density


@pytest.mark.parametrize("gamma", [0.1, 0.5, 2.0, 10.0])
def test_isotropic_density_is_marchenko_pastur(gamma):
    """Sigma = I: the Stieltjes-transform density equals the closed form to 1e-6 of its peak
    (eta = 1e-9 smoothing) inside the support, and integrates to min(1, 1/gamma)."""
    d = 400
    a, b = (1 - np.sqrt(gamma)) ** 2, (1 + np.sqrt(gamma)) ** 2
    x = np.linspace(a, b, 4002)[1:-1]
    rho = esd_density(x, np.ones(d), d / gamma)
    mp = marchenko_pastur_density(x, gamma)
    assert np.max(np.abs(rho - mp)) <= 1e-6 * mp.max()
    assert np.trapezoid(rho, x) == pytest.approx(min(1.0, 1.0 / gamma), rel=2e-3)
    outside = np.array([b * 1.1, b * 2])
    assert np.all(esd_density(outside, np.ones(d), d / gamma) < 1e-6)


def test_kappa_complex_reduces_to_real_solver_near_the_negative_axis():
    from rmtdiff.theory.kappa import solve_kappa
    lam = np.logspace(0, -3, 100)
    s = np.array([0.01, 0.1, 1.0])
    k = kappa_complex(-s + 1e-12j, lam, 50)
    np.testing.assert_allclose(k.real, solve_kappa(s, lam, 50), rtol=1e-8)


@pytest.mark.slow
def test_density_against_sample_eigenvalues():
    """Two-bulk population (eigenvalues 1 and 0.1), d = 300, n = 600: the histogram of the
    eigenvalues of 200 independent Sigma_hat (60k eigenvalues) vs the density integrated over each
    bin (esd_bin_mass). Tolerance per bin: 5 binomial standard errors of the bin count plus 0.004 for the O(1/d)
    edge smearing of finite matrices."""
    lam = np.r_[np.ones(150), np.full(150, 0.1)]
    rng = np.random.default_rng(3)
    ev = np.concatenate([g.eigvals for g in gaussian_splits(lam, 600, 200, rng)])
    edges = np.linspace(ev.min() * 0.99, ev.max() * 1.01, 41)
    frac = np.histogram(ev, edges)[0] / ev.size
    pred = esd_bin_mass(edges, lam, 600, eta=1e-6)
    se = np.sqrt(pred * (1 - pred) / 200)      # eigenvalues of one matrix are correlated: per matrix
    assert np.all(np.abs(frac - pred) <= 5 * se + 0.004), np.abs(frac - pred).max()


def test_bin_mass_sums_to_the_continuous_fraction():
    edges = np.linspace(1e-3, 6.0, 240)
    for gamma in (0.5, 2.0):
        assert esd_bin_mass(edges, np.ones(100), 100 / gamma).sum() == pytest.approx(min(1, 1 / gamma), rel=1e-3)


def test_validation():
    with pytest.raises(ValueError, match="Im z > 0"):
        kappa_complex(np.array([1.0 + 0j]), [1.0], 10)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        marchenko_pastur_density(np.array([1.0]), 0.0)
