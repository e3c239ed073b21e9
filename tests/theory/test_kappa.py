"""solve_kappa and friends: a catalogue against a bracketing reference, closed forms, invariants,
Monte Carlo, and input validation."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import brentq

import rmtdiff.theory.kappa as K
from rmtdiff.theory.kappa import (KappaConvergenceError, df1, df2, denoiser_gain, dkappa_ds,
                           kappa_isotropic, solve_kappa)
from rmtdiff.experiments.montecarlo import gain_diagonal, gaussian_splits, mc_mean


def reference_kappa(s: float, lam: np.ndarray, n: float) -> float:
    """Brent's method on g(kappa) - s over a bracket that holds exactly the wanted root:
    [s, hi] for s > 0 (g(s) <= s <= g(hi)); for s = 0 and d_+ > n, [lo, hi] with g(lo) < 0.
    An independent, per-point implementation of the same cancellation-free sum as the solver."""
    lp = lam[lam > 0]
    dp = lp.size
    if s == 0 and dp <= n:
        return 0.0


    def f(k):   # g(k) - s, with terms near 1 written as 1 - lambda/(lambda + k) and the 1s counted
        small = lp < k
        return k * ((n - dp + small.sum()) - (lp[small] / (lp[small] + k)).sum()
                    + (k / (lp[~small] + k)).sum()) / n - s

    hi = 2 * (s + lp.sum() / n)
    while f(hi) <= 0:
        hi *= 2
    if s > 0:
        lo = s
        if f(lo) >= 0:
            return lo
    else:
        lo = hi
        while f(lo) >= 0:
            lo /= 2
    return brentq(f, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=5000)


# the catalogue: (id, spectrum); condition numbers up to 1e12, zeros mixed in
CATALOGUE = [
    ("power-law-1", np.arange(1, 1001) ** -1.0),
    ("power-law-0.5", np.arange(1, 801) ** -0.5),
    ("power-law-2", np.arange(1, 1001) ** -2.0),
    ("geometric-cond-1e12", np.logspace(0, -12, 600)),
    ("isotropic", np.ones(300)),
    ("two-bulk", np.r_[np.full(100, 1.0), np.full(400, 1e-6)]),
    ("spikes", np.r_[[1e4, 1e3], np.full(300, 1e-2)]),
    ("zeros-mixed", np.r_[np.logspace(0, -6, 200), np.zeros(100)]),
    ("single-mode", np.r_[1.0, np.zeros(50)]),
]
GAMMAS = [1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 10.0, 1e3]
S_GRID = np.r_[0.0, np.logspace(-10, 6, 41)]


@pytest.mark.parametrize("name,lam", CATALOGUE, ids=[c[0] for c in CATALOGUE])
@pytest.mark.parametrize("gamma", GAMMAS)
def test_catalogue_against_bracketing_reference(name, lam, gamma):
    """Relative error <= 1e-10 (absolute 0 where kappa = 0), for s in {0} U [1e-10, 1e6]."""
    n = lam.size / gamma
    k = solve_kappa(S_GRID, lam, n)
    ref = np.array([reference_kappa(s, lam, n) for s in S_GRID])
    assert np.all(np.isfinite(k))
    zero = ref == 0
    np.testing.assert_array_equal(k[zero], 0.0)
    np.testing.assert_allclose(k[~zero], ref[~zero], rtol=1e-10, atol=0)


@pytest.mark.parametrize("gamma", [0.01, 0.5, 1.0, 1.5, 4.0, 100.0])
@pytest.mark.parametrize("c", [1e-6, 1.0, 1e3])
def test_isotropic_closed_form(gamma, c):
    d = 200
    s = np.r_[0.0, np.logspace(-9, 7, 50)]
    np.testing.assert_allclose(solve_kappa(s, np.full(d, c), d / gamma), kappa_isotropic(s, c, gamma),
                               rtol=1e-10, atol=1e-300)
    assert kappa_isotropic(0.0, c, gamma) == pytest.approx(max(0.0, (gamma - 1) * c), abs=1e-300)


def test_residual_at_root():
    lam = np.logspace(0, -8, 700)
    for n in (70.0, 700.0, 7000.0):
        s = np.r_[0.0, np.logspace(-10, 4, 30)]
        k = solve_kappa(s, lam, n)
        resid = k - s - k / n * df1(k, lam)
        assert np.all(np.abs(resid) <= 1e-11 * np.maximum(k, 1e-300) + 1e-300)


def test_invariants():
    lam = np.arange(1, 501) ** -1.2
    s = np.logspace(-8, 3, 200)
    ks = [solve_kappa(s, lam, n) for n in (50, 250, 500, 2500, 1e5, 1e9)]
    for k in ks:
        assert np.all(k >= s) and np.all(np.diff(k) > 0)          # kappa >= s, increasing in s
    for a, b in zip(ks, ks[1:]):                                  # grows with gamma = d/n
        assert np.all(a >= b)
    np.testing.assert_allclose(ks[-1], s, rtol=1e-6)              # n -> infinity: kappa -> s
    big = np.array([1e6, 1e8])                                    # large s: kappa ~ s + tr/n
    n = 250
    np.testing.assert_allclose(solve_kappa(big, lam, n) - big, lam.sum() / n, rtol=1e-5)


def test_kappa0_when_d_exceeds_n():
    lam = np.logspace(0, -4, 400)
    for n in (50, 200, 399):
        k0 = solve_kappa(0.0, lam, n)
        assert k0 > 0 and df1(k0, lam) == pytest.approx(n, rel=1e-10)
    assert solve_kappa(0.0, lam, 400) == 0 and solve_kappa(0.0, lam, 1000) == 0
    # zero eigenvalues do not count: 400 positive of 700
    assert solve_kappa(0.0, np.r_[lam, np.zeros(300)], 500) == 0


def test_derivative_matches_finite_difference():
    lam = np.arange(1, 301) ** -1.0
    n = 120
    s = np.logspace(-6, 2, 25)
    h = 1e-4 * s          # truncation ~ (h/s)^2 = 1e-8; rounding ~ 1e-13 kappa / h
    fd = (solve_kappa(s + h, lam, n) - solve_kappa(s - h, lam, n)) / (2 * h)
    np.testing.assert_allclose(dkappa_ds(s, lam, n), fd, rtol=1e-6)
    assert dkappa_ds(0.0, np.ones(50), 100) == pytest.approx(2.0)


def test_df2_pair_is_symmetric_and_reduces():
    lam = np.array([2.0, 0.5, 0.0])
    assert df2(0.3, lam, 0.7) == pytest.approx(df2(0.7, lam, 0.3))
    assert df2(0.3, lam, 0.3) == pytest.approx(df2(0.3, lam))


def test_shapes():
    lam = np.linspace(0.1, 1, 10)
    s = np.full((3, 4), 0.5)
    assert solve_kappa(s, lam, 20).shape == (3, 4)
    assert solve_kappa(0.5, lam, 20).shape == ()
    assert denoiser_gain(s, lam, 20).shape == (3, 4, 10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e3), min_size=1, max_size=40).filter(lambda v: max(v) > 1e-6),
       st.floats(0.5, 1e4), st.one_of(st.just(0.0), st.floats(1e-12, 1e4)))
def test_property_root_and_bounds(eigs, n, s):
    # s is 0 or >= 1e-12: below ~1e-300, kappa^2 ~ s underflows to subnormals (documented)
    lam = np.array(eigs)
    k = float(solve_kappa(s, lam, n))
    assert k >= s
    ref = reference_kappa(s, lam, n)
    assert k == pytest.approx(ref, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("eigs,exact", [
    # found by Hypothesis: a near-double root with one tiny eigenvalue; exact values from the
    # quadratic 4k^2 + 3ek - e = 0 and from mpmath (50 digits)
    ([1.0, 1.0, 1.0, 1.0, 1.8486028781812312e-24], 6.798166808370954e-13),
    ([1.0, 1.0, 102.0, 0.0625, 1.8486028781812312e-24], 3.2038141869139756e-13),
])
def test_tiny_eigenvalue_near_double_root(eigs, exact):
    assert float(solve_kappa(0.0, eigs, 4.0)) == pytest.approx(exact, rel=1e-12)


def test_convergence_failure_is_raised_with_inputs(monkeypatch):
    monkeypatch.setattr(K, "MAX_PASSES", 1)
    monkeypatch.setattr(K, "TABLE_SIZE", 3)
    with pytest.raises(KappaConvergenceError, match=r"did not converge .* n = 10, d = 300"):
        solve_kappa(np.logspace(-8, 2, 20), np.logspace(0, -12, 300), 10)


@pytest.mark.parametrize("args,exc,match", [
    ((1.0, [1.0, -1.0], 10), ValueError, "eigs must be >= 0"),
    ((1.0, [1.0, np.nan], 10), ValueError, "eigs must contain only finite"),
    ((1.0, [], 10), ValueError, "eigs must hold at least one"),
    ((1.0, [0.0, 0.0], 10), ValueError, "at least one positive"),
    ((1.0, [1.0], 0), ValueError, "n must be > 0"),
    ((1.0, [1.0], True), TypeError, "n must be a number"),
    ((-1.0, [1.0], 10), ValueError, r"s \(= sigma\^2\) must be >= 0"),
    ((np.nan, [1.0], 10), ValueError, "s must contain only finite"),
])
def test_validation(args, exc, match):
    with pytest.raises(exc, match=match):
        solve_kappa(*args)


@pytest.mark.slow
@pytest.mark.parametrize("d,n", [(200, 100), (100, 300), (300, 300)])
def test_denoiser_gain_against_monte_carlo(d, n):
    """Mean over 1500 Gaussian splits of diag(Sigma_hat (Sigma_hat + s)^-1) in the population basis
    vs lambda/(lambda + kappa(s)). Tolerance: 4.5 Monte-Carlo standard errors (Bonferroni over the
    3d entries) plus 0.005 for the O(1/d) finite-size error of the deterministic equivalent
    (measured with 4000 splits: at most 0.003 at d = 200, n = 100 and 0.0015 at d = 100, n = 300)."""
    lam = np.arange(1, d + 1) ** -1.0
    s = np.array([1e-3, 1e-2, 1e-1])
    rng = np.random.default_rng(7)
    mean, se = mc_mean(lambda sp: gain_diagonal(sp, s), gaussian_splits(lam, n, 1500, rng))
    theory = denoiser_gain(s, lam, n)
    assert np.all(np.abs(mean - theory) <= 4.5 * se + 0.005)
    # and the renormalisation is visible: the population gain is outside the band for low modes
    pop = lam / (lam + s[:, None])
    assert np.max(pop - mean) > 10 * se.max() + 0.005
