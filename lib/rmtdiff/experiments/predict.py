r"""Predict how consistent diffusion models trained on two splits of a dataset will be.

For a dataset :math:`X` (rows = flattened images), two independent splits of ``n`` images each
drawn with replacement from its rows, each with its own mean and covariance, and the linear
sampler run from the same seed :math:`x_T = \sigma_T z` to :math:`\sigma = 0` under each split, the
expected per-pixel squared distance of the two final images is

.. math:: \mathrm{MSE}(z) = \frac{2}{D}\sum_{\text{modes}}\operatorname{Var}[x_k(0)],

the variance of eq. :eq:`split-map-var` (:func:`rmtdiff.theory.trajectories.split_map_variance`)
for the Gaussian law and :func:`rmtdiff.theory.nongaussian_fluctuations.closure_map_variance` for
the other two, with the mean estimated. Models: ``"gaussian"`` (the paper's law), ``"elliptical"`` (the data's distribution of
image scales; same cost), ``"data"`` (the data's fourth moments along the renormalised directions;
one pass over the rows for all ``n``, :math:`O(RNDS)` for ``S`` seeds and a shared basis of
``R`` renormalised directions, see
:func:`rmtdiff.theory.nongaussian_fluctuations.closure_map_variances` and
``bench/bench_predict.py`` for the measured times).

The command ``python -m rmtdiff predict`` wraps :func:`predict_cross_split_mse` with a table per
``n``, the split size at which each eigenband's disagreement falls below 1% and a figure.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..core.edm import SIGMA_MAX
from ..theory.nongaussian_fluctuations import ORDER_MAP
from ..util.checks import as_array, check_positive
from ..util.progress import progress
from ..theory.nongaussian_fluctuations import closure_map_variances
from ..theory.nongaussian_kappa import DataModel, data_model
from ..theory.kappa import solve_kappa
from ..core.spectra import Gaussian
from ..theory.trajectories import _centred, split_map_variance
from .row_backend import check_device, row_backend

MODELS = ("gaussian", "elliptical", "data")


def _population(X, model: str):
    """A DataModel for the data closures; a Gaussian suffices for the Gaussian law."""
    if isinstance(X, DataModel):
        return X
    if isinstance(X, Gaussian):
        if model != "gaussian":
            raise ValueError(f"model={model!r} needs the images themselves (X as an array or a "
                             "DataModel), not only their mean and covariance")
        return X
    X = as_array(X, "X", ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 images (rows); got {X.shape[0]}")
    if model == "gaussian":
        from ..core.spectra import fit_gaussian
        return fit_gaussian(X)
    return data_model(X)


def _check_n_values(n):
    arr = np.asarray(n, dtype=np.float64)
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"n must be a split size or a 1-D list of them; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 2) or np.any(arr != np.round(arr)):
        raise ValueError(f"n must hold whole split sizes >= 2 (each split estimates its mean); "
                         f"got {np.atleast_1d(arr).tolist()}")
    return arr


def predict_cross_split_mse(X: ArrayLike, n: ArrayLike, z: ArrayLike, *,
                            sigma_T: float = SIGMA_MAX, model: str = "gaussian",
                            show_progress: bool = False, device: str = "auto") -> np.ndarray:
    r"""Expected per-pixel squared distance between the final linear-sampler images of two
    independent splits of ``n`` images (with replacement, own mean and covariance), seed by seed.

    Parameters
    ----------
    X : array_like (N, D), or a :class:`~rmtdiff.theory.nongaussian_kappa.DataModel` / :class:`~rmtdiff.Gaussian`
        of it (computed once and reused; a Gaussian serves only ``model="gaussian"``).
    n : int or 1-D array of ints (``>= 2``)
    z : array_like, shape (D,) or (S, D)
        Seeds in pixel space (:math:`x_T = \sigma_T z`).
    sigma_T : float
        Initial noise level.
    model : {"gaussian", "elliptical", "data"}
        The law (see the module docstring).
    show_progress : bool
        Progress bars (with the time left) for the long stages of the ``"data"`` and
        ``"elliptical"`` closures.
    device : {"auto", "cpu", "cuda"}
        Where the ``"data"`` closure's pass over the rows runs
        (:func:`rmtdiff.experiments.row_backend.row_backend`): ``"auto"`` takes the GPU when
        torch sees one; ``"cpu"`` forces NumPy. The other models run on the CPU (their cost
        per seed is :math:`O(d)`).

    Returns
    -------
    ndarray, shape ``(len(n),) + z.shape[:-1]`` (``z.shape[:-1]`` for a scalar ``n``)

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((500, 4)) * [2.0, 1.0, 0.5, 0.1]
    >>> predict_cross_split_mse(X, [100, 1000], np.ones(4)).shape
    (2,)
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    pop = _population(X, model)
    g = pop.gaussian if isinstance(pop, DataModel) else pop
    D = g.mean.size
    z = as_array(z, "z", ndim=(1, 2))
    if z.shape[-1] != D:
        raise ValueError(f"z must have last dimension D = {D} (pixels of X); got shape {z.shape}")
    sigma_T = check_positive(sigma_T, "sigma_T")
    n_arr = _check_n_values(n)
    backend = None                  # the other models are O(d) per seed: NumPy, no torch import
    if model == "data":
        backend = row_backend(device)
    else:
        check_device(device)
    coords = (z - g.mean / sigma_T) @ g.eigvecs                  # seeds relative to the mean
    if isinstance(pop, DataModel):                                # one pass for all n
        out = 2 * closure_map_variances(pop, np.atleast_1d(n_arr), coords, sigma_T=sigma_T,
                                        mean="estimated", closure=model,
                                        show_progress=show_progress, backend=backend) / D
    else:
        out = [2 * split_map_variance(g.eigvals, ni, coords, sigma_T=sigma_T, order=ORDER_MAP) / D
               for ni in np.atleast_1d(n_arr)]
    out = np.array(out)
    return out[0] if n_arr.ndim == 0 else out


