"""The fast data closure (one pass over the rows for all split sizes, issue 20) gives the numbers
of the implementation it replaced: values frozen from that implementation (commit 1a65aa9,
``closure_map_variance`` looping over rows, nodes and seeds) on three small populations, an
elliptical one, Laplace coordinates with a skewed part (non-zero third moments) and a rank-
deficient one (40 rows in d = 60). Tolerance 1e-10 relative: the two differ only in the order of
floating-point sums and in the basis truncation at BASIS_RTOL = 1e-14."""

from pathlib import Path

import numpy as np
import pytest

import rmtdiff as rd
from rmtdiff.theory import nongaussian_fluctuations as dfl
from rmtdiff.theory.nongaussian_kappa import data_model

REF = Path(__file__).parent / "data" / "closure_reference.npz"
CASES = ("ell", "lap", "def")
N_VALUES = (15, 60, 400)


@pytest.fixture(scope="module")
def ref():
    with np.load(REF) as z:
        return dict(z)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("mean", ["estimated", "known"])
@pytest.mark.parametrize("closure", ["data", "elliptical"])
def test_map_variance_matches_the_frozen_values(ref, name, mean, closure):
    m = data_model(ref[f"{name}_X"])
    coords = (ref[f"{name}_z"] - m.gaussian.mean / 80.0) @ m.gaussian.eigvecs
    got = dfl.closure_map_variances(m, N_VALUES, coords, sigma_T=80.0, mean=mean,
                                    closure=closure)
    want = np.array([ref[f"{name}_map_{closure}_{mean}_{n}"] for n in N_VALUES])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)
    one = dfl.closure_map_variance(m, N_VALUES[1], coords, sigma_T=80.0, mean=mean,
                                   closure=closure)
    np.testing.assert_allclose(one, want[1], rtol=1e-10, atol=0)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("model", ["gaussian", "elliptical", "data"])
def test_predict_matches_the_frozen_values(ref, name, model):
    got = rd.predict_cross_split_mse(ref[f"{name}_X"], list(N_VALUES), ref[f"{name}_z"],
                                     model=model)
    np.testing.assert_allclose(got, ref[f"{name}_predict_{model}"], rtol=1e-10, atol=0)


@pytest.mark.parametrize("name", CASES)
def test_blocks_memory_map_and_streamed_statistics_give_the_frozen_values(ref, name, tmp_path,
                                                                          monkeypatch):
    """The bounded-memory paths (issue 20) change nothing beyond rounding: the rows visited in
    blocks of 7 (rotation, quadratic forms, the closure's pass in blocks of 5), the rotated rows
    in a memory-mapped file, and the statistics accumulated in blocks by dataset_statistics (the
    command's path) instead of fit_gaussian. Tolerance 1e-10 as above."""
    from rmtdiff.data.statistics import dataset_statistics
    from rmtdiff.theory import nongaussian_kappa as dk
    monkeypatch.setattr(dk, "ROWS", 7)
    monkeypatch.setattr(dfl.NUMPY, "rows", 5)
    X = ref[f"{name}_X"]
    stats = dataset_statistics(X, cache_dir=False,
                               chunk=7, show_progress=False)
    store = tmp_path / "rows.npy"
    m = data_model(X, stats, store=store)
    assert isinstance(m.coords, np.memmap) and store.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["rows.npy"]        # no temporary file left
    coords = (ref[f"{name}_z"] - m.gaussian.mean / 80.0) @ m.gaussian.eigvecs
    got = dfl.closure_map_variances(m, N_VALUES, coords, sigma_T=80.0, mean="estimated")
    want = np.array([ref[f"{name}_map_data_estimated_{n}"] for n in N_VALUES])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)
    got = rd.predict_cross_split_mse(m, list(N_VALUES), ref[f"{name}_z"], model="data",
                                     device="cpu")
    np.testing.assert_allclose(got, ref[f"{name}_predict_data"], rtol=1e-10, atol=0)


def test_a_failed_rotation_leaves_no_file(tmp_path):
    """A NaN in the rows is an error naming the row, and the memory-mapped file is not left
    half-written."""
    X = np.random.default_rng(0).standard_normal((30, 4))
    X[17, 2] = np.nan
    g = rd.fit_gaussian(np.nan_to_num(X))
    with pytest.raises(ValueError, match="NaN or inf in row 17"):
        data_model(X, g, store=tmp_path / "rows.npy")
    assert list(tmp_path.iterdir()) == []
