r"""What the same-seed disagreement of trained networks is made of: data, optimisation, and the
two together (chapter 5, ``book/05_networks.md``).

Model
-----
A network trained on split :math:`S` with training seed :math:`w` (its initial weights,
minibatches and noise) maps the sampling seed :math:`z` to

.. math::
   x(S, w; z) = m(z) + a_S(z) + b_w(z) + c_{Sw}(z),

with :math:`a` (what the split's data decide), :math:`b` (what the training seed decides
whatever the data) and :math:`c` (their interaction) independent, zero-mean over the draw of
splits and seeds, with per-pixel variances :math:`\sigma_a^2(z), \sigma_b^2(z), \sigma_c^2(z)`.
Per-pixel MSEs between two runs then have the expectations

.. math::
   F &= \mathbb E\,\mathrm{MSE}\bigl(x(S,w), x(S,w')\bigr) = 2(\sigma_b^2 + \sigma_c^2)
        &&\text{same split, different seeds (the optimisation floor)}\\
   U &= \mathbb E\,\mathrm{MSE}\bigl(x(S,w), x(S',w')\bigr) = 2(\sigma_a^2 + \sigma_b^2 + \sigma_c^2)
        &&\text{different splits and seeds (the paper's protocol)}\\
   P &= \mathbb E\,\mathrm{MSE}\bigl(x(S,w), x(S',w)\bigr) = 2(\sigma_a^2 + \sigma_c^2)
        &&\text{different splits, the same seed}

so that :math:`U - F = 2\sigma_a^2` is the data part (what the theory of disjoint splits is
about), :math:`U - P = 2\sigma_b^2` what a shared seed cancels, and :math:`F + P - U =
2\sigma_c^2` the interaction.

Conventions
-----------
* ``samples`` maps a run's ``(split, seed)`` to its images of the seed bank, shape ``(S, d)``
  (every run of one architecture and split size); distances are per-pixel MSEs per seed
  (:func:`rmtdiff.core.metrics.pixel_mse`), or any function of two ``(S, d)`` arrays that returns
  one value per seed (``(S,)``) or per seed and band (``(S, B)``).
* Each unordered pair of runs is one *replicate* of its comparison: the crossed design of two
  splits x two seeds has two of each of F, U and P.
* Intervals are percentile bootstraps over the sampling seeds (the networks held fixed); they do
  not include the variation from one draw of splits and training seeds to another, which the
  spread between replicates shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata

from ..core.metrics import pixel_mse
from ..util.checks import as_array

COMPARISONS = ("F", "U", "P")
Run = tuple[int, int]            # (split, training seed)


def comparison(a: Run, b: Run) -> str | None:
    """Which comparison two runs make: ``"F"``, ``"U"``, ``"P"``, or None for the same run.

    Parameters
    ----------
    a, b : tuple of (int, int)
        ``(split, training seed)`` of each run.

    Returns
    -------
    str or None

    >>> comparison((1, 1), (1, 2)), comparison((1, 1), (2, 2)), comparison((1, 1), (2, 1))
    ('F', 'U', 'P')
    """
    same_split, same_seed = a[0] == b[0], a[1] == b[1]
    if same_split and same_seed:
        return None
    return "F" if same_split else ("P" if same_seed else "U")


@dataclass(frozen=True)
class Components:
    """The three comparisons of one architecture at one split size.

    Attributes
    ----------
    replicates : dict of str to list of ndarray
        ``"F"``, ``"U"``, ``"P"`` to one array per pair of runs, each ``(S,)`` or ``(S, B)``
        (the distance per seed, or per seed and band); a comparison the design lacks has an
        empty list.
    pairs : dict of str to list of (Run, Run)
        The runs of each replicate, in the same order.
    """

    replicates: dict[str, list[np.ndarray]]
    pairs: dict[str, list[tuple[Run, Run]]]

    def has(self, name: str) -> bool:
        """Whether the design measured comparison ``name``.

        Parameters
        ----------
        name : str
            ``"F"``, ``"U"`` or ``"P"``.

        Returns
        -------
        bool
        """
        return len(self.replicates[name]) > 0

    def per_seed(self, name: str) -> np.ndarray:
        """The mean over the replicates of ``name``, per seed (and band); NaN if absent.

        Parameters
        ----------
        name : str
            ``"F"``, ``"U"``, ``"P"``, or ``"U-F"`` (the data part), ``"U-P"`` (the seed part),
            ``"F+P-U"`` (the interaction).

        Returns
        -------
        ndarray, shape (S,) or (S, B)
        """
        if name in COMPARISONS:
            reps = self.replicates[name]
            if not reps:
                shape = next(r for v in self.replicates.values() for r in v).shape
                return np.full(shape, np.nan)
            return np.mean(reps, axis=0)
        parts = {"U-F": ("U", "F", None), "U-P": ("U", "P", None), "F+P-U": ("F", "P", "U")}
        if name not in parts:
            raise ValueError(f"name must be one of {COMPARISONS + tuple(parts)}; got {name!r}")
        a, b, c = parts[name]
        if c is None:
            return self.per_seed(a) - self.per_seed(b)
        return self.per_seed(a) + self.per_seed(b) - self.per_seed(c)

    def split_halves(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Two estimates of ``name`` per seed from disjoint halves of the replicates (the first
        and the second replicate of each comparison it uses), for a noise ceiling.

        Parameters
        ----------
        name : str
            As for :meth:`per_seed`; every comparison it uses needs two replicates.

        Returns
        -------
        tuple of 2 ndarray, each shaped as :meth:`per_seed`

        Raises
        ------
        ValueError
            If a comparison it uses has fewer than two replicates.
        """
        uses = {"F": "F", "U": "U", "P": "P", "U-F": "UF", "U-P": "UP", "F+P-U": "FPU"}[name]
        for c in uses:
            if len(self.replicates[c]) < 2:
                raise ValueError(f"{name} needs two replicates of {c}; the design has "
                                 f"{len(self.replicates[c])}")
        half = [Components({c: [v[i]] if c in uses else [] for c, v in self.replicates.items()},
                           {c: [v[i]] if c in uses else [] for c, v in self.pairs.items()})
                for i in (0, 1)]
        return half[0].per_seed(name), half[1].per_seed(name)


