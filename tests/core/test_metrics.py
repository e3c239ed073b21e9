import numpy as np
import pytest

from rmtdiff.core import metrics
from rmtdiff.core.metrics import nearest_neighbours, pixel_mse


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


def test_two_nearest_matches_brute_force():
    rng = np.random.default_rng(0)
    q, r = rng.standard_normal((7, 5)), rng.standard_normal((50, 5))
    idx, mse = metrics.two_nearest(q, r, chunk=8)
    d = ((q[:, None] - r[None]) ** 2).mean(-1)
    order = np.argsort(d, 1)[:, :2]
    assert np.array_equal(idx, order)
    assert np.allclose(mse, np.take_along_axis(d, order, 1))


def test_memorisation_fraction_of_copies_and_of_fresh_samples():
    rng = np.random.default_rng(1)
    train = rng.standard_normal((200, 64))
    copies = train[:20] + 1e-3 * rng.standard_normal((20, 64))
    assert metrics.memorisation_fraction(copies, train) == 1.0
    assert metrics.memorisation_fraction(rng.standard_normal((20, 64)), train) == 0.0
    with pytest.raises(ValueError, match="ratio must be in"):
        metrics.memorisation_fraction(copies, train, ratio=1.5)


def test_bands_add_up_to_the_pixel_mse():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 16)), rng.standard_normal((4, 16))
    q, _ = np.linalg.qr(rng.standard_normal((16, 16)))
    bands = metrics.band_mse(a, b, q, [0, 3, 9, 16])
    assert np.allclose(bands.sum(1), metrics.pixel_mse(a, b))
    with pytest.raises(ValueError, match="edges must increase"):
        metrics.band_mse(a, b, q, [0, 20])


def test_mode_variance_of_independent_coordinates():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20000, 3)) * np.array([3.0, 1.0, 0.1])
    assert np.allclose(metrics.mode_variance(x, np.zeros(3), np.eye(3)), [9.0, 1.0, 0.01],
                       rtol=0.05)
