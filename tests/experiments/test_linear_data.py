"""The linear chapters' images from any dataset (rmtdiff.experiments.linear_data)."""

import numpy as np
import pytest

from rmtdiff import fit_gaussian, load_dataset, preset
from rmtdiff.experiments.linear_data import clip_sizes, population, population_and_held_out


def test_a_dataset_without_a_test_part_holds_out_its_last_images():
    every = load_dataset("digits")
    pop, held = population_and_held_out("digits", 3)
    np.testing.assert_array_equal(pop.images, every.images[:-3])
    np.testing.assert_array_equal(held.images, every.images[-3:])
    assert held.labels.tolist() == every.labels[-3:].tolist()
    assert "last 3" in held.source
    with pytest.raises(ValueError, match="not more than held_out = 1797"):
        population_and_held_out("digits", 1797)


def test_sizes_are_clipped_to_the_limit_in_order_without_repeats():
    cfg = preset("same_seed", "ci", dataset="digits")          # n_values (30, 300, 1000, 3000)
    new, note = clip_sizes(cfg, ["n_values", "grid_n"], 898, "images per split")
    assert new.n_values == (30, 300, 898) and new.grid_n == (30, 898)
    assert note == ("digits holds 898 images per split: n_values clipped from (30, 300, 1000, "
                    "3000) to (30, 300, 898); grid_n clipped from (30, 3000) to (30, 898)")
    # an int field, and nothing to clip
    cfg = preset("trajectories", "ci")
    assert clip_sizes(cfg, ["fm_n"], 500, "images")[0].fm_n == 500
    assert clip_sizes(cfg, ["fm_n"], 70_000, "images") == (cfg, "")


def test_a_limit_below_one_names_the_dataset():
    with pytest.raises(ValueError, match=r"limit must be >= 1; got 0 \(images of 'digits'\)"):
        clip_sizes(preset("kappa", "ci", dataset="digits"), ["fm_n"], 0, "images")


def test_population_completes_a_rank_deficient_basis_and_keeps_a_full_one(rng):
    X = rng.standard_normal((50, 6))
    full = population(X)
    g = fit_gaussian(X)
    np.testing.assert_array_equal(full.eigvecs, g.eigvecs)        # full rank: unchanged
    X[:, [1, 4]] = 0.5                                             # two pixels that never change
    p = population(X)
    assert p.eigvecs.shape == (6, 6) and p.eigvals[-2:].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(p.eigvecs.T @ p.eigvecs, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(p.covariance(), fit_gaussian(X).covariance(), atol=1e-12)