def components(samples: Mapping[Run, ArrayLike],
               distance: Callable[[np.ndarray, np.ndarray], np.ndarray] = pixel_mse
               ) -> Components:
    """Every pair of runs, grouped by the comparison it makes.

    Parameters
    ----------
    samples : mapping of (split, seed) to array_like, shape (S, d)
        Each run's images of the seed bank (one architecture, one split size).
    distance : callable, optional
        ``distance(x, y)`` for two ``(S, d)`` arrays: one value per seed ``(S,)``, or per seed
        and band ``(S, B)`` (default :func:`rmtdiff.core.metrics.pixel_mse`).

    Returns
    -------
    Components
        Pairs in the order of ``samples``' keys.

    Raises
    ------
    ValueError
        Fewer than two runs, or runs of different shapes.
    """
    runs = {tuple(int(v) for v in k): as_array(x, "samples", ndim=2) for k, x in samples.items()}
    if len(runs) < 2:
        raise ValueError(f"samples needs at least two runs; got {len(runs)}")
    shapes = {x.shape for x in runs.values()}
    if len(shapes) != 1:
        raise ValueError(f"every run's samples must have one shape (S, d); got {sorted(shapes)}")
    reps = {c: [] for c in COMPARISONS}
    pairs = {c: [] for c in COMPARISONS}
    for a, b in itertools.combinations(runs, 2):
        c = comparison(a, b)
        reps[c].append(np.asarray(distance(runs[a], runs[b]), dtype=np.float64))
        pairs[c].append((a, b))
    return Components(reps, pairs)


def bootstrap_mean(x: ArrayLike, level: float = 0.95, n_boot: int = 2000,
                   seed: int = 0) -> tuple[float, float, float]:
    """The mean over seeds of ``x`` and its percentile-bootstrap interval (resampling seeds).

    Parameters
    ----------
    x : array_like, shape (S,)
        One value per seed.
    level : float, optional
        Coverage of the interval (default 0.95).
    n_boot : int, optional
        Bootstrap resamples (default 2000).
    seed : int, optional
        Seed of the resampling generator (default 0).

    Returns
    -------
    mean, low, high : float

    >>> m, lo, hi = bootstrap_mean(np.arange(100.0))
    >>> m, lo < m < hi
    (49.5, True)
    """
    x = as_array(x, "x", ndim=1)
    idx = np.random.default_rng(seed).integers(0, len(x), (n_boot, len(x)))
    means = x[idx].mean(1)
    q = (1 - level) / 2
    return float(x.mean()), float(np.quantile(means, q)), float(np.quantile(means, 1 - q))


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    rx, ry = rankdata(x, axis=-1), rankdata(y, axis=-1)
    rx -= rx.mean(-1, keepdims=True)
    ry -= ry.mean(-1, keepdims=True)
    return (rx * ry).sum(-1) / np.sqrt((rx**2).sum(-1) * (ry**2).sum(-1))


