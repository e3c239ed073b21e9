"""Every public theory function on degenerate inputs: s = 0, exactly n or fewer than n positive
eigenvalues, exact zero eigenvalues, s up to 1e8, d >> n. Values must be finite (except
dkappa_ds's documented infinite slope), equal to the right limit, and raise no warning."""

import warnings

from functools import partial

import numpy as np
import pytest

import rmtdiff as rd
from rmtdiff.theory import mismatch

N = 40
RNG = np.random.default_rng(3)
SPECTRA = {
    "exactly n positive": np.r_[np.logspace(0, -2, N), np.zeros(20)],
    "fewer than n positive": np.r_[np.logspace(0, -2, N // 2), np.zeros(30)],
    "zeros, more than n positive": np.r_[np.logspace(0, -3, 2 * N), np.zeros(10)],
    "d >> n": np.logspace(0, -3, 50 * N),
    "exactly n, no zeros": np.logspace(0, -2, N),
}
S_VALUES = np.array([0.0, 1e-300, 1e-12, 1e-3, 1.0, 1e4, 1e8])


def quiet(f, *args, **kwargs):
    """Call f with every warning an error, and floating-point division by zero, invalid
    operations and overflow raising (underflow to 0 is harmless and allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", invalid="raise", over="raise", under="ignore"):
            return f(*args, **kwargs)


def vectors(d):
    v = RNG.standard_normal(d)
    x = RNG.standard_normal((3, d))
    return v / np.linalg.norm(v), x


@pytest.mark.parametrize("name", SPECTRA)
def test_every_function_is_finite_and_silent(name):
    lam = SPECTRA[name]
    d = lam.size
    v, x = vectors(d)
    U = np.linalg.qr(RNG.standard_normal((d, d)))[0] if d <= 200 else np.eye(d)[:5]
    outputs = {
        "solve_kappa": quiet(rd.solve_kappa, S_VALUES, lam, N),
        "df1": quiet(rd.df1, quiet(rd.solve_kappa, S_VALUES, lam, N), lam),
        "df2": quiet(rd.df2, quiet(rd.solve_kappa, S_VALUES, lam, N), lam),
        "denoiser_gain": quiet(rd.denoiser_gain, S_VALUES, lam, N),
        "anisotropy": quiet(rd.anisotropy, S_VALUES, lam, N),
        "scaling_factor": quiet(rd.scaling_factor, S_VALUES, lam, N),
        "quadratic_form": quiet(rd.quadratic_form, x, S_VALUES, lam, N),
        "denoiser_variance": quiet(rd.denoiser_variance, S_VALUES, lam, N, v, x),
        "denoiser_variance est.": quiet(rd.denoiser_variance, S_VALUES, lam, N, v, x,
                                        mean="estimated"),
        "denoiser_covariance": quiet(rd.denoiser_covariance, S_VALUES, S_VALUES[::-1], lam, N,
                                     v, x),
        "pixel_variance": quiet(rd.pixel_variance, S_VALUES, lam, N, U, x),
        "cross_split_distance": quiet(rd.cross_split_distance, S_VALUES, lam, N, x),
        "cross_split_distance est.": quiet(rd.cross_split_distance, S_VALUES, lam, N, x,
                                           mean="estimated"),
        "sampling_map_gain": quiet(partial(rd.sampling_map_gain, sigma_T=80.0), lam, N),
        "sampling_map_variance": quiet(partial(rd.sampling_map_variance, sigma_T=80.0), lam, N,
                                       np.eye(d)[0], x),
        "sampling_map_mode_variance": quiet(partial(rd.sampling_map_mode_variance,
                                                    sigma_T=80.0), lam, N, x),
        "sampling_map_total_variance": quiet(partial(rd.sampling_map_total_variance,
                                                     sigma_T=80.0), lam, N, x),
        "split_map_variance": quiet(partial(rd.split_map_variance, sigma_T=80.0), lam, max(N, 2),
                                    x),
        "esd_density": quiet(rd.esd_density, np.array([1e-3, 0.1, 1.0]), lam, N),
        "kappa_complex": quiet(rd.kappa_complex, np.array([0.1 + 0.01j, 1 + 1j]), lam, N),
    }
    for key, value in outputs.items():
        assert np.all(np.isfinite(value)), (key, value)
    slope = quiet(rd.dkappa_ds, S_VALUES, lam, N)
    assert np.all(np.isfinite(slope[1:])) and slope[0] > 0
    assert np.isinf(slope[0]) == (np.sum(lam > 0) == N)      # kappa ~ sqrt(s) there


@pytest.mark.parametrize("name", ["exactly n positive", "fewer than n positive",
                                  "exactly n, no zeros"])
def test_at_s_zero_with_at_most_n_positive_every_split_learns_the_same_map(name):
    """kappa(0) = 0: every split's denoiser at s = 0 is the projection onto the data's span,
    the same for all splits, so every variance is exactly 0, and it is the limit s -> 0+: it
    falls like kappa(s) ~ sqrt(s) with exactly n positive eigenvalues (like s^2 with fewer), so
    from s = 1e-6 to 1e-14 it must fall at least 1000-fold."""
    lam = SPECTRA[name]
    v, x = vectors(lam.size)
    assert quiet(rd.solve_kappa, 0.0, lam, N) == 0.0
    for f in (lambda s: rd.scaling_factor(s, lam, N),
              lambda s: rd.denoiser_variance(s, lam, N, v, x),
              lambda s: rd.cross_split_distance(s, lam, N, x),
              lambda s: rd.denoiser_covariance(s, 1.0, lam, N, v, x)):
        assert np.all(quiet(f, 0.0) == 0.0)
        assert np.all(quiet(f, 1e-14) <= 1e-3 * quiet(f, 1e-6))          # continuous at 0


@pytest.mark.parametrize("s", [0.0, 1e-6, 1.0, 1e8])
def test_zero_eigenvalues_change_nothing(s):
    """A direction of zero variance is never learned and never fluctuates: the functions on a
    spectrum with zeros equal those on the positive part, restricted to its coordinates."""
    pos = np.logspace(0, -2, 30)
    lam = np.r_[pos, np.zeros(25)]
    n = 60                                               # fewer than n positive at s = 0
    v, x = vectors(lam.size)
    v[30:] = 0
    x[:, 30:] = 0
    assert quiet(rd.solve_kappa, s, lam, n) == quiet(rd.solve_kappa, s, pos, n)
    pairs = [(rd.scaling_factor(s, lam, n), rd.scaling_factor(s, pos, n)),
             (rd.denoiser_variance(s, lam, n, v, x), rd.denoiser_variance(s, pos, n, v[:30],
                                                                          x[:, :30])),
             (rd.cross_split_distance(s, lam, n, x), rd.cross_split_distance(s, pos, n,
                                                                             x[:, :30])),
             (rd.df2(rd.solve_kappa(s, lam, n), lam), rd.df2(rd.solve_kappa(s, pos, n), pos))]
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_large_s_follows_the_clean_limit():
    """s = 1e8: kappa = s + tr(Sigma)/n + O(1/s), and the scaling factor tends to s^2/n."""
    lam = SPECTRA["d >> n"]
    k = quiet(rd.solve_kappa, 1e8, lam, N)
    assert abs(k - (1e8 + lam.sum() / N)) < 1e-6 * 1e8
    assert abs(quiet(rd.scaling_factor, 1e8, lam, N) / (1e16 / N) - 1) < 1e-3


def test_mismatch_law_on_a_flat_spectrum_with_tiny_modes():
    """The mismatch law (full basis) stays finite when some population modes are tiny."""
    d = 30
    lam = np.r_[np.ones(10), np.full(20, 1e-12)]
    U = np.linalg.qr(RNG.standard_normal((d, d)))[0]
    pop = rd.Gaussian(np.zeros(d), lam, U)
    z = rd.seed_noise(range(3), d)
    out = quiet(mismatch.mismatch_mse, pop, pop, 12, z)
    assert all(np.all(np.isfinite(v)) for v in out.values())


@pytest.mark.parametrize("N, d, n", [(30, 80, 40), (30, 80, 20), (500, 40, 40), (500, 40, 4000)])
def test_kappa_from_data_is_finite_and_silent(N, d, n):
    """rmtdiff.theory.nongaussian_kappa on rank-deficient populations (N < d: zero eigenvalues are dropped),
    exactly d = n, and n >> d, over the same s values: finite, >= s, and kappa(0) unchanged."""
    from rmtdiff.theory.nongaussian_kappa import data_model, solve_kappa_data

    X = RNG.standard_normal((N, d)) * np.logspace(0, -1, d) * RNG.lognormal(0, 1, (N, 1))
    model = quiet(data_model, X)
    k = quiet(solve_kappa_data, S_VALUES, model, n)
    assert np.all(np.isfinite(k)) and np.all(k >= S_VALUES)
    assert k[0] == rd.solve_kappa(0.0, model.eigvals, n)
