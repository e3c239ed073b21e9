"""Streaming dataset statistics equal the in-memory fit and are cached by the data's content."""

import numpy as np
import pytest

from rmtdiff import fit_gaussian
from rmtdiff.data.statistics import content_hash, dataset_statistics


def data(seed=0, N=700, d=40):
    rng = np.random.default_rng(seed)
    # a large common offset: a naive sum of squares would lose digits to cancellation
    return 50.0 + rng.standard_normal((N, d)) * np.linspace(0.05, 2.0, d)


def test_streaming_equals_the_in_memory_fit():
    """Chunks of 64 rows against one pass: the same float64 sums in another order, so the
    covariance agrees to 1e-12 of its scale; eigenvalues likewise (well separated here)."""
    X = data()
    g, f = dataset_statistics(X, cache_dir=False, chunk=64), fit_gaussian(X)
    np.testing.assert_allclose(g.mean, f.mean, rtol=0, atol=1e-12 * 50)
    np.testing.assert_allclose(g.covariance(), f.covariance(), rtol=0, atol=1e-12 * 4)
    np.testing.assert_allclose(g.eigvals, f.eigvals, rtol=1e-10)


def test_memory_map_and_rank_deficient_data(tmp_path):
    X = data(N=30, d=50)                              # N < d: rank N - 1
    np.save(tmp_path / "x.npy", X)
    mm = np.load(tmp_path / "x.npy", mmap_mode="r")
    g = dataset_statistics(mm, cache_dir=False, chunk=7)
    assert g.rank == 29
    np.testing.assert_allclose(g.eigvals, fit_gaussian(X).eigvals, rtol=1e-9)


def test_cached_by_content(tmp_path, monkeypatch):
    X = data()
    first = dataset_statistics(X, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("stats-*.npz")
    assert not list(tmp_path.glob("*.tmp"))
    calls = []
    real = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda a: calls.append(1) or real(a))
    again = dataset_statistics(X.copy(), cache_dir=tmp_path)        # same bytes, new array
    assert calls == [] and np.array_equal(again.eigvecs, first.eigvecs)
    Y = X.copy()
    Y[3, 5] += 1e-9                                                  # one pixel changes the key
    assert content_hash(Y) != content_hash(X)
    dataset_statistics(Y, cache_dir=tmp_path)
    assert calls == [1] and len(list(tmp_path.glob("stats-*.npz"))) == 2
    # a corrupt cache entry is recomputed and replaced, not trusted
    entry.write_bytes(b"garbage")
    redo = dataset_statistics(X, cache_dir=tmp_path)
    assert calls == [1, 1] and np.allclose(redo.eigvals, first.eigvals)


def test_bad_input():
    with pytest.raises(ValueError, match="2-D array of rows"):
        dataset_statistics(np.zeros(5), cache_dir=False)
    with pytest.raises(ValueError, match="at least 2 rows"):
        dataset_statistics(np.zeros((1, 3)), cache_dir=False)
    X = data(N=100)
    X[77, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or inf in row 77"):
        dataset_statistics(X, cache_dir=False, chunk=32)