def rank_correlation(x: ArrayLike, y: ArrayLike, level: float = 0.95, n_boot: int = 2000,
                     seed: int = 0) -> tuple[float, float, float]:
    """Spearman's rank correlation of ``x`` and ``y`` over seeds, with a percentile-bootstrap
    interval (resampling seeds in pairs).

    Parameters
    ----------
    x, y : array_like, shape (S,)
        Paired values, one per seed.
    level : float, optional
        Coverage (default 0.95).
    n_boot : int, optional
        Bootstrap resamples (default 2000).
    seed : int, optional
        Seed of the resampling generator (default 0).

    Returns
    -------
    rho, low, high : float

    Raises
    ------
    ValueError
        ``x`` and ``y`` of different lengths, or fewer than 3 seeds.
    """
    x, y = as_array(x, "x", ndim=1), as_array(y, "y", ndim=1)
    if len(x) != len(y) or len(x) < 3:
        raise ValueError(f"x and y need the same length of at least 3; got {len(x)} and {len(y)}")
    idx = np.random.default_rng(seed).integers(0, len(x), (n_boot, len(x)))
    boots = _spearman_rows(x[idx], y[idx])
    q = (1 - level) / 2
    return (float(_spearman_rows(x, y)), float(np.nanquantile(boots, q)),
            float(np.nanquantile(boots, 1 - q)))


def noise_ceiling(half1: ArrayLike, half2: ArrayLike) -> float:
    r"""How high a rank correlation a noiseless predictor can reach with the mean of two
    independent half-measurements of a per-seed quantity.

    The halves must be independent: for ``U`` and ``F`` of the crossed design they are (their
    two replicates share no run); the halves of ``U - F`` share runs with opposite signs, which
    makes their noise anti-correlated and this estimate too low (a predictor can then exceed it).

    With :math:`r` the rank correlation of the two halves (the reliability of one half), the
    mean of both has reliability :math:`2r/(1+r)` (Spearman-Brown), and a predictor that knew the
    true value exactly would correlate with it by the square root of that. Zero when the halves
    do not correlate (the measurement is noise).

    Parameters
    ----------
    half1, half2 : array_like, shape (S,)
        The two estimates per seed (:meth:`Components.split_halves`).

    Returns
    -------
    float
        In ``[0, 1]``.

    >>> round(noise_ceiling(np.arange(10.0), np.arange(10.0)), 6)
    1.0
    """
    r = float(_spearman_rows(as_array(half1, "half1", ndim=1), as_array(half2, "half2", ndim=1)))
    r = max(r, 0.0)
    return float(np.sqrt(2 * r / (1 + r)))


def deviation_identity(x1: ArrayLike, x2: ArrayLike, lin1: ArrayLike, lin2: ArrayLike
                       ) -> dict[str, float]:
    r"""The paper's test "seeds closer to the linear image agree more", taken apart.

    With each sample written as its split's linear image plus a deviation,
    :math:`x_i = L_i + e_i`, the disagreement is exactly

    .. math::
       \|x_1 - x_2\|^2 = \|\Delta L\|^2 + \|e_1\|^2 + \|e_2\|^2 - 2\,e_1\cdot e_2
                         + 2\,\Delta L\cdot(e_1 - e_2),

    and closeness to the linear image, :math:`c = (\|e_1\|^2 + \|e_2\|^2)/2`, enters it through
    :math:`\|e_1 - e_2\|^2 = 2c - 2e_1\cdot e_2`: when the deviations are independent of each other
    and of :math:`\Delta L`, the correlation of :math:`c` with the disagreement is positive by this
    term alone. The informative numbers are the shared fraction
    :math:`\langle e_1\cdot e_2\rangle / \langle c\rangle` (1: the deviations are the same in both
    runs and cancel; 0: independent) and the correlation of :math:`c` with what is left once the
    deviations' own distance :math:`\|e_1 - e_2\|^2` is removed,
    :math:`\|\Delta L\|^2 + 2\Delta L\cdot(e_1 - e_2)`: whether seeds close to the linear image
    differ in their linear parts.

    Parameters
    ----------
    x1, x2 : array_like, shape (S, d)
        The two runs' samples of the seed bank.
    lin1, lin2 : array_like, shape (S, d)
        Their splits' linear images of the same seeds.

    Returns
    -------
    dict
        Per pixel (every squared norm divided by ``d``): ``shared_fraction``; ``pearson`` (of
        :math:`c` with the MSE, the paper's number); ``pearson_residual`` (of :math:`c` with the
        MSE minus :math:`\|e_1 - e_2\|^2`); ``closeness`` (the mean of :math:`c`).
    """
    x1, x2 = as_array(x1, "x1", ndim=2), as_array(x2, "x2", ndim=2)
    e1, e2 = x1 - as_array(lin1, "lin1", ndim=2), x2 - as_array(lin2, "lin2", ndim=2)
    d = x1.shape[1]
    c = ((e1**2).sum(1) + (e2**2).sum(1)) / 2 / d
    shared = (e1 * e2).sum(1) / d
    mse = ((x1 - x2) ** 2).mean(1)
    return {"shared_fraction": float(shared.mean() / c.mean()),
            "pearson": float(np.corrcoef(c, mse)[0, 1]),
            "pearson_residual": float(np.corrcoef(c, mse - ((e1 - e2) ** 2).mean(1))[0, 1]),
            "closeness": float(c.mean())}
