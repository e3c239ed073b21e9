"""Datasets shipped inside packages, by name."""

import numpy as np
import pytest

from rmtdiff.data import load_dataset, load_photo_patches


def test_digits():
    ds = load_dataset("digits")
    assert ds.images.shape == (1797, 8, 8) and ds.images.min() == -1 and ds.images.max() == 1


def test_unknown_dataset():
    with pytest.raises(FileNotFoundError, match="neither a known name"):
        load_dataset("cifar")


def test_photo_patches_by_name():
    ds = load_dataset("photo-patches", size=6)
    direct = load_photo_patches(6, 3)
    assert ds.images.shape == direct.images.shape and ds.name == "photo-patches"
    np.testing.assert_array_equal(ds.images, direct.images)
