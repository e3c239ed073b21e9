"""Splits of a dataset: index arrays into its rows.

Conventions
-----------
* A split is an integer index array. "Contiguous" splits are the paper's index blocks
  ``[0, n)``, ``[n, 2n)``, ...; "random" splits are disjoint blocks of one seeded permutation.
* Kinds of split pairs (:data:`SPLIT_KINDS`): ``"iid"`` (two contiguous blocks: the datasets are
  stored in random order), and two moment-mismatched kinds stratified along the first principal
  component of the training set (the paper's counterfactual): ``"pc1-halves"`` (above vs below
  the median score) and ``"pc1-middle-tails"`` (between the quartiles vs the two outer quarters).
"""

from __future__ import annotations

import numpy as np

from ..util.checks import check_int
from .statistics import dataset_statistics

SPLIT_KINDS = ("iid", "pc1-halves", "pc1-middle-tails")


def disjoint_splits(n_total: int, n: int, k: int = 2, method: str = "contiguous",
                    rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """``k`` disjoint index sets of size ``n`` drawn from ``range(n_total)``.

    Parameters
    ----------
    n_total : int
        Rows available, ``>= 1``.
    n : int
        Rows per split, ``>= 1``, with ``k * n <= n_total``.
    k : int, optional
        Number of splits, ``>= 1`` (default 2).
    method : {"contiguous", "random"}
        ``"contiguous"``: blocks ``[j n, (j+1) n)`` (the paper's protocol). ``"random"``: blocks
        of one permutation drawn from ``rng`` (required).
    rng : numpy.random.Generator, optional
        Required for ``method="random"``, ignored otherwise.

    Returns
    -------
    list of ``k`` ndarray, each shape (n,), int64
        Disjoint indices into ``range(n_total)``.

    Raises
    ------
    ValueError
        If ``k * n > n_total`` or ``method`` is unknown.
    TypeError
        If ``method="random"`` and ``rng`` is not a ``numpy.random.Generator``.

    >>> [s.tolist() for s in disjoint_splits(10, 2)]
    [[0, 1], [2, 3]]
    """
    n_total = check_int(n_total, "n_total")
    n = check_int(n, "n")
    k = check_int(k, "k")
    if k * n > n_total:
        raise ValueError(f"k * n = {k} * {n} = {k * n} exceeds the {n_total} samples available; "
                         f"use n <= {n_total // k}")
    if method == "contiguous":
        order = np.arange(n_total)
    elif method == "random":
        if not isinstance(rng, np.random.Generator):
            raise TypeError("method='random' needs rng, a numpy.random.Generator")
        order = rng.permutation(n_total)
    else:
        raise ValueError(f"method must be 'contiguous' or 'random'; got {method!r}")
    return [order[j * n:(j + 1) * n] for j in range(k)]



def contiguous_pair(n_total: int, n: int) -> list[np.ndarray]:
    """The two contiguous splits ``[0, n)`` and ``[n, 2n)`` (clear error when 2n > n_total).

    Parameters
    ----------
    n_total : int
        Rows available.
    n : int
        Rows per split, ``2 n <= n_total``.

    Returns
    -------
    list of 2 ndarray, each shape (n,), int64

    >>> [s.tolist() for s in contiguous_pair(5, 2)]
    [[0, 1], [2, 3]]
    """
    return disjoint_splits(n_total, n, k=2, method="contiguous")


def pc1_scores(rows: np.ndarray) -> np.ndarray:
    r"""Every row's coordinate along the first principal component of ``rows`` (N, d), the
    component's sign fixed so that the sum of its entries is positive. Shape (N,).

    Parameters
    ----------
    rows : ndarray, shape (N, d)
        The rows (any real dtype; the statistics are float64 and not cached), ``N >= 2``.

    Returns
    -------
    ndarray, shape (N,), float64
        :math:`u_1^\top(x_j - \hat\mu)`, with :math:`u_1` the top eigenvector of the rows'
        covariance (divided by ``N``).

    >>> pc1_scores(np.array([[1.0, 1.0], [-1.0, -1.0], [0.0, 0.0]])).round(6).tolist()
    [1.414214, -1.414214, 0.0]
    """
    g = dataset_statistics(rows, cache_dir=False, show_progress=False)
    u = g.eigvecs[:, 0] * (1.0 if g.eigvecs[:, 0].sum() >= 0 else -1.0)
    return (np.asarray(rows, dtype=np.float64) - g.mean) @ u


def strata(scores: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The two halves a mismatched pair of ``kind`` is drawn from (index arrays), given every
    row's PC1 score (see the module's conventions).

    Parameters
    ----------
    scores : ndarray, shape (N,), float
        Every row's PC1 score (:func:`pc1_scores`).
    kind : {"pc1-halves", "pc1-middle-tails"}
        ``"pc1-halves"``: scores above the median vs the rest; ``"pc1-middle-tails"``: scores in
        ``(q_{1/4}, q_{3/4}]`` vs the rest.

    Returns
    -------
    inside, outside : ndarray, shape (N_a,) and (N - N_a,), int64
        Sorted row indices of the two strata.

    >>> [s.tolist() for s in strata(np.arange(4.0), "pc1-halves")]
    [[2, 3], [0, 1]]
    """
    if kind == "pc1-halves":
        inside = scores > np.median(scores)
    elif kind == "pc1-middle-tails":
        lo, hi = np.quantile(scores, [0.25, 0.75])
        inside = (scores > lo) & (scores <= hi)
    else:
        raise ValueError(f"kind must be one of {SPLIT_KINDS[1:]} for strata; got {kind!r}")
    return np.flatnonzero(inside), np.flatnonzero(~inside)


def split_pair(n_total: int, n: int, kind: str = "iid", seed: int = 0,
               scores: np.ndarray | None = None) -> list[np.ndarray]:
    """The two disjoint splits of ``n`` of ``n_total`` rows of a kind: for a stratified kind,
    ``n`` rows drawn without replacement from each stratum of ``scores`` (the rows' PC1 scores,
    required), a draw seeded by ``(seed, kind, n)``.

    Parameters
    ----------
    n_total : int
        Rows available.
    n : int
        Rows per split.
    kind : str, optional
        One of :data:`SPLIT_KINDS` (default ``"iid"``: :func:`contiguous_pair`, ``seed`` unused).
    seed : int, optional
        Seed of the stratified draw (default 0).
    scores : ndarray, shape (n_total,), optional
        The rows' PC1 scores (:func:`pc1_scores`), required for a stratified kind.

    Returns
    -------
    list of 2 ndarray, each shape (n,), int64, sorted
        The two splits; for a stratified kind the first is drawn from the ``inside`` stratum of
        :func:`strata`, the second from the ``outside`` one.

    Raises
    ------
    ValueError
        An unknown ``kind``, missing or mis-sized ``scores``, or ``n`` larger than a stratum.

    >>> [s.tolist() for s in split_pair(6, 3)]
    [[0, 1, 2], [3, 4, 5]]
    """
    if kind not in SPLIT_KINDS:
        raise ValueError(f"kind must be one of {SPLIT_KINDS}; got {kind!r}")
    if kind == "iid":
        return contiguous_pair(n_total, n)
    if scores is None or len(scores) != n_total:
        raise ValueError(f"kind {kind!r} needs scores, the PC1 score of each of the {n_total} rows")
    a, b = strata(scores, kind)
    if n > min(len(a), len(b)):
        raise ValueError(f"n = {n} exceeds the {min(len(a), len(b))} images of the smaller "
                         f"stratum of {kind!r}; use n <= {min(len(a), len(b))}")
    rng = np.random.default_rng([seed, SPLIT_KINDS.index(kind), n])
    return [np.sort(rng.choice(a, n, replace=False)), np.sort(rng.choice(b, n, replace=False))]
