"""Shared fixtures: small Gaussian models with known spectra, and an editable copy of the package.
Without torch (``make test-notorch``), the tests of the network layer are not collected."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from rmtdiff.core.spectra import Gaussian

#: the tests that need torch: the network layer (rmtdiff.nets) and what trains, samples or keys
#: networks. tests/test_torch_free.py checks that every other test module collects without it.
NEEDS_TORCH = ["nets/*", "experiments/test_network_components.py", "experiments/test_sweep.py",
               "util/test_codehash.py", "test_bench_gpu_networks.py",
               "experiments/test_row_backend.py"]
try:
    import torch  # noqa: F401
    collect_ignore_glob = []
except ImportError:
    collect_ignore_glob = NEEDS_TORCH


def random_gaussian(rng: np.random.Generator, d: int, eigvals=None) -> Gaussian:
    """A Gaussian with a random orthonormal basis, a random mean and a power-law spectrum."""
    lam = np.logspace(0, -3, d) if eigvals is None else np.asarray(eigvals, float)
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return Gaussian(0.3 * rng.standard_normal(d), lam, U)


@pytest.fixture
def rng():
    return np.random.default_rng(20260229)


PACKAGE_DIR = Path(__file__).resolve().parents[1] / "lib" / "rmtdiff"


@pytest.fixture
def pkg(tmp_path):
    """A copy of lib/rmtdiff under tmp_path (for tests that edit the package's source)."""
    dest = tmp_path / "rmtdiff"
    shutil.copytree(PACKAGE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file ``path`` by ``new`` (an error if it is absent)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
