"""The container of every reader."""

import numpy as np
import pytest

from rmtdiff.data import to_unit_range


def test_unit_range():
    np.testing.assert_array_equal(to_unit_range(np.array([0, 255], np.uint8)), [-1.0, 1.0])
    with pytest.raises(TypeError, match="uint8"):
        to_unit_range(np.array([0.5]))