def band_edges(d: int) -> np.ndarray:
    """Mode-index edges of the eigenbands 1-10, 11-100, ... (the last band ends at ``d``).

    Parameters
    ----------
    d : int
        Number of modes.

    Returns
    -------
    ndarray of int, shape (bands + 1,)

    >>> band_edges(250).tolist()
    [0, 10, 100, 250]
    """
    edges = [0]
    while edges[-1] < d:
        edges.append(min(d, 10 ** len(edges)))
    return np.array(edges)


def band_disagreement(eigs: ArrayLike, n: float, *, sigma_T: float = SIGMA_MAX,
                      edges: ArrayLike | None = None) -> np.ndarray:
    r"""Seed-averaged same-seed disagreement of each eigenband relative to its variance,
    :math:`2\sum_{k\in b}\operatorname{Var}[x_k(0)]/\sum_{k\in b}\lambda_k` (own mean, Gaussian
    law: :func:`rmtdiff.theory.trajectories.split_map_variance` per mode, averaged over seeds).

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues in decreasing order.
    n : float
        Images per split.
    sigma_T : float
        Initial noise level.
    edges : array_like of int, optional
        Mode-index edges of the bands (default :func:`band_edges`).

    Returns
    -------
    ndarray, shape (bands,), float64
    """
    lam = np.asarray(eigs, dtype=np.float64)
    edges = band_edges(lam.size) if edges is None else np.asarray(edges)
    per_mode = split_map_variance(lam, n, np.ones(lam.size), sigma_T=sigma_T, per_mode=True)
    return np.array([2 * per_mode[a:b].sum() / max(lam[a:b].sum(), np.finfo(float).tiny)
                     for a, b in zip(edges[:-1], edges[1:])])


def band_sample_complexity(eigs: ArrayLike, threshold: float = 0.01, *,
                           sigma_T: float = SIGMA_MAX, n_grid: ArrayLike | None = None,
                           show_progress: bool = False) -> np.ndarray:
    """The smallest ``n`` on ``n_grid`` at which each band's relative disagreement
    (:func:`band_disagreement`) is below ``threshold``.

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues in decreasing order.
    threshold : float
        The relative disagreement to reach.
    sigma_T : float
        Initial noise level.
    n_grid : array_like of int, optional
        Split sizes tried (default 64 sizes from 10 to 10^7).
    show_progress : bool
        A progress bar (with the time left) over the split sizes (46 s at d = 12288 on 2 cores).

    Returns
    -------
    ndarray, shape (bands,), float64: the split size, NaN where none on the grid reaches it
    """
    n_grid = np.unique(np.geomspace(10, 1e7, 64).astype(int)) if n_grid is None else n_grid
    rel = np.array([band_disagreement(eigs, n, sigma_T=sigma_T) for n in
                    progress(n_grid, "split size at 1% per eigenband", show_progress)])
    below = rel < threshold
    return np.array([n_grid[np.argmax(below[:, b])] if below[:, b].any() else np.nan
                     for b in range(rel.shape[1])], dtype=np.float64)


def kappa0(eigs: ArrayLike, n: float) -> float:
    """The renormalised noise floor kappa(0) of a split's centred covariance (n - 1 rows).

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues.
    n : float
        Images per split (``> 1``).

    Returns
    -------
    float
    """
    lam1, n1 = _centred(np.asarray(eigs, dtype=np.float64), n, "estimated")
    return float(solve_kappa(0.0, lam1, n1))
