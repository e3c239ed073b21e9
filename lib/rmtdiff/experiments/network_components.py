"""The trained grid taken apart: F, U, P and the data part U - F of every architecture and split
size (:mod:`rmtdiff.experiments.seed_components`), beside the linear model of the same splits and
the theory's prediction, and how they move over training (chapters 5 and 6).

Conventions
-----------
* ``runs`` is :func:`rmtdiff.experiments.network_grid.train_grid` of an i.i.d. configuration:
  ``{(arch, n, split, train_seed): Run}``.
* Samples are compared unclipped, flattened to ``(S, d)`` in float64.
* The theory's per-seed prediction is
  :func:`rmtdiff.experiments.predict.predict_cross_split_mse` with the training set's mean and
  covariance (the population) and the seed bank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..core.edm import SIGMA_MAX, seed_noise
from ..core.metrics import pixel_mse
from ..nets.runs import Run, probe_samples
from .predict import predict_cross_split_mse
from .seed_components import Components, bootstrap_mean, components

if TYPE_CHECKING:
    from ..data.train_test import NetworkData
    from .config import NetworkChapterConfig


def grid_samples(runs: Mapping[tuple, Run], arch: str, n: int) -> dict[tuple[int, int], np.ndarray]:
    """``{(split, train_seed): samples}`` of one architecture at one split size.

    Parameters
    ----------
    runs : mapping
        ``{(arch, n, split, train_seed): Run}``.
    arch : str
        The architecture.
    n : int
        The split size.

    Returns
    -------
    dict of (int, int) to ndarray, shape (S, d), float64
        Unclipped samples, flattened.

    Raises
    ------
    KeyError
        If ``runs`` has no run of ``arch`` at ``n``.
    """
    out = {(k[2], k[3]): r.samples.reshape(len(r.samples), -1).astype(np.float64)
           for k, r in runs.items() if k[0] == arch and k[1] == n}
    if not out:
        raise KeyError(f"no run of {arch!r} at n = {n} in the grid")
    return out


def trained_pairs(runs: Mapping[tuple, Run]) -> list[tuple[str, int]]:
    """Every (architecture, split size) the grid holds a run of, by n and then architecture.

    Parameters
    ----------
    runs : mapping
        ``{(arch, n, split, train_seed): Run}``.

    Returns
    -------
    list of (str, int)
    """
    return sorted({(k[0], k[1]) for k in runs}, key=lambda an: (an[1], an[0]))


def decompose(runs: Mapping[tuple, Run],
              distance: Callable[[np.ndarray, np.ndarray], np.ndarray] = pixel_mse,
              pairs: Iterable[tuple[str, int]] | None = None
              ) -> dict[tuple[str, int], Components]:
    """:func:`rmtdiff.experiments.seed_components.components` of every trained (architecture, n).

    Parameters
    ----------
    runs : mapping
        ``{(arch, n, split, train_seed): Run}``.
    distance : callable, optional
        Per seed (or per seed and band) distance of two ``(S, d)`` arrays (default per-pixel
        MSE).
    pairs : iterable of (str, int), optional
        The (architecture, n) to take apart (default :func:`trained_pairs`: every one the grid
        holds, so a grid whose budget skipped a cell is decomposed where it was trained).

    Returns
    -------
    dict of (str, int) to Components
        In the order of ``pairs``.

    Raises
    ------
    KeyError
        If a requested pair has no run in ``runs``.
    """
    pairs = trained_pairs(runs) if pairs is None else list(pairs)
    return {(a, n): components(grid_samples(runs, a, n), distance) for a, n in pairs}


@dataclass(frozen=True)
class Row:
    """One line of the component table: an architecture at one split size.

    Attributes
    ----------
    arch : str
        Architecture (or ``"linear"`` for the linear model of the same splits).
    n : int
        Images per split.
    values : dict of str to (float, float, float)
        ``"F"``, ``"U"``, ``"P"``, ``"U-F"``: the mean over seeds and its 95% bootstrap interval
        (NaNs when the design lacks the comparison).
    replicates : dict of str to list of float
        Each replicate's mean over seeds, per comparison.
    """

    arch: str
    n: int
    values: dict[str, tuple[float, float, float]]
    replicates: dict[str, list[float]]


def component_rows(parts: Mapping[tuple[str, int], Components]) -> list[Row]:
    """The table of F, U, P and U - F (means over seeds with intervals) of every part.

    Parameters
    ----------
    parts : mapping of (str, int) to Components
        From :func:`decompose`, per-seed distances (1-D).

    Returns
    -------
    list of Row
        In the order of ``parts``.
    """
    rows = []
    for (arch, n), c in parts.items():
        vals = {}
        for name in ("F", "U", "P", "U-F"):
            x = c.per_seed(name)
            vals[name] = (bootstrap_mean(x) if np.isfinite(x).all()
                          else (float("nan"),) * 3)
        reps = {k: [float(np.mean(r)) for r in v] for k, v in c.replicates.items()}
        rows.append(Row(arch, int(n), vals, reps))
    return rows


def linear_cross_split(linear: Mapping[tuple[int, int], np.ndarray], n: int) -> np.ndarray:
    """Per-seed MSE between the linear images of the two splits of size ``n``.

    Parameters
    ----------
    linear : mapping
        :func:`rmtdiff.experiments.network_grid.linear_grid`: ``{(n, split): (S, d)}``.
    n : int
        The split size.

    Returns
    -------
    ndarray, shape (S,)
    """
    return pixel_mse(linear[n, 1], linear[n, 2])


def theory_prediction(cfg: NetworkChapterConfig, data: NetworkData,
                      n_values: tuple[int, ...] | None = None, *,
                      sigma_T: float = SIGMA_MAX) -> dict[int, np.ndarray]:
    """The theory's per-seed cross-split MSE of the linear part at every split size.

    Parameters
    ----------
    cfg : NetworkChapterConfig
        Its ``n_values`` (unless given) and ``n_seeds``.
    data : NetworkData
        The training set (the population) and its shape.
    n_values : sequence of int, optional
        Split sizes (default ``cfg.n_values``).
    sigma_T : float, optional
        Initial noise level (default :data:`~rmtdiff.core.edm.SIGMA_MAX`).

    Returns
    -------
    dict of int to ndarray, shape (S,)
    """
    from .network_grid import population

    n_values = tuple(cfg.n_values if n_values is None else n_values)
    z = seed_noise(range(cfg.n_seeds), data.d)
    pred = predict_cross_split_mse(population(data), list(n_values), z, sigma_T=sigma_T)
    return {int(n): pred[i] for i, n in enumerate(n_values)}


def probe_parts(runs: Mapping[tuple, Run], arch: str, n: int) -> dict[int, Components]:
    """The comparisons at every checkpoint, from the runs' probes (the first
    :data:`~rmtdiff.nets.runs.PROBE_SEEDS` seeds).

    Parameters
    ----------
    runs : mapping
        ``{(arch, n, split, train_seed): Run}``.
    arch : str
        The architecture.
    n : int
        The split size.

    Returns
    -------
    dict of int to Components
        Step to the comparisons of the probes at that step (steps that every run has).
    """
    probes = {(k[2], k[3]): probe_samples(r) for k, r in runs.items()
              if k[0] == arch and k[1] == n}
    steps = sorted(set.intersection(*(set(p) for p in probes.values())))
    return {t: components({k: p[t].reshape(len(p[t]), -1).astype(np.float64)
                           for k, p in probes.items()}) for t in steps}


def last_quarter_change(series: Mapping[int, float]) -> float:
    """Relative change of a quantity over the last quarter of training: ``|v(T) - v(t)| / v(T)``
    with ``t`` the latest recorded step at or before ``3T/4``.

    Parameters
    ----------
    series : mapping of int to float
        Step to value; the last step is ``T``.

    Returns
    -------
    float
        NaN when no step lies at or before ``3T/4``.

    >>> round(last_quarter_change({100: 2.0, 300: 1.1, 400: 1.0}), 6)
    0.1
    """
    steps = sorted(series)
    T = steps[-1]
    early = [t for t in steps if t <= 0.75 * T]
    if not early:
        return float("nan")
    return float(abs(series[T] - series[early[-1]]) / series[T])


def gaussian_loss(data: NetworkData, indices: np.ndarray, eval_images: int) -> float:
    """The EDM loss, on the held-out images, of the Gaussian (linear) denoiser fitted to a split:
    the yardstick of the networks' held-out losses (the same images, the same noise draws and
    weighting as :func:`rmtdiff.nets.training.evaluate_loss` uses for them).

    Parameters
    ----------
    data : NetworkData
        Its training images (the split's rows) and held-out images.
    indices : ndarray, shape (n,), int
        The split's rows of ``data.train``.
    eval_images : int
        Held-out images used (the first ones, as for the networks).

    Returns
    -------
    float
    """
    import torch

    from ..core.spectra import fit_gaussian
    from ..nets.gaussian_denoiser import GaussianDenoiser
    from ..nets.training import evaluate_loss

    D = GaussianDenoiser(fit_gaussian(data.flat[indices]), data.image_shape)
    held = torch.as_tensor(data.held_out[:eval_images], dtype=torch.float32)
    return evaluate_loss(D, held)


@dataclass(frozen=True)
class Convergence:
    """The convergence checks of one architecture at one split size.

    Attributes
    ----------
    arch : str
    n : int
    change : dict of str to float
        Relative change of ``"F"`` and ``"U"`` (probe means) over the last quarter of training.
    loss_gap : float
        (held-out - train) / held-out loss at the end, mean over the runs.
    memorisation : float
        Fraction of the samples that copy a training image of their own split.
    passed : dict of str to bool
        ``"stable"`` (both changes below ``max_change``), ``"losses"`` (``|loss_gap|`` below
        ``max_gap``), ``"no_copies"`` (memorisation below ``max_copies``).
    """

    arch: str
    n: int
    change: dict[str, float]
    loss_gap: float
    memorisation: float
    passed: dict[str, bool]

    @property
    def converged(self) -> bool:
        """All checks passed."""
        return all(self.passed.values())


def convergence(runs: Mapping[tuple, Run], arch: str, n: int, memorisation: float,
                max_change: float = 0.1, max_gap: float = 0.1,
                max_copies: float = 0.01) -> Convergence:
    """Chapter 5's convergence criteria for one architecture at one split size.

    Parameters
    ----------
    runs : mapping
        ``{(arch, n, split, train_seed): Run}`` of a crossed design (F and U in the probes).
    arch : str
        The architecture.
    n : int
        The split size.
    memorisation : float
        Its memorisation fraction
        (:meth:`rmtdiff.experiments.memorisation.NearestStatistics.memorisation_by_n`).
    max_change : float, optional
        Largest relative change of F and U over the last quarter (default 0.1).
    max_gap : float, optional
        Largest relative gap between held-out and training loss (default 0.1).
    max_copies : float, optional
        Largest memorisation fraction (default 0.01).

    Returns
    -------
    Convergence
    """
    probes = probe_parts(runs, arch, n)
    change = {}
    for name in ("F", "U"):
        series = {t: float(np.mean(c.per_seed(name))) for t, c in probes.items() if c.has(name)}
        change[name] = last_quarter_change(series) if series else float("nan")
    finals = [r.record["final"] for k, r in runs.items() if k[0] == arch and k[1] == n]
    gap = float(np.mean([(f["held_out_loss"] - f["train_loss"]) / f["held_out_loss"]
                         for f in finals]))
    passed = {"stable": bool(all(np.isfinite(v) and v < max_change for v in change.values())),
              "losses": bool(abs(gap) < max_gap),
              "no_copies": bool(memorisation < max_copies)}
    return Convergence(arch, int(n), change, gap, float(memorisation), passed)
