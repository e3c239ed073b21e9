r"""Monte-Carlo engine: many independent splits and their empirical eigen-decompositions.

Conventions as in :mod:`rmtdiff.theory.kappa`: the population is :math:`\mathcal N(0, \Sigma)` with
``eigs`` the eigenvalues of :math:`\Sigma`, *expressed in its own eigenbasis* (so
:math:`\Sigma = \mathrm{diag}(\lambda)` and eigenvector coordinates are population-mode
coordinates); each split holds ``n`` i.i.d. samples and, with the mean known,
:math:`\hat\Sigma = X^\top X/n`. Every split is returned as a :class:`rmtdiff.core.spectra.Gaussian`
with zero mean, its non-zero eigenvalues and eigenvectors (a thin basis from the ``n x n`` Gram
matrix when ``n < d``).

Real data enter through :func:`data_splits`: rows drawn from a dataset, centred at the
population mean and rotated into the population eigenbasis, then decomposed the same way.

Reproducibility: all draws come from the ``numpy.random.Generator`` passed in; the same generator
state gives the same splits. These are the Monte-Carlo points the book's chapters (``kappa``,
``fluctuations``, ``trajectories``, ``non-gaussian``) set against the laws of
:mod:`rmtdiff.theory`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_eigs, check_int
from ..util.progress import progress

from ..core.spectra import Gaussian, eig_from_rows, nonzero_eigh


def gaussian_split(eigs: ArrayLike, n: int, rng: np.random.Generator) -> Gaussian:
    r"""One split of ``n`` samples from :math:`\mathcal N(0,\mathrm{diag}(\lambda))`, decomposed.

    :math:`X = G\,\mathrm{diag}(\sqrt\lambda)` with :math:`G` an ``(n, d)`` standard normal matrix,
    and the non-zero eigenpairs of :math:`\hat\Sigma = X^\top X/n`
    (:func:`~rmtdiff.core.spectra.eig_from_rows`).

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : int
        Samples in the split, ``>= 1``.
    rng : numpy.random.Generator
        The source of the draw (advanced by ``n * d`` normals).

    Returns
    -------
    Gaussian
        Mean zero, eigenvalues (r,), eigenvectors (d, r) in population-mode coordinates,
        ``r <= min(n, d)``.

    >>> gaussian_split(np.ones(5), 3, np.random.default_rng(0)).eigvecs.shape
    (5, 3)
    """
    lam = check_eigs(eigs)
    n = check_int(n, "n")
    X = rng.standard_normal((n, lam.size)) * np.sqrt(lam)
    w, U = eig_from_rows(X)
    return Gaussian(np.zeros(lam.size), w, U)


def gaussian_splits(eigs: ArrayLike, n: int, n_splits: int, rng: np.random.Generator,
                    show_progress: bool = False) -> Iterator[Gaussian]:
    """``n_splits`` independent :func:`gaussian_split` draws (a generator, with a progress bar).

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : int
        Samples per split, ``>= 1``.
    n_splits : int
        Number of splits, ``>= 1`` (checked when iteration starts).
    rng : numpy.random.Generator
        Shared by all draws, in order.
    show_progress : bool, optional
        Show a progress bar (default False).

    Yields
    ------
    Gaussian
        As :func:`gaussian_split`. Lazy: nothing is drawn until the generator is iterated.

    >>> len(list(gaussian_splits(np.ones(4), 2, 3, np.random.default_rng(0))))
    3
    """
    n_splits = check_int(n_splits, "n_splits")
    for _ in progress(range(n_splits), f"splits (n={n})", show_progress):
        yield gaussian_split(eigs, n, rng)


def data_splits(X: ArrayLike, population: Gaussian, n: int, n_splits: int,
                rng: np.random.Generator, replace: bool = True, own_mean: bool = False,
                show_progress: bool = False) -> Iterator[Gaussian]:
    r"""Splits of a real dataset in population-mode coordinates, with the population mean known.

    Each split draws ``n`` rows of ``X``, i.i.d. with replacement by default (i.i.d. sampling from
    the dataset's empirical distribution, the setting of the theory; with ``replace=False`` rows
    are distinct, as in disjoint splits of a finite dataset), forms
    :math:`Y = (X_{\text{split}} - \mu) U` and decomposes :math:`Y^\top Y/n`.

    Parameters
    ----------
    X : array_like, shape (N, d)
        The dataset, one flattened image per row.
    population : Gaussian
        Mean :math:`\mu` and a full eigenbasis :math:`U` (d, d) of the population covariance.
    n : int
        Rows per split, ``>= 1`` (``<= N`` when ``replace=False``).
    n_splits : int
        Number of splits, ``>= 1``.
    rng : numpy.random.Generator
        Draws the rows of every split, in order.
    replace : bool, optional
        Draw with replacement (default True); ``False`` makes the rows of one split distinct.
    own_mean : bool
        Centre each split at its own mean instead (as a model trained on it would); the returned
        Gaussian then carries that mean, :math:`(\hat\mu - \mu) U`, in population coordinates.
    show_progress : bool, optional
        Show a progress bar (default False).

    Yields
    ------
    Gaussian
        Mean (d,) (zero unless ``own_mean``), eigenvalues (r,) and eigenvectors (d, r) in
        population-mode coordinates, float64. Lazy: the arguments are checked when iteration
        starts.
    """
    X = as_array(X, "X", ndim=2)
    if population.eigvecs.shape != (X.shape[1], X.shape[1]):
        raise ValueError("population must carry a full (d, d) eigenbasis to rotate into; got "
                         f"{population.eigvecs.shape} for d = {X.shape[1]}")
    n = check_int(n, "n")
    n_splits = check_int(n_splits, "n_splits")
    if not replace and n > len(X):
        raise ValueError(f"n = {n} exceeds the {len(X)} rows of X (replace=False)")
    for _ in progress(range(n_splits), f"data splits (n={n})", show_progress):
        idx = rng.choice(len(X), size=n, replace=replace)
        rows = X[idx]
        centre = rows.mean(0) if own_mean else population.mean
        split = _rotated_split(rows - centre, population.eigvecs)
        yield Gaussian((centre - population.mean) @ population.eigvecs, split.eigvals, split.eigvecs) \
            if own_mean else split


def _rotated_split(Xc: np.ndarray, U: np.ndarray) -> Gaussian:
    """Eigen-decomposition of Xc^T Xc / n expressed in the basis U: through the rotated rows when
    n < d (Gram path), else by rotating the d x d covariance (cheaper than rotating n rows)."""
    n, d = Xc.shape
    if n < d:
        w, V = eig_from_rows(Xc @ U)
    else:
        w, V = nonzero_eigh(U.T @ (Xc.T @ Xc / n) @ U)
    return Gaussian(np.zeros(d), w, V)


def mc_mean(statistic: Callable[[Gaussian], Any], splits: Iterable[Gaussian]
            ) -> tuple[np.ndarray, np.ndarray] | tuple[dict[Any, np.ndarray], dict[Any, np.ndarray]]:
    r"""Mean of ``statistic(split)`` over ``splits`` and its standard error (ddof = 1).

    ``statistic`` returns an array, or a dict of arrays (several statistics of the same splits,
    computed in one pass); the result has the same structure. With :math:`N` splits,
    :math:`\bar v = \frac1N\sum_i v_i` and
    :math:`\mathrm{se} = \sqrt{(\overline{v^2} - \bar v^2)/(N-1)}`.

    Parameters
    ----------
    statistic : callable
        ``statistic(split)`` for a :class:`~rmtdiff.core.spectra.Gaussian` split, returning an
        array_like of a fixed shape, or a dict of them.
    splits : iterable of Gaussian
        At least 2 splits (e.g. :func:`gaussian_splits`); consumed once, one at a time.

    Raises
    ------
    ValueError
        If ``splits`` yields fewer than 2 splits.

    >>> mean, se = mc_mean(lambda g: g.eigvals.sum(), gaussian_splits(np.ones(3), 50, 20,
    ...                                                             np.random.default_rng(0)))
    >>> mean.shape, bool(abs(mean - 3) < 5 * se)
    ((), True)

    Returns
    -------
    mean, stderr : ndarrays of the statistic's shape, float64 (or dicts of them)
    """
    total = total_sq = None
    count = 0
    for split in splits:
        value = statistic(split)
        v = {k: np.asarray(a, dtype=np.float64) for k, a in value.items()} \
            if isinstance(value, dict) else {None: np.asarray(value, dtype=np.float64)}
        if total is None:
            total = {k: a.copy() for k, a in v.items()}
            total_sq = {k: a * a for k, a in v.items()}
        else:
            for k, a in v.items():
                total[k] += a
                total_sq[k] += a * a
        count += 1
    if count < 2:
        raise ValueError(f"mc_mean needs at least 2 splits; got {count}")
    mean = {k: t / count for k, t in total.items()}
    se = {k: np.sqrt(np.maximum(total_sq[k] / count - mean[k] ** 2, 0.0) / (count - 1))
          for k in total}
    return (mean[None], se[None]) if None in mean else (mean, se)


def mc_variance(statistic: Callable[[Gaussian], ArrayLike],
                splits: Iterable[Gaussian]) -> tuple[np.ndarray, np.ndarray]:
    r"""Variance over ``splits`` of ``statistic(split)`` (ddof = 1) and its standard error
    :math:`\sqrt{(\hat m_4 - \hat v^2)/N}` (:math:`\hat m_4` the fourth central moment).

    Holds all ``N`` values in memory (``N`` times the statistic's size).

    Parameters
    ----------
    statistic : callable
        ``statistic(split)`` for a :class:`~rmtdiff.core.spectra.Gaussian` split, returning an
        array_like of a fixed shape.
    splits : iterable of Gaussian
        At least 2 splits.

    Returns
    -------
    var, stderr : ndarrays of the statistic's shape, float64

    Raises
    ------
    ValueError
        If ``splits`` yields fewer than 2 splits.

    >>> var, se = mc_variance(lambda g: g.eigvals.sum(), gaussian_splits(np.ones(2), 10, 5,
    ...                                                                np.random.default_rng(0)))
    >>> var.shape, bool(var > 0)
    ((), True)
    """
    values = np.array([np.asarray(statistic(sp), dtype=np.float64) for sp in splits])
    if len(values) < 2:
        raise ValueError(f"mc_variance needs at least 2 splits; got {len(values)}")
    centred = values - values.mean(0)
    var = (centred**2).sum(0) / (len(values) - 1)
    m4 = (centred**4).mean(0)
    return var, np.sqrt(np.maximum(m4 - var**2, 0.0) / len(values))


def gain_diagonal(split: Gaussian, s: ArrayLike) -> np.ndarray:
    r"""Diagonal, in population-mode coordinates, of the split's denoiser gain
    :math:`\hat\Sigma(\hat\Sigma + s)^{-1}`: :math:`\sum_j \hat u_{kj}^2\,\hat\lambda_j/(\hat\lambda_j+s)`.

    Parameters
    ----------
    split : Gaussian (eigenvectors in population-mode coordinates)
        A split of :func:`gaussian_split` or :func:`data_splits`, eigenvectors (d, r).
    s : float or array_like, shape (S,)
        Ridges :math:`s = \sigma^2` (not checked).

    Returns
    -------
    ndarray, shape ``s.shape + (d,)``, float64
        Its mean over many Gaussian splits approaches :func:`rmtdiff.theory.kappa.denoiser_gain`
        (the deterministic equivalent; book eq. ``gain-drop``, chapter ``kappa``).

    >>> g = Gaussian(np.zeros(2), np.array([1.0]), np.array([[1.0], [0.0]]))
    >>> gain_diagonal(g, 1.0)
    array([0.5, 0. ])
    """
    s = np.asarray(s, dtype=np.float64)
    w = split.eigvals
    return ((w / (w + s[..., None])) @ (split.eigvecs**2).T)
