import numpy as np

from conftest import random_gaussian
from rmtdiff.experiments.linear_consistency import linear_consistency


def test_same_seed_disagreement_falls_like_one_over_n(rng):
    """Gaussian data, d = 10, 30 random split pairs at n = 100 and n = 800 (x8). Once n >> d the
    cross-split MSE of the linear images falls like 1/n, so the mean MSE should drop by about 8.
    The Monte-Carlo relative spread of one pair's MSE is 0.36 (n = 100) and 0.60 (n = 800), so the
    ratio of 30-pair means has a standard error of about 13%: we accept [5, 11], 8 +- 3 standard
    errors (measured: 6.8)."""
    g = random_gaussian(rng, 10)
    X = g.mean + rng.standard_normal((7000, 10)) * np.sqrt(g.eigvals) @ g.eigvecs.T
    split_rng = np.random.default_rng(1)
    runs = [linear_consistency(X, [100, 800], range(50), method="random", rng=split_rng,
                               show_progress=False) for _ in range(30)]
    cross = np.array([r.cross_split_mse.mean(1) for r in runs]).mean(0)
    assert 5 < cross[0] / cross[1] < 11, cross
    res = runs[0]
    assert res.samples.shape == (2, 2, 50, 10) and res.own_nn_index.shape == (2, 2, 50)
    # each split's image is closer to the population image than to the other split's (on average)
    pop = np.array([r.population_mse.mean(-1) for r in runs]).mean(0)
    assert np.all(pop < cross[:, None])


def test_deterministic(rng):
    X = rng.standard_normal((100, 6))
    a = linear_consistency(X, [20], [1, 2], method="random", rng=np.random.default_rng(3), show_progress=False)
    b = linear_consistency(X, [20], [1, 2], method="random", rng=np.random.default_rng(3), show_progress=False)
    np.testing.assert_array_equal(a.samples, b.samples)
