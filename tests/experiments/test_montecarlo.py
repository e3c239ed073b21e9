import numpy as np
import pytest

from rmtdiff.experiments.montecarlo import (data_splits, gain_diagonal, gaussian_split, gaussian_splits, mc_mean,
                                mc_variance)
from rmtdiff.core.spectra import fit_gaussian


def test_split_is_the_empirical_covariance():
    lam = np.array([3.0, 1.0, 0.5, 0.1])
    a = gaussian_split(lam, 3, np.random.default_rng(0))
    X = np.random.default_rng(0).standard_normal((3, 4)) * np.sqrt(lam)
    np.testing.assert_allclose(a.covariance(), X.T @ X / 3, atol=1e-12)
    assert a.rank == 3


def test_reproducible_and_independent():
    lam = np.ones(5)
    a = [g.eigvals for g in gaussian_splits(lam, 10, 3, np.random.default_rng(1))]
    b = [g.eigvals for g in gaussian_splits(lam, 10, 3, np.random.default_rng(1))]
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
    assert not np.allclose(a[0], a[1])


def test_mc_mean_and_standard_error():
    vals = iter([np.array([1.0, 2.0]), np.array([3.0, 2.0]), np.array([5.0, 2.0])])
    mean, se = mc_mean(lambda v: v, vals)
    np.testing.assert_allclose(mean, [3.0, 2.0])
    np.testing.assert_allclose(se, [2.0 / np.sqrt(3), 0.0], atol=1e-12)
    with pytest.raises(ValueError, match="at least 2 splits"):
        mc_mean(lambda v: v, iter([np.zeros(1)]))


def test_gain_diagonal_is_the_diagonal_of_the_dense_gain():
    lam = np.linspace(1, 0.1, 6)
    g = gaussian_split(lam, 4, np.random.default_rng(2))
    S = g.covariance()
    dense = S @ np.linalg.inv(S + 0.3 * np.eye(6))
    np.testing.assert_allclose(gain_diagonal(g, 0.3), np.diag(dense), atol=1e-12)
    assert gain_diagonal(g, np.array([0.1, 0.3])).shape == (2, 6)


def test_data_splits_rotate_into_population_basis():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((500, 5)) @ rng.standard_normal((5, 5))
    pop = fit_gaussian(X)
    split = next(data_splits(X, pop, 500, 1, np.random.default_rng(0), replace=False))
    # all rows once: the split's covariance is the population's, diagonal in its basis
    np.testing.assert_allclose(split.covariance(), np.diag(pop.eigvals), atol=1e-10)
    with pytest.raises(ValueError, match="exceeds the 500 rows"):
        next(data_splits(X, pop, 501, 1, rng, replace=False))


def test_mc_mean_of_several_statistics():
    vals = iter([{"a": np.array([1.0]), "b": np.array(2.0)}, {"a": np.array([3.0]), "b": np.array(4.0)}])
    mean, se = mc_mean(lambda v: v, vals)
    assert mean["a"].tolist() == [2.0] and float(mean["b"]) == 3.0 and float(se["b"]) == pytest.approx(1.0)


def test_mc_variance_of_known_distribution():
    """Unit normals: variance 1 with standard error sqrt(2/N) (m4 = 3)."""
    rng = np.random.default_rng(0)
    var, se = mc_variance(lambda v: v, iter(rng.standard_normal((20000, 3))))
    np.testing.assert_allclose(var, 1.0, atol=4.5 * np.sqrt(2 / 20000))
    np.testing.assert_allclose(se, np.sqrt(2 / 20000), rtol=0.1)


def test_data_splits_with_own_mean():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 4)) + 3.0
    pop = fit_gaussian(X)
    split = next(data_splits(X, pop, 50, 1, np.random.default_rng(1), own_mean=True))
    idx = np.random.default_rng(1).choice(300, size=50, replace=True)
    direct = fit_gaussian((X[idx] - pop.mean) @ pop.eigvecs)
    np.testing.assert_allclose(split.mean, direct.mean, atol=1e-12)
    np.testing.assert_allclose(split.covariance(), direct.covariance(), atol=1e-12)
