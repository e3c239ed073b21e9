import numpy as np
import pytest

from rmtdiff.core.spectra import Gaussian, fit_gaussian


@pytest.mark.parametrize("n,d", [(5, 20), (19, 20), (20, 20), (100, 20)])
def test_fit_matches_dense_covariance(rng, n, d):
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d))
    g = fit_gaussian(X)
    np.testing.assert_allclose(g.mean, X.mean(0), atol=1e-12)
    np.testing.assert_allclose(g.covariance(), np.cov(X.T, bias=True), atol=1e-9)
    assert g.rank == min(n - 1, d)                      # centring removes one dimension
    np.testing.assert_allclose(g.eigvecs.T @ g.eigvecs, np.eye(g.rank), atol=1e-9)
    assert np.all(np.diff(g.eigvals) <= 0)


def test_known_mean_uses_raw_second_moment(rng):
    X = rng.standard_normal((7, 12))
    g = fit_gaussian(X, mean=np.zeros(12))
    assert g.rank == 7
    np.testing.assert_allclose(g.covariance(), X.T @ X / 7, atol=1e-12)


def test_gram_path_never_forms_d_by_d(rng, monkeypatch):
    """With n < d the eigen-decomposition is of an n x n matrix."""
    shapes = []
    real = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda a: shapes.append(a.shape) or real(a))
    fit_gaussian(rng.standard_normal((10, 500)))
    assert shapes == [(10, 10)]


def test_constant_data_has_rank_zero():
    g = fit_gaussian(np.ones((4, 3)))
    assert g.rank == 0 and g.eigvecs.shape == (3, 0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(mean=np.zeros(3), eigvals=np.array([1.0, -0.1]), eigvecs=np.zeros((3, 2))), "eigvals must be >= 0"),
    (dict(mean=np.zeros(3), eigvals=np.array([1.0]), eigvecs=np.zeros((2, 1))), "eigvecs must have shape"),
    (dict(mean=np.zeros(3), eigvals=np.array([np.nan]), eigvecs=np.zeros((3, 1))), "eigvals must contain only finite"),
])
def test_gaussian_validates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Gaussian(**kwargs)


def test_fit_validates():
    with pytest.raises(ValueError, match="X must be a 2-D"):
        fit_gaussian(np.zeros(5))
    with pytest.raises(ValueError, match="mean must have last dimension d = 3"):
        fit_gaussian(np.zeros((4, 3)), mean=np.zeros(2))
