r"""Fluctuations across splits for data that are not Gaussian (second order).

Conventions as in :mod:`rmtdiff.theory.fluctuations`, with the population given as a
:class:`rmtdiff.theory.nongaussian_kappa.DataModel`: its own centred images :math:`y_j` (rows, population
eigenbasis, :math:`j = 1..N`), from which every split draws ``n`` rows with replacement.

Where the Gaussian derivation uses Wick's theorem
-------------------------------------------------
Write :math:`\hat G = \hat\Sigma(\hat\Sigma+s)^{-1} = I - sR`. Split :math:`v^\top\hat Gx` into the
contributions of the ``n`` rows one at a time (a martingale over rows). Sherman-Morrison,
:math:`R - R_{-j} = -R_{-j}y_jy_j^\top R_{-j}/(n + y_j^\top R_{-j}y_j)`, gives each row's contribution as

.. math:: +\frac{\kappa}{n}\,w_j\,p_j\,r_j,\qquad p_j = v^\top F y_j,\quad r_j = x^\top F y_j,
          \quad F = (\Sigma+\kappa)^{-1},\quad w_j = \frac{1}{s/\kappa + \tilde q_j(\kappa)/n},

with :math:`\kappa` and the radial part :math:`\tilde q_j` of the quadratic forms from
:mod:`rmtdiff.theory.nongaussian_kappa` (:math:`w_j` is the Sherman-Morrison weight
:math:`1/(1 + y_j^\top R y_j/n)` in the units of :math:`F`). The variance of a sum of independent
contributions is the sum of their variances, and the contributions feed back through :math:`R`,
which resums the sum into a factor:

.. math:: \operatorname{Var}[v^\top\hat G x] \simeq \frac{\kappa^2}{n - \beta\,\mathrm{df}_2(\kappa)}
          \,\mathcal V(v, x),\qquad
          \beta = \mathbb E_j[u_j^2],\quad u_j = \frac{\tilde q_jw_j}{\mathrm{df}_1(\kappa)}
          \ (\mathbb E_j u_j = 1).
   :label: var-data

The Gaussian derivation evaluates :math:`\mathcal V = \operatorname{Var}_j[w_jp_jr_j]` by Wick's
theorem with :math:`w_j = 1`: :math:`Q(v)Q(x) + C^2`, and :math:`\beta = 1`, which is
:eq:`var-law`. Here it comes from the population's own images. An image's weight
depends on its *scale* :math:`\tau_j = \tilde q_j/\mathrm{df}_1`; its fourth moments along the two
renormalised directions :math:`Fv`, :math:`Fx` are its own. Writing :math:`y_j = \sqrt{\tau_j}\,\xi_j`
and treating scale and direction as independent,

.. math:: \mathcal V(v, x) = \frac{\mathbb E_j[u_j^2]}{\mathbb E_j[\tau_j^2]}\,\mathbb E_j[p_j^2r_j^2]
          - \big(\mathbb E_j[p_jr_j]\big)^2 ,
   :label: closure-data

the data's fourth moments at :math:`O(Nd)` per direction pair. This is exact for elliptical data
(:math:`y = \sqrt\tau\,\Sigma^{1/2}g`, where :math:`\mathbb E_j[p^2r^2] = \mathbb E[\tau^2](QQ+2C^2)`)
and is the Wick law for Gaussian rows (:math:`\tau_j \equiv 1`). Keeping each image's weight
inside the average instead, :math:`\operatorname{Var}_j[w_jp_jr_j]`, was tried first and is 3-10%
low on elliptical data (``d = n = 40``): an image's weight and its own quadratic forms are
correlated through the same coordinates, a correlation the leading order cancels. :math:`n - \beta\,\mathrm{df}_2 > 0` always (:math:`\tilde q_jw_j < n`), and it is computed
as :math:`n\frac{s}{\kappa}\mathbb E_j[\tilde q_jw_j^2]/\mathrm{df}_1 + \beta(\mathrm{df}_1-\mathrm{df}_2)`,
a sum of positive terms.

Three closures of the same law (``closure=``):

* ``"gaussian"``: Wick moments, :math:`\beta = 1`, the Gaussian :math:`\kappa`: exactly
  :mod:`rmtdiff.theory.fluctuations` and :mod:`rmtdiff.theory.trajectories`;
* ``"elliptical"``: the data's :math:`\kappa` and :math:`\beta` (the distribution of the image
  scales), Wick moments for directions, :math:`\mathcal V = \beta(QQ + C^2) + (\beta-1)C^2`:
  the same cost as the Gaussian law;
* ``"data"``: :eq:`closure-data` (and the third moments of the next section).

What none of them has: the data's fourth moments inside the feedback (the resummation uses the
scales only, through :math:`\beta`). Where the feedback is strong and the dimension low, at small
noise, the closures stay low: 2-14% for independent Laplace coordinates in 12 dimensions, 10-12%
for 6x6 and 8x8 photo patches at :math:`\sigma = 0.1`, ``n = 300`` (tests and the chapter).

Nor, where :math:`d/n \ge 1` and ``n`` is small, the few percent by which the data closure misses
on Gaussian mixtures (``bench/bench_closure_accuracy.py``: up to 3.6% high with per-cluster
scales, 3.1% low with equal ones, at ``d = 100-200``), an error that falls as ``d`` and ``n``
grow at fixed :math:`d/n` (0.8% at ``d = 800``; the Gaussian law's does not). About half of it
goes when the closure is given each cluster's mean :math:`q_j` as its images' scale (the bench's
``--scales cluster``). A likely reason, not derived: eq. ``radial`` takes from the spread of
:math:`q_j` the Gaussian spread :math:`2\,\mathrm{df}_2` of the whole covariance, while rows of
one cluster do not spread along the directions between the clusters.

The split's own mean
--------------------
With :math:`\hat D(x) = \hat\mu + \hat G_c(x-\hat\mu)`, each row also contributes
:math:`\frac{\kappa}{n}p_j` through :math:`(I-\hat G_c)\hat\mu = sR_c\hat\mu`. With the bookkeeping of
:mod:`rmtdiff.theory.fluctuations` (:math:`n' = n-1`, :math:`s' = sn/n'`) the variance is

.. math:: \frac{\kappa'^2}{n' - \beta'\mathrm{df}_2'}\Big(\mathcal V(v, x)
          + \frac{n'}{n}\mathbb E_j[p_j^2]\Big) + \frac{2\kappa'^2}{n'}
          \mathbb E_j\big[p_j^2r_j\big];

the last term is a third moment of the data (zero for any symmetric law) and, being a cross
covariance of one row with itself, is not resummed.

Sampling maps
-------------
:mod:`rmtdiff.theory.trajectories` writes the linear sampler's map as :math:`\sum_i W_i\hat G_{t_i}`
(quadrature nodes :math:`t_i`). Each row contributes :math:`\frac1n\sum_iW_i\kappa_iw^{(i)}_j
(F_iy_j)(y_j^\top F_iz)` to the image of seed :math:`z`; the covariance between nodes is
:eq:`closure-data` with the radial factor :math:`\mathbb E_j[u^{(i)}_ju^{(i')}_j]/\mathbb E_j[\tau^{(i)}_j\tau^{(i')}_j]`,
resummed by :math:`n - \beta_{ii'}\mathrm{df}_2(\kappa_i,\kappa_{i'})`,
:math:`\beta_{ii'} = \mathbb E_j[u^{(i)}_ju^{(i')}_j]`.
With the mean estimated, :math:`\hat\mu` adds :math:`\frac1n\operatorname{tr}[(I-\bar M)\Sigma(I-\bar M)]`
(:math:`\bar M` the expected map) and, for the ``"data"`` closure, its third-moment covariance
with the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from ..core.edm import SIGMA_MAX
from ..util.checks import as_array, check_last_dim, check_n, check_positive, check_s
from ..util.progress import progress
from .nongaussian_kappa import DataModel, check_model, solve_kappa_data
from .fluctuations import _mean_bookkeeping
from .fluctuations import cross_split_distance as _gauss_distance
from .fluctuations import denoiser_variance as _gauss_variance
from .fluctuations import pixel_variance as _gauss_pixel_variance

from .trajectories import PANELS, _mean_part, map_nodes, split_map_variance

CLOSURES = ("data", "elliptical", "gaussian")
CHUNK = 512      #: rows per block in the row sums (bounds the memory of the node-pair arrays)
ORDER_MAP = 4    #: Gauss-Legendre nodes per panel for the sampling map here: relative error
                 #: 2e-6 against the default 10 on Fashion-MNIST (16 px), 1.4e-5 at d/n = 1 and
                 #: 2e-6 elsewhere against 16 on an elliptical population (3 nodes: 9e-5; the
                 #: convergence test in tests/theory/test_nongaussian_fluctuations.py), with 0.4
                 #: times the nodes of the default, 0.16 times the node pairs


@dataclass(frozen=True)
class Levels:
    """Renormalised quantities at ``L`` ridges ``s`` (one split size ``n``).

    Attributes
    ----------
    kappa : (L,)      kappa of eq. kappa-data at each ridge
    F : (L, r)        1/(lambda_k + kappa_l)
    w : (N, L)        Sherman-Morrison weights w_j = 1/(s/kappa + q_j/n) (0 for a row at the mean
                      when s/kappa = 0; its contributions vanish)
    u : (N, L)        q_j w_j / df1, mean 1 over the rows (the kappa equation)
    tau : (N, L)      image scales q_j / df1 (q_j the radial part of the quadratic form)
    """

    s: np.ndarray
    n: float
    kappa: np.ndarray
    F: np.ndarray
    w: np.ndarray
    u: np.ndarray
    tau: np.ndarray
    df1: np.ndarray
    dof: np.ndarray     # n - beta df2 (same ridge), computed without cancellation


def levels(model: DataModel, s: ArrayLike, n: float, start: ArrayLike | None = None) -> Levels:
    """The :class:`Levels` of ``model`` at ridges ``s`` for splits of ``n`` rows.

    Parameters
    ----------
    model : DataModel
    s : array_like, shape (L,)
        Ridges, ``>= 0``.
    n : float
        Rows per split.
    start : array_like, shape (L,), optional
        The Gaussian kappa at ``s`` when the caller has it (the map's quadrature nodes), the
        starting values of :func:`rmtdiff.theory.nongaussian_kappa.solve_kappa_data`.

    Returns
    -------
    Levels
    """
    lam = model.eigvals
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    k = solve_kappa_data(s, model, n, start=start)
    F = 1.0 / (lam + k[:, None])
    q = model.radial(k)                                          # (N, L)
    ratio = np.divide(s, k, out=np.zeros_like(s), where=k > 0)   # s/kappa (kappa = 0: no variance)
    den = ratio + q / n
    w = np.divide(1.0, den, out=np.zeros_like(den), where=den > 0)
    R = lam * F
    df1, df2 = R.sum(1), (R * R).sum(1)
    tau = q / np.where(df1 > 0, df1, 1.0)
    u = tau * w
    beta = (u * u).mean(0)
    dof = n * ratio * (q * w * w).mean(0) / np.where(df1 > 0, df1, 1.0) + beta * (df1 - df2)
    dof = np.where(k > 0, dof, n - df2)              # kappa = 0: the scaling is 0 anyway
    return Levels(s, float(n), k, F, w, u, tau, df1, dof)


def radial_factor(lev: Levels) -> np.ndarray:
    r""":math:`f_{ii'} = \mathbb E_j[u^{(i)}_ju^{(i')}_j]/\mathbb E_j[\tau^{(i)}_j\tau^{(i')}_j]` between
    levels, :math:`\tau_j = \tilde q_j/\mathrm{df}_1`: the images' Sherman-Morrison weights
    averaged over their scales (1 when every image has the same scale).

    Parameters
    ----------
    lev : Levels
        The renormalised quantities at ``L`` ridges.

    Returns
    -------
    ndarray, shape (L, L), float64
    """
    N = lev.tau.shape[0]
    m2 = lev.tau.T @ lev.tau / N
    return np.divide(lev.u.T @ lev.u / N, m2, out=np.ones_like(m2), where=m2 > 0)


def _check_closure(closure: str) -> str:
    if closure not in CLOSURES:
        raise ValueError(f"closure must be one of {CLOSURES}; got {closure!r}")
    return closure


def _centred(n: float, mean: str) -> tuple[float, float]:
    """(n', ridge factor) of the split's gain: with the mean estimated, the centred covariance is
    (n-1)/n times a known-mean one of n' = n-1 rows, so G_c(s) is the known-mean gain at
    (n', s n/n') (the bookkeeping of :mod:`rmtdiff.theory.fluctuations`)."""
    _, n1, _ = _mean_bookkeeping(np.zeros(()), n, mean)
    return float(n1), n / n1


def _scaled(model: DataModel, factor: float) -> DataModel:
    """The population with rows scaled by sqrt(factor) (eigenvalues by factor): a map of the
    centred covariance (n'/n times a known-mean one) is the map of that population's splits."""
    if factor == 1.0:
        return model
    g = model.gaussian
    return DataModel(type(g)(g.mean, g.eigvals * factor, g.eigvecs), model.coords,
                     model.scale * factor)                           # the rows are not copied


def _row_moments(model: DataModel, lev: Levels, i: int, V: np.ndarray | None, X: np.ndarray):
    """Row averages for outputs V (p, r) (None: all modes, summed) and inputs X (m, r) at level i:
    the closure eq. closure-data, E_j[p^2 r] (third moment) and E_j[p^2], shapes (m, p) (or (m,)
    summed over all modes)."""
    F = lev.F[i]
    N = model.size
    m = X.shape[0]
    shape = (m,) if V is None else (m, V.shape[0])
    s_a, s_a2, s_pa = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    s_vec = np.zeros((F.size, m))                                    # sum_j w r F y_j (V None)
    for _, y in model.blocks(CHUNK):
        Yf = y * F                                                   # rows of F y_j
        r = Yf @ X.T                                                 # r_j, (c, m)
        if V is None:
            g = (Yf * Yf).sum(1)                                     # |F y_j|^2
            s_a2 += (r * r * g[:, None]).sum(0)
            s_pa += (r * g[:, None]).sum(0)
            s_vec += Yf.T @ r
        else:
            P = Yf @ V.T                                             # (c, p)
            for t in range(m):
                A = P * r[:, t:t + 1]
                s_a[t] += A.sum(0)
                s_a2[t] += (A * A).sum(0)
                s_pa[t] += (P * A).sum(0)
    if V is None:
        var = s_a2 / N - ((s_vec / N) ** 2).sum(0)                   # minus |E_j[r F y]|^2
        ep2 = (F * F * model.eigvals).sum() * np.ones(m)
    else:
        var = s_a2 / N - (s_a / N) ** 2
        ep2 = np.broadcast_to(((V * V) @ (F * F * model.eigvals)), shape)
    first = s_a2 / N                                                 # E_j[p^2 r^2]
    u, tau = lev.u[:, i], lev.tau[:, i]
    factor = (u @ u) / (tau @ tau) if tau @ tau > 0 else 1.0         # radial_factor, one level
    var = factor * first - (first - var)                             # minus E_j[p r]^2
    return var, s_pa / N, ep2


def _elliptical_moments(model: DataModel, lev: Levels, i: int, V, X):
    """Var_j under the elliptical closure, beta (QQ + C^2) + (beta - 1) C^2; Cov = 0."""
    a = model.eigvals * lev.F[i] ** 2
    beta = float((lev.u[:, i] ** 2).mean())
    qx = (X * X) @ a                                                 # (m,)
    if V is None:
        var = beta * (a.sum() * qx) + (2 * beta - 1) * ((X * X) @ (a * a))
        return var, np.zeros_like(var), a.sum() * np.ones(len(X))
    qv = (V * V) @ a                                                 # (p,)
    C = (X * a) @ V.T                                                # (m, p)
    var = beta * (qx[:, None] * qv[None]) + (2 * beta - 1) * C**2
    return var, np.zeros_like(var), np.broadcast_to(qv, var.shape)


def _denoiser(s, model, n, V, x, mean, closure):
    """Shared body of the denoiser functions: s.shape + batch (+ (p,))."""
    model = check_model(model)
    n = check_n(n)
    s = check_s(s)
    x = as_array(x, "x", ndim=(1, 2))
    check_last_dim(x, model.eigvals.size, "x", "the number of population eigenvalues")
    X = np.atleast_2d(x)
    n1, factor = _centred(n, mean)
    lev = levels(model, s.ravel() * factor, n1)
    moments = _row_moments if closure == "data" else _elliptical_moments
    out = []
    for i in range(s.size):
        var, cov, ep2 = moments(model, lev, i, V, X)
        k2 = lev.kappa[i] ** 2
        val = k2 / lev.dof[i] * var
        if mean == "estimated":
            val = val + k2 / lev.dof[i] * (n1 / n) * ep2 + 2 * k2 / n1 * cov
        out.append(val)
    out = np.array(out)                                              # (S, m[, p])
    batch = x.shape[:-1]
    tail = () if V is None else (V.shape[0],)
    return out.reshape(s.shape + batch + tail)


def denoiser_variance(s: ArrayLike, model: DataModel, n: float, v: ArrayLike, x: ArrayLike,
                      mean: str = "known", closure: str = "data") -> np.ndarray:
    r"""Variance over splits of :math:`v^\top\hat D(x;\sqrt s)`, eq. :eq:`var-data`.

    Parameters
    ----------
    s : float or array_like, ``>= 0``
        Ridges.
    model : DataModel
        The population.
    n : float
        Rows per split (drawn with replacement from the model's rows).
    v : array_like, shape (r,)
        Output direction, population eigenbasis.
    x : array_like, shape (r,) or (m, r)
        Input(s) relative to the population mean, population eigenbasis.
    mean : {"known", "estimated"}
    closure : {"data", "elliptical", "gaussian"}

    Returns
    -------
    ndarray, shape ``s.shape + x.shape[:-1]``
    """
    closure = _check_closure(closure)
    v = as_array(v, "v", ndim=1)
    check_last_dim(v, model.eigvals.size, "v", "the number of population eigenvalues")
    if closure == "gaussian":
        return _gauss_variance(s, model.eigvals, n, v, x, mean=mean)
    out = _denoiser(s, model, n, v[None], x, mean, closure)
    return out[..., 0]


def pixel_variance(s: ArrayLike, model: DataModel, n: float, basis: ArrayLike, x: ArrayLike,
                   mean: str = "known", closure: str = "data") -> np.ndarray:
    r"""Variance over splits of every output coordinate (row :math:`p` of ``basis``, population
    eigenbasis coordinates; for pixels, the eigenvector matrix :math:`U`), as
    :func:`denoiser_variance`.

    Parameters
    ----------
    s : float or array_like, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    model : DataModel
        The population (its rows, in its eigenbasis).
    n : float
        Rows per split (drawn with replacement from the model's rows).
    basis : array_like, shape (p, r)
        Output directions as rows, population-eigenbasis coordinates.
    x : array_like, shape (r,) or (m, r)
        Input(s) relative to the population mean, population eigenbasis.
    mean : {"known", "estimated"}
    closure : {"data", "elliptical", "gaussian"}

    Returns
    -------
    ndarray, shape ``s.shape + x.shape[:-1] + (p,)``, float64
    """
    closure = _check_closure(closure)
    V = as_array(basis, "basis", ndim=2)
    check_last_dim(V, model.eigvals.size, "basis", "the number of population eigenvalues")
    if closure == "gaussian":
        return _gauss_pixel_variance(s, model.eigvals, n, V, x, mean=mean)
    return _denoiser(s, model, n, V, x, mean, closure)


def cross_split_distance(s: ArrayLike, model: DataModel, n: float, x: ArrayLike,
                         mean: str = "known", closure: str = "data") -> np.ndarray:
    r""":math:`\mathbb E\|\hat D_1(x)-\hat D_2(x)\|^2`: twice the variance summed over all output
    modes, under a closure.

    Parameters
    ----------
    s : float or array_like, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    model : DataModel
        The population (its rows, in its eigenbasis).
    n : float
        Rows per split (drawn with replacement from the model's rows).
    x : array_like, shape (r,) or (m, r)
        Input(s) relative to the population mean, population eigenbasis.
    mean : {"known", "estimated"}
    closure : {"data", "elliptical", "gaussian"}

    Returns
    -------
    ndarray, shape ``s.shape + x.shape[:-1]``, float64
    """
    closure = _check_closure(closure)
    if closure == "gaussian":
        return _gauss_distance(s, model.eigvals, n, x, mean=mean)
    return 2 * _denoiser(s, model, n, None, x, mean, closure)


def _check_seeds(z, model: DataModel) -> np.ndarray:
    z = as_array(z, "z", ndim=(1, 2))
    check_last_dim(z, model.eigvals.size, "z", "the number of population eigenvalues")
    return z


def closure_map_variance(model: DataModel, n: float, z: ArrayLike, *, sigma_T: float = SIGMA_MAX,
                         mean: str = "known", closure: str = "data",
                         panels: int | None = PANELS, order: int = ORDER_MAP,
                         show_progress: bool = False) -> np.ndarray:
    r"""Variance over splits of the linear sampler's final image (:math:`\sigma = 0`) from seeds
    ``z``, summed over all output modes (half the expected same-seed squared distance), under a
    closure of eq. :eq:`var-data`: :func:`closure_map_variances` at one split size. The
    ``"gaussian"`` closure is :func:`rmtdiff.theory.trajectories.split_map_variance` exactly.

    Parameters
    ----------
    model : DataModel
        The population (its rows, in its eigenbasis).
    n : float
        Rows per split (drawn with replacement).
    z : array_like, shape (r,) or (m, r)
        Seeds in population-eigenbasis coordinates, relative to the population mean in units of
        :math:`\sigma_T`: for a pixel-space seed :math:`z_{\rm pix}` (:math:`x_T = \sigma_T z_{\rm pix}`),
        :math:`z = U^\top(z_{\rm pix} - \mu/\sigma_T)`.
    sigma_T : float
        Initial noise level.
    mean : {"known", "estimated"}
        ``"estimated"``: each split also estimates its mean (the sampler starts from
        :math:`x_T` and ends at :math:`\hat\mu + M(x_T-\hat\mu)`).
    closure : {"data", "elliptical", "gaussian"}
        See :func:`closure_map_variances` for the cost of each.
    panels, order : int
        Quadrature of the map (:func:`rmtdiff.theory.trajectories.map_nodes`); ``ORDER_MAP``
        nodes per panel by default.
    show_progress : bool
        A progress bar over the row chunks of the ``"data"`` closure.

    Returns
    -------
    ndarray, shape ``z.shape[:-1]``, float64
    """
    return closure_map_variances(model, [n], z, sigma_T=sigma_T, mean=mean, closure=closure,
                                 panels=panels, order=order, show_progress=show_progress)[0]


def closure_map_variances(model: DataModel, n_values: ArrayLike, z: ArrayLike, *,
                          sigma_T: float = SIGMA_MAX, mean: str = "known", closure: str = "data",
                          panels: int | None = PANELS, order: int = ORDER_MAP,
                          show_progress: bool = False, backend: RowBackend | None = None) -> np.ndarray:
    r""":func:`closure_map_variance` at several split sizes at once, shape
    ``(len(n_values),) + z.shape[:-1]``.

    The ``"data"`` closure visits the population's rows once for all split sizes (see
    :func:`_data_closure_rows`): its cost is one product of the rows with every seed along the
    ``R`` directions that span all split sizes' renormalised modes, :math:`O(R\,N d\,S)` for
    ``N`` rows, ``d`` modes and ``S`` seeds (``R`` about 30 for CIFAR-like spectra, against the
    ``L`` = 56-68 quadrature nodes of each split size), plus :math:`O(L N d)` per split size for
    its :math:`\kappa`. The ``"elliptical"`` and ``"gaussian"`` closures cost :math:`O(L N d)` once
    per split size and :math:`O(d)` per seed.

    Parameters
    ----------
    model : DataModel
        The population (its rows, in its eigenbasis).
    n_values : array_like, shape (K,) or ()
        Rows per split, one variance per value.
    z : array_like, shape (r,) or (m, r)
        Seeds, as in :func:`closure_map_variance`.
    sigma_T : float
        Initial noise level.
    mean : {"known", "estimated"}
        As in :func:`closure_map_variance`.
    closure : {"data", "elliptical", "gaussian"}
        The law.
    panels : int or None
        Quadrature panels of the map (:func:`rmtdiff.theory.trajectories.map_nodes`).
    order : int
        Gauss-Legendre nodes per panel (``ORDER_MAP`` by default).
    show_progress : bool
        Progress bars (with the time left) over the split sizes' levels and the row chunks of
        the ``"data"`` closure.
    backend : optional
        Where the ``"data"`` closure's pass over the rows runs (default :data:`NUMPY`; see
        :func:`_data_closure_rows`, and :func:`rmtdiff.experiments.row_backend.row_backend` for
        torch on a GPU). The other closures ignore it.

    Returns
    -------
    ndarray, shape ``(K,) + z.shape[:-1]``, float64

    >>> from rmtdiff.theory.nongaussian_kappa import data_model
    >>> m = data_model(np.random.default_rng(0).standard_normal((200, 6)))
    >>> closure_map_variances(m, [20, 50], np.ones(6), sigma_T=80.0).shape
    (2,)
    """
    closure = _check_closure(closure)
    model = check_model(model)
    n_list = [check_n(n) for n in np.atleast_1d(np.asarray(n_values, dtype=np.float64))]
    z = _check_seeds(z, model)
    sigma_T = check_positive(sigma_T, "sigma_T", allow_inf=True)
    Z = np.atleast_2d(z)
    if closure == "gaussian":
        out = [split_map_variance(model.eigvals, n, Z, sigma_T=sigma_T, mean=mean, panels=panels,
                                  order=order) for n in n_list]
        return np.array(out).reshape((len(n_list),) + z.shape[:-1])
    setups = [_map_setup(model, n, sigma_T, mean, panels, order) for n in
              progress(n_list, "renormalised noise per split size",
                       show_progress and len(n_list) > 1)]
    if closure == "elliptical":
        out = []
        for st in setups:
            F, B, beta, lam1 = st["F"], st["B"], st["beta"], st["lam1"]
            Ptr = (lam1 * F) @ F.T                                   # sum_k lam F_i F_i'
            h = (((B * beta * Ptr) @ F) * F).sum(0)
            c = ((F * F).T @ (B * (2 * beta - 1)) @ (F * F)).diagonal()
            out.append((Z * Z) @ (lam1 * h) + (Z * Z) @ (lam1**2 * c))
        out = np.array(out)
    else:
        out = _data_closure_rows(model, setups, Z, show_progress, backend)
    if mean == "estimated":
        out = out + np.array([_mean_part(model.eigvals, st["n"], st["gain"], sigma_T).sum()
                              for st in setups])[:, None]             # the split's mean
    return out.reshape((len(n_list),) + z.shape[:-1])


def _map_setup(model: DataModel, n: float, sigma_T: float, mean: str, panels, order) -> dict:
    """What one split size contributes to :func:`closure_map_variances`: the quadrature, the
    renormalised modes ``F``, the resummed node kernel ``B`` (and ``Bf``, with the radial
    factor) and the expected map's gain and mean part."""
    n1, _ = _centred(n, mean)
    split = _scaled(model, n1 / n)
    lam1 = split.eigvals
    t, W, k_gauss = map_nodes(lam1, n1, sigma=0.0, sigma_T=sigma_T, panels=panels, order=order)
    lev = levels(split, t, n1, start=k_gauss)
    F, Wk = lev.F, W * lev.kappa
    R = lam1 * F
    beta = lev.u.T @ lev.u / lev.u.shape[0]                      # (L, L)
    B = np.outer(Wk, Wk) / (n1 - beta * (R @ R.T))
    mbar = (W @ R) / sigma_T if np.isfinite(sigma_T) else np.zeros(lam1.size)
    # the per-row levels (N x L) are not kept: of them the closure needs the radial factor
    return dict(n=n, n1=n1, c=np.sqrt(n1 / n), F=F, Wk=Wk, B=B, Bf=B * radial_factor(lev),
                beta=beta, lam1=lam1, gain=W @ R, mbar=mbar, est=mean == "estimated")


class RowBackend(Protocol):
    """What holds the arrays of the data closure's pass over the rows (see
    :func:`_data_closure_rows`): NumPy (:data:`NUMPY`) or torch tensors on a device
    (:class:`rmtdiff.experiments.row_backend.TorchBackend`)."""

    rows: int                  #: rows per block at most
    block_bytes: int | None    #: fewer rows where a block's (rows, R, seeds) arrays exceed it

    def asarray(self, a: np.ndarray) -> Any:
        """``a`` as the backend's array.

        Parameters
        ----------
        a : ndarray
            A float64 NumPy array.

        Returns
        -------
        array
            The same values where the pass computes (e.g. a float64 tensor on a GPU).
        """

    def to_numpy(self, a: Any) -> np.ndarray:
        """A backend array back as NumPy.

        Parameters
        ----------
        a : array
            An array made by :meth:`asarray` or computed from such arrays.

        Returns
        -------
        ndarray
            Its values, float64.
        """


class _NumpyBackend:
    """The default array backend of the data closure's pass over the rows: NumPy itself."""

    rows = 128   #: rows per block (the node-pair arrays of a block stay in the CPU's caches)
    block_bytes = None

    @staticmethod
    def asarray(a: np.ndarray) -> np.ndarray:
        return a

    @staticmethod
    def to_numpy(a: np.ndarray) -> np.ndarray:
        return a


NUMPY = _NumpyBackend()   #: NumPy on the CPU, ``_NumpyBackend.rows`` rows per block

BASIS_RTOL = 1e-14   #: singular values kept in the shared basis of the renormalised modes


def _shared_basis(model: DataModel, setups: list[dict]) -> tuple[np.ndarray, list[np.ndarray]]:
    r"""Orthonormal rows ``V`` (R, r) spanning, in the whitened coordinates
    :math:`y_k/\sqrt{\lambda_k}`, every split size's renormalised modes
    :math:`E_{ik} = c\,F_{ik}` (``c = sqrt(n'/n)`` undoes the split's scaling): with
    :math:`E\sqrt\lambda = A V` exactly up to ``BASIS_RTOL`` relative, the coefficients ``A``
    (L, R) per split size. The functions :math:`\sqrt{\lambda_k}/(\lambda_k+\kappa)` of ``k`` for
    :math:`\kappa` anywhere in a few decades form a numerically low-rank family (a Cauchy
    kernel), so ``R`` is far below the number of nodes of all split sizes together."""
    root = np.sqrt(model.eigvals)
    stacked = np.vstack([st["c"] * st["F"] * root for st in setups])
    _, sv, Vt = np.linalg.svd(stacked, full_matrices=False)
    keep = max(1, int((sv > BASIS_RTOL * sv[0]).sum())) if sv.size and sv[0] > 0 else 1
    V = np.ascontiguousarray(Vt[:keep])
    return V, [(st["c"] * st["F"] * root) @ V.T for st in setups]


def _data_closure_rows(model: DataModel, setups: list[dict], Z: np.ndarray,
                       show_progress: bool, backend: RowBackend | None = None) -> np.ndarray:
    r"""The ``"data"`` closure of :func:`closure_map_variances` for every split size, by one pass
    over the rows.

    Per split size, with the split's renormalised modes :math:`F_i` (nodes ``i``), the row
    projections :math:`\rho_{sji} = \sum_k Y_{jk}F_{ik}z_{sk}` of the split's rows
    :math:`Y = c\,y` and :math:`G_{jil} = \sum_m Y_{jm}^2F_{im}F_{lm}`, the variance is

    .. math:: \frac1N\sum_j \rho_{sj}^\top(B_f\circ G_j)\rho_{sj}
              - \sum_k z_{sk}^2\lambda_k'^2\,(F^{2\top}BF^2)_{kk}
              + \frac{2}{N n' c}\sum_{j,i} W_i\kappa_i\,\rho_{sji}\,g_{ji}
              \quad(\text{mean estimated}),

    :math:`g_{ji} = \sum_m Y_{jm}^2F_{im}(1-\bar m_m)`. The second term is the square of the
    rows' first moment :math:`\mathbb E_j[\rho_{sji}Y_j]`, which is exact without the rows:
    the coordinates are in the population's eigenbasis, so :math:`\frac1N\sum_jY_jY_j^\top =
    \mathrm{diag}(\lambda')`. In the shared basis (:func:`_shared_basis`),
    :math:`\rho_{sj} = A\,\psi_{sj}` with :math:`\psi_{sjr} = \sum_k (y_{jk}/\sqrt{\lambda_k})V_{rk}z_{sk}`
    and :math:`G_j = A\,\Gamma_jA^\top`, :math:`\Gamma_{jrq} = \sum_m (y_{jm}^2/\lambda_m)V_{rm}V_{qm}`:
    ``psi`` is one matrix product of the rows with all seeds, shared by every split size.

    ``backend`` (default :data:`NUMPY`) holds the arrays of the pass: anything with
    ``asarray(ndarray)``, ``to_numpy(array)``, ``rows`` (rows per block) and ``block_bytes``
    (fewer rows per block when ``rows x R x S x 8`` exceeds it; None: no bound) whose arrays support
    NumPy's ``@``, broadcasting, ``reshape``, ``.T`` and ``sum(axes)``, e.g. torch tensors on a
    GPU (:func:`rmtdiff.experiments.row_backend.row_backend`; this module imports no torch)."""
    lam = model.eigvals
    xp = NUMPY if backend is None else backend
    V, coefs = _shared_basis(model, setups)
    Rk = V.shape[0]
    VV = (V[:, None, :] * V[None]).reshape(Rk * Rk, -1).T            # (r, R^2)
    S, N = Z.shape[0], model.size
    first = xp.asarray(np.zeros((len(setups), S)))
    cross = xp.asarray(np.zeros((len(setups), S)))
    kernels = []
    for st, A in zip(setups, coefs):
        gw = (st["c"] ** 2 * st["F"] * (1 - st["mbar"])) if st["est"] else None  # g = y^2 gw^T
        kernels.append((xp.asarray(A), xp.asarray(st["Bf"]),
                        None if gw is None else xp.asarray(np.ascontiguousarray(gw.T)),
                        xp.asarray(st["Wk"])))
    inv_root, V, VV, ZT = (xp.asarray(a) for a in (1.0 / np.sqrt(lam), V, VV,
                                                     np.ascontiguousarray(Z.T)))
    rows = xp.rows                      # a block's (rows, R, S) arrays within the backend's bound
    if xp.block_bytes:
        rows = max(1, min(rows, xp.block_bytes // (8 * Rk * S)))
    for _, y in progress(model.blocks(rows), "fourth moments (rows)", show_progress,
                         total=-(-N // rows)):
        y = xp.asarray(y)
        C = y.shape[0]
        yw = y * inv_root
        psi = ((yw[:, None, :] * V[None]).reshape(C * Rk, -1) @ ZT).reshape(C, Rk, S)
        Gam = ((yw * yw) @ VV).reshape(C, Rk, Rk)
        y2 = y * y
        for k, (A, Bf, gwT, Wk) in enumerate(kernels):
            G = A @ Gam @ A.T                                        # (C, L, L)
            H = A.T @ (Bf * G) @ A                                   # (C, R, R)
            first[k] += (psi * (H @ psi)).sum((0, 1))
            if gwT is not None:
                v = ((y2 @ gwT) * Wk) @ A                            # (C, R)
                cross[k] += (v[:, None, :] @ psi).sum((0, 1))       # sum_jr v_jr psi_jrs
    first, cross = xp.to_numpy(first), xp.to_numpy(cross)
    out = first / N
    for k, st in enumerate(setups):
        F2 = st["F"] ** 2
        out[k] -= (Z * Z) @ (st["lam1"] ** 2 * np.einsum("ik,il,lk->k", F2, st["B"], F2))
        if st["est"]:
            out[k] += 2 * cross[k] / N / (st["n1"] * st["c"])
    return out
