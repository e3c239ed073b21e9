import numpy as np
import pytest

from rmtdiff.metrics import nearest_neighbours, pixel_mse


def test_nearest_neighbours_match_brute_force(rng):
    q, r = rng.standard_normal((7, 5)), rng.standard_normal((50, 5))
    brute = ((q[:, None] - r[None]) ** 2).sum(-1)
    for chunk in (1, 7, 64):
        idx, mse = nearest_neighbours(q, r, chunk=chunk)
        np.testing.assert_array_equal(idx, brute.argmin(1))
        np.testing.assert_allclose(mse, brute.min(1) / 5)


def test_pixel_mse_shapes():
    assert pixel_mse(np.zeros((2, 3, 4)), np.ones((2, 3, 4))).shape == (2, 3)
    with pytest.raises(ValueError, match="same shape"):
        pixel_mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="reference must have shape"):
        nearest_neighbours(np.zeros((1, 3)), np.zeros((0, 3)))
