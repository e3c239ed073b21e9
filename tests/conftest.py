"""Shared fixtures: small Gaussian models with known spectra."""

import numpy as np
import pytest

from rmtdiff.core.spectra import Gaussian


def random_gaussian(rng: np.random.Generator, d: int, eigvals=None) -> Gaussian:
    """A Gaussian with a random orthonormal basis, a random mean and a power-law spectrum."""
    lam = np.logspace(0, -3, d) if eigvals is None else np.asarray(eigvals, float)
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return Gaussian(0.3 * rng.standard_normal(d), lam, U)


@pytest.fixture
def rng():
    return np.random.default_rng(20260229)
