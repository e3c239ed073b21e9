"""Nearest-neighbour statistics of the networks' samples (rmtdiff.experiments.memorisation)."""

import numpy as np
import pytest

from rmtdiff.experiments.memorisation import nearest_statistics


def setting(rng, n=40, d=12, seeds=25):
    train = rng.standard_normal((4 * n, d))
    held = rng.standard_normal((n, d))
    pairs = {n: (np.arange(n), np.arange(n, 2 * n)), n // 2: (np.arange(2 * n, 2 * n + n // 2),
                                                           np.arange(3 * n, 3 * n + n // 2))}
    samples = {}
    for m in pairs:
        for split in (1, 2):
            own = train[pairs[m][split - 1]]
            # "copy": each sample is an image of its own split, barely perturbed;
            # "fresh": new draws from the same distribution
            pick = rng.integers(0, len(own), seeds)
            samples["copy", m, split] = own[pick] + 1e-3 * rng.standard_normal((seeds, d))
            samples["fresh", m, split] = rng.standard_normal((seeds, d))
    return train, held, pairs, samples


def test_a_copying_model_is_told_from_a_generalising_one(rng):
    train, held, pairs, samples = setting(rng)
    st = nearest_statistics(samples, train, held, pairs)
    assert st.models == ("copy", "fresh")
    assert st.n_values.tolist() == list(pairs)
    np.testing.assert_array_equal(st.memorisation_by_n("copy"), 1.0)
    assert np.all(st.memorisation_by_n("fresh") < 0.2)
    assert np.all(st.own_over_other("copy") < 1e-4)
    assert np.all(st.own_over_held("copy") < 1e-4)
    assert np.all(np.abs(st.own_over_other("fresh") - 1) < 0.5)


def test_nearest_images_are_the_copied_training_rows(rng):
    train, held, pairs, samples = setting(rng)
    st = nearest_statistics(samples, train, held, pairs)
    images = st.nearest_images(train)
    for (m, n, split), idx in st.own_index.items():
        assert np.isin(idx, pairs[n][split - 1]).all()        # rows of the sample's own split
        if m == "copy":
            np.testing.assert_allclose(images[m, n, split], samples[m, n, split], atol=1e-2)
    # the MSEs are those of the nearest rows found
    key = ("fresh", 40, 2)
    np.testing.assert_allclose(st.own_mse[key],
                               ((samples[key] - train[st.own_index[key]]) ** 2).mean(1))


def test_held_out_comparison_uses_the_first_n_images(rng):
    train, held, pairs, samples = setting(rng)
    st = nearest_statistics(samples, train, held, pairs)
    key = ("fresh", 20, 1)
    first = ((samples[key][:, None] - held[None, :20]) ** 2).mean(-1).min(1)
    np.testing.assert_allclose(st.held_mse[key], first)


def test_bad_input_names_the_argument(rng):
    train, held, pairs, samples = setting(rng)
    with pytest.raises(ValueError, match="samples lacks"):
        nearest_statistics({k: v for k, v in samples.items() if k != ("copy", 20, 2)},
                           train, held, pairs)
    with pytest.raises(ValueError, match="whose n is not in pairs"):
        nearest_statistics({**samples, ("copy", 7, 1): samples["copy", 20, 1]},
                           train, held, pairs)
    with pytest.raises(ValueError, match="held_out rows have 3 pixels"):
        nearest_statistics(samples, train, held[:, :3], pairs)
    with pytest.raises(ValueError, match=r"samples\[\('copy', 40, 1\)\] rows have"):
        nearest_statistics({**samples, ("copy", 40, 1): samples["copy", 40, 1][:, :5]},
                           train, held, pairs)


def test_a_model_not_trained_at_some_n_gives_nan_there(rng):
    train, held, pairs, samples = setting(rng)
    n_last = max(pairs)
    fewer = {k: v for k, v in samples.items() if not (k[0] == "copy" and k[1] == n_last)}
    st = nearest_statistics(fewer, train, held, pairs)
    memo = st.memorisation_by_n("copy")
    assert np.isnan(memo[list(pairs).index(n_last)]) and np.isfinite(memo).sum() == len(pairs) - 1
    assert np.isnan(st.own_over_other("copy")[list(pairs).index(n_last)])
