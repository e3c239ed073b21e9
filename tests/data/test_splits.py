"""Disjoint splits and split pairs of a dataset."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from rmtdiff.data.splits import disjoint_splits, pc1_scores, split_pair


def test_contiguous_splits():
    a, b = disjoint_splits(10, 3)
    assert a.tolist() == [0, 1, 2] and b.tolist() == [3, 4, 5]


@given(st.integers(1, 50), st.integers(1, 5), st.integers(0, 10))
def test_random_splits_are_disjoint(n, k, extra):
    splits = disjoint_splits(n * k + extra, n, k, "random", np.random.default_rng(n))
    joined = np.concatenate(splits)
    assert len(np.unique(joined)) == n * k and all(len(s) == n for s in splits)


def test_split_validation():
    with pytest.raises(ValueError, match="exceeds the 10 samples"):
        disjoint_splits(10, 6)
    with pytest.raises(TypeError, match="needs rng"):
        disjoint_splits(10, 2, method="random")
    with pytest.raises(ValueError, match="method must be"):
        disjoint_splits(10, 2, method="stratified")


def test_stratified_pairs_come_from_their_strata():
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((400, 5)) * [3.0, 1, 1, 1, 1]
    scores = pc1_scores(rows)
    a, b = split_pair(400, 50, "pc1-halves", 0, scores)
    assert scores[a].min() > np.median(scores) >= scores[b].max()
    a, b = split_pair(400, 50, "pc1-middle-tails", 0, scores)
    lo, hi = np.quantile(scores, [0.25, 0.75])
    assert np.all((scores[a] > lo) & (scores[a] <= hi))
    assert np.all((scores[b] <= lo) | (scores[b] > hi))
    with pytest.raises(ValueError, match="needs scores"):
        split_pair(400, 50, "pc1-halves")
    with pytest.raises(ValueError, match="exceeds the 200 images"):
        split_pair(400, 201, "pc1-halves", 0, scores)
