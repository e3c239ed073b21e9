r"""Whole sampling trajectories: the expected sampling map and its variance across splits.

Conventions as in :mod:`rmtdiff.theory.kappa` and :mod:`rmtdiff.theory.fluctuations` (population
eigenbasis, mean known, ``n`` samples per split, ``sigma`` a standard deviation; ``sigma`` and
``sigma_T`` are keyword-only everywhere, ``sigma_T`` defaults to ``SIGMA_MAX`` = 80 and may be
``inf``). A split's linear sampler maps a unit seed :math:`z` to

.. math:: x(\sigma) = M z,\qquad M = (\hat\Sigma + \sigma^2)^{1/2}(\hat\Sigma+\sigma_T^2)^{-1/2}\sigma_T
          \quad(\sigma_T<\infty),\qquad M = (\hat\Sigma+\sigma^2)^{1/2}\quad(\sigma_T=\infty).

**Resolvent representations.** Write :math:`a = \sigma^2`, :math:`b = \sigma_T^2`,
:math:`\hat G_t = \hat\Sigma(\hat\Sigma+t)^{-1}`. Balakrishnan's formula
:math:`A^{1/2} = \frac2\pi\int_0^\infty A(A+u^2)^{-1}du` with
:math:`(\hat\Sigma+a)(\hat\Sigma+a+u^2)^{-1} = I - \frac{u^2}{t}(I-\hat G_t)`, :math:`t=a+u^2`, gives

.. math:: (\hat\Sigma+a)^{1/2} = \sigma I + \frac2\pi\int_0^\infty\frac{u^2}{t}\,\hat G_t\,du .
   :label: map-inf

For :math:`\sigma_T<\infty` the function :math:`h(x)=\sqrt{(x+a)/(x+b)}` has the Stieltjes form
:math:`h(x) = 1-\frac1\pi\int_a^b\sqrt{\tfrac{t-a}{b-t}}\frac{dt}{x+t}`; subtracting its value at
:math:`x=0` and using :math:`(\hat\Sigma+t)^{-1} = (I-\hat G_t)/t`,

.. math:: \sigma_T h(\hat\Sigma) = \sigma I + \frac{\sigma_T}{\pi}\int_a^b\sqrt{\tfrac{t-a}{b-t}}\,
          \frac{\hat G_t}{t}\,dt .
   :label: map-fin

(Chapter 4 derives the same single integral, which avoids the partial fractions of a double one.) Both are
:math:`\sigma I + \int\omega(t)\hat G_t\,dt` with a positive weight and no cancellation. Replacing
:math:`\hat G_t` by its deterministic equivalent :math:`\Sigma(\Sigma+\kappa(t))^{-1}` gives the
expected map (:eq:`map-mean`), and the two-level covariance kernel of
:mod:`rmtdiff.theory.fluctuations` (:eq:`two-level`) gives

.. math:: \operatorname{Var}[v^\top Mz] \simeq \iint\omega(t)\omega(t')
          \frac{\kappa\kappa'}{n-\mathrm{df}_2(\kappa,\kappa')}\big[P(v)P(z)+P(v,z)^2\big]dt\,dt' .
   :label: map-var

**Quadrature.** :eq:`map-inf` uses :math:`u = c\tan\theta`; :eq:`map-fin` uses
:math:`t = a + (b-a)\sin^2\theta`, which removes the endpoint singularity. Both integrate over
:math:`\theta\in[0,\pi/2]` with composite Gauss-Legendre on ``PANELS`` panels halving towards
:math:`\theta=0` (where the small eigenvalues' features sit), ``ORDER`` nodes each: no truncated
range. The defaults come from the convergence study in the chapter and its tests.

**A split that estimates its own mean** (what a model trained on a split does): the final image
is :math:`\hat\mu + M(x_T - \hat\mu)`, with :math:`M` built from the centred covariance,
:math:`\frac{n-1}{n}` times a known-mean covariance of :math:`n' = n-1` samples. For Gaussian
data :math:`\hat\mu` and the centred covariance are independent, so, with seeds ``z`` taken
relative to the mean (:math:`z = U^\top(z_{\rm pix} - \mu/\sigma_T)`),

.. math:: \operatorname{Var}[x_k(0)] = \operatorname{Var}_{n',\,\lambda n'/n}[(Mz)_k]
          + \frac{\lambda_k}{n}\Big(1 - \frac{\bar g_k}{\sigma_T}\Big)^2,
          \qquad \bar g = \text{the expected map of } (n', \lambda n'/n),
   :label: split-map-var

:func:`split_map_variance`, the one home of this law: the prediction tool, the band theory of the
network chapters and the mismatch law all call it (and :func:`split_map_gain` for
:math:`\bar g`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..core.edm import SIGMA_MAX
from ..util.checks import (as_array, check_eigs, check_int, check_last_dim, check_n,
                           check_positive)
from .kappa import _solve_kappa

PANELS = None    #: panels [pi/2 2^-(j+1), pi/2 2^-j] (+ one down to 0); None: enough to reach the
                 #: smallest feature, theta_min = sqrt(smallest scale / largest scale), plus 4
ORDER = 10       #: Gauss-Legendre nodes per panel (relative error ~1e-14, see the chapter)
MEANS = ("known", "estimated")


def graded_nodes(panels: int = 24, order: int = ORDER) -> tuple[np.ndarray, np.ndarray]:
    r"""Composite Gauss-Legendre nodes and weights on :math:`[0, \pi/2]`, panels halving towards 0.

    Parameters
    ----------
    panels : int
        Number of panels :math:`[\frac\pi2 2^{-(j+1)}, \frac\pi2 2^{-j}]` (the last reaches 0).
    order : int
        Gauss-Legendre nodes per panel.

    Returns
    -------
    theta, weights : ndarray, shape (panels * order,), float64

    >>> th, w = graded_nodes(10, 8)
    >>> round(float(w.sum()), 12), round(float((np.sin(th) * w).sum()), 12)
    (1.570796326795, 1.0)
    """
    panels = check_int(panels, "panels")
    order = check_int(order, "order")
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.r_[0.0, (np.pi / 2) * 0.5 ** np.arange(panels - 1, -1, -1)]
    lo, hi = edges[:-1, None], edges[1:, None]
    return ((lo + hi) / 2 + (hi - lo) / 2 * x).ravel(), ((hi - lo) / 2 * w).ravel()


def _check_levels(sigma: float, sigma_T: float) -> tuple[float, float]:
    sigma_T = check_positive(sigma_T, "sigma_T", allow_inf=True)
    sigma = check_positive(sigma, "sigma", allow_zero=True)
    if not sigma < sigma_T:
        raise ValueError(f"sigma must be < sigma_T; got sigma = {sigma}, sigma_T = {sigma_T}")
    return sigma, sigma_T


def _nodes(lam: np.ndarray, n: float, sigma: float, sigma_T: float, panels, order):
    """:func:`map_nodes` on checked inputs."""
    a = sigma**2
    top = lam.max() + a + lam.sum() / n if np.isinf(sigma_T) else sigma_T**2
    smallest = a + max(lam[lam > 0].min(), float(_solve_kappa(np.zeros(()), lam, n)))
    if panels is None:
        panels = max(8, int(np.ceil(0.5 * np.log2(top / smallest))) + 4)
    theta, w = graded_nodes(panels, order)
    if np.isinf(sigma_T):
        c = np.sqrt(top)                                       # puts every feature below pi/4
        u = c * np.tan(theta)
        t = a + u**2
        W = (2 / np.pi) * (u**2 / t) * c / np.cos(theta) ** 2 * w
    else:
        b = sigma_T**2
        t = a + (b - a) * np.sin(theta) ** 2
        W = sigma_T / np.pi * 2 * (b - a) * np.sin(theta) ** 2 / t * w
    return t, W, _solve_kappa(t, lam, n)


def map_nodes(eigs: ArrayLike, n: float, *, sigma: float = 0.0, sigma_T: float = SIGMA_MAX,
              panels: int | None = PANELS, order: int = ORDER
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Ridges :math:`t_i`, weights :math:`W_i` and :math:`\kappa_i = \kappa(t_i)` such that
    :math:`M \approx \sigma I + \sum_i W_i\hat G_{t_i}` (eqs. :eq:`map-inf`, :eq:`map-fin`).

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``.
    n : float
        Samples per split.
    sigma, sigma_T : float
        Target and initial noise levels, ``0 <= sigma < sigma_T`` (``sigma_T`` may be ``inf``).
    panels : int or None
        Quadrature panels (None: enough to resolve the smallest scale, see the module docstring).
    order : int
        Gauss-Legendre nodes per panel.

    Returns
    -------
    t, W, kappa : ndarray, shape (panels * order,), float64

    >>> t, W, k = map_nodes(np.ones(3), 10, sigma_T=80.0, panels=8, order=4)
    >>> t.shape, bool(np.all(k >= t))
    ((32,), True)
    """
    lam = check_eigs(eigs)
    sigma, sigma_T = _check_levels(sigma, sigma_T)
    return _nodes(lam, check_n(n), sigma, sigma_T, panels, order)


def _gain(lam, n, sigma, sigma_T, panels, order) -> np.ndarray:
    t, W, k = _nodes(lam, n, sigma, sigma_T, panels, order)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(lam > 0, lam / (lam + k[:, None]), 0.0)      # (N, d)
    return sigma + W @ ratio


def sampling_map_gain(eigs: ArrayLike, n: float, *, sigma: float = 0.0, sigma_T: float = SIGMA_MAX,
                      panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""Deterministic equivalent of the diagonal of :math:`\mathbb E[M]` in the population basis
    (eq. :eq:`map-mean`): :math:`\sigma + \sum_i W_i\,\lambda_k/(\lambda_k+\kappa(t_i))`.

    For :math:`n\to\infty` it is the population map
    :func:`rmtdiff.core.linear_diffusion.map_gain`,
    :math:`\sqrt{(\lambda+\sigma^2)/(\lambda+\sigma_T^2)}\,\sigma_T`
    (:math:`\sqrt{\lambda+\sigma^2}` for :math:`\sigma_T=\infty`).

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``.
    n : float
        Samples per split (mean known).
    sigma, sigma_T : float
        ``0 <= sigma < sigma_T``; ``sigma_T`` may be ``inf``.
    panels, order : quadrature (see :func:`map_nodes`)

    Returns
    -------
    ndarray, shape (d,), float64

    Examples
    --------
    >>> round(float(sampling_map_gain([4.0], 1e15, sigma_T=np.inf)[0]), 8)
    2.0
    """
    lam = check_eigs(eigs)
    sigma, sigma_T = _check_levels(sigma, sigma_T)
    return _gain(lam, check_n(n), sigma, sigma_T, panels, order)


def _kernel(lam, n, W, k, t):
    """B'_ij = W_i W_j kappa_i kappa_j / (n - df2(kappa_i, kappa_j)) and F_ik = 1/(lam_k + kappa_i),
    with n - df2 as :func:`rmtdiff.theory.kappa.residual_dof` takes it (no cancellation):
    n (t_i/kappa_i + t_j/kappa_j)/2 + sum_k (r_ik q_jk + r_jk q_ik)/2 (every node has t_i > 0, so
    kappa_i > 0)."""
    F = 1.0 / (lam + k[:, None])                                      # (N, d)
    pos = lam > 0
    R, Q = (F * lam)[:, pos], (F * k[:, None])[:, pos]                # r_ik, q_ik
    free = n * t / k
    dof = 0.5 * (free[:, None] + free[None, :]) + 0.5 * (R @ Q.T + Q @ R.T)
    return np.outer(W * k, W * k) / dof, F


def _seeds(z, d: int, name: str = "z") -> np.ndarray:
    z = as_array(z, name, ndim=(1, 2))
    check_last_dim(z, d, name, "the number of population eigenvalues")
    return z


def sampling_map_variance(eigs: ArrayLike, n: float, v: ArrayLike, z: ArrayLike, *, sigma: float = 0.0,
                          sigma_T: float = SIGMA_MAX, cross_term: bool = True,
                          panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""Variance over splits of :math:`v^\top x(\sigma)` for seeds :math:`z` (population basis),
    eq. :eq:`map-var`, mean known.

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``.
    n : float
        Samples per split.
    v : array_like, shape (d,)
        Output direction.
    z : array_like, shape (d,) or (m, d)
        Unit seeds.
    sigma, sigma_T : float
        As in :func:`sampling_map_gain`.
    cross_term : bool
        Include the :math:`P(v,z)^2` term. Cheap when ``v`` is a basis vector; otherwise it costs
        :math:`O(N^2 d)` per seed (:math:`N` = ``panels * order``).
    panels, order : quadrature (see :func:`map_nodes`)

    Returns
    -------
    ndarray, shape ``z.shape[:-1]``, float64

    >>> float(sampling_map_variance([1.0, 1.0], 1e15, [1.0, 0.0], [1.0, 1.0])) < 1e-12
    True
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    sigma, sigma_T = _check_levels(sigma, sigma_T)
    v = as_array(v, "v", ndim=1)
    check_last_dim(v, lam.size, "v", "the number of population eigenvalues")
    z = _seeds(z, lam.size)
    Z = np.atleast_2d(z)
    t, W, k = _nodes(lam, n, sigma, sigma_T, panels, order)
    B, F = _kernel(lam, n, W, k, t)
    Pv = (F * (v**2 * lam)) @ F.T                                      # P_ij(v)
    h = ((Pv * B) @ F * F).sum(0)                                      # h_k = sum_ij B_ij Pv_ij F_ik F_jk
    out = (Z**2 * lam) @ h
    if cross_term:
        support = np.flatnonzero(v)
        if support.size == 1:                                          # v along one eigenvector
            p = support[0]
            out = out + (v[p] * Z[:, p] * lam[p]) ** 2 * (F[:, p] ** 2 @ B @ F[:, p] ** 2)
        else:
            for m, zm in enumerate(Z):
                S = (F * (v * zm * lam)) @ F.T                         # P_ij(v, z_m)
                out[m] += (B * S * S).sum()
    return out.reshape(z.shape[:-1])


def _mode_variance(lam, n, z, sigma, sigma_T, cross_term, panels, order) -> np.ndarray:
    t, W, k = _nodes(lam, n, sigma, sigma_T, panels, order)
    B, F = _kernel(lam, n, W, k, t)
    cross = ((F**2).T @ B @ F**2).diagonal() * lam**2 if cross_term else np.zeros(lam.size)
    out = np.empty(np.atleast_2d(z).shape)
    for m, zm in enumerate(np.atleast_2d(z)):
        Pz = (F * (zm**2 * lam)) @ F.T                                 # P_ij(z_m)
        out[m] = lam * ((B * Pz) @ F * F).sum(0) + zm**2 * cross
    return out.reshape(z.shape)


def sampling_map_mode_variance(eigs: ArrayLike, n: float, z: ArrayLike, *, sigma: float = 0.0,
                               sigma_T: float = SIGMA_MAX, cross_term: bool = True,
                               panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""Variance over splits of every output mode :math:`x_k(\sigma)` at once: what
    :func:`sampling_map_variance` gives for :math:`v = e_k`, for all ``k``, at :math:`O(N^2 d)`
    per seed instead of per mode. With ``z = np.ones(d)`` it is the average over seeds
    :math:`z\sim\mathcal N(0, I)` (the law is linear in the :math:`z_k^2`).

    Parameters
    ----------
    eigs : array_like, shape (d,)
    n : float
    z : array_like, shape (d,) or (m, d)
        Unit seeds, population basis.
    sigma, sigma_T, cross_term, panels, order : as in :func:`sampling_map_variance`

    Returns
    -------
    ndarray, shape ``z.shape`` (one variance per seed and mode), float64

    >>> sampling_map_mode_variance(np.ones(2), 1e15, np.ones(2)).shape
    (2,)
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    sigma, sigma_T = _check_levels(sigma, sigma_T)
    z = _seeds(z, lam.size)
    return _mode_variance(lam, n, z, sigma, sigma_T, cross_term, panels, order)


def _total_variance(lam, n, Z, sigma, sigma_T, cross_term, panels, order) -> np.ndarray:
    t, W, k = _nodes(lam, n, sigma, sigma_T, panels, order)
    B, F = _kernel(lam, n, W, k, t)
    Ptr = (F * lam) @ F.T                                              # sum_k P_ij(e_k)
    h = ((Ptr * B) @ F * F).sum(0)
    out = (Z**2 * lam) @ h
    if cross_term:
        out = out + (Z**2 * lam**2) @ ((F**2).T @ B @ F**2).diagonal()
    return out


def sampling_map_total_variance(eigs: ArrayLike, n: float, z: ArrayLike, *, sigma: float = 0.0,
                                sigma_T: float = SIGMA_MAX, cross_term: bool = True,
                                panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""Sum over all output modes of :func:`sampling_map_variance` (mean known): half the expected
    same-seed squared distance :math:`\mathbb E\|x_1(\sigma) - x_2(\sigma)\|^2` between two
    splits. With the split's own mean: :func:`split_map_variance`.

    Parameters
    ----------
    eigs : array_like, shape (d,)
    n : float
    z : array_like, shape (d,) or (m, d)
        Unit seeds, population basis.
    sigma, sigma_T, cross_term, panels, order : as in :func:`sampling_map_variance`

    Returns
    -------
    ndarray, shape ``z.shape[:-1]``, float64

    >>> sampling_map_total_variance(np.ones(3), 30, np.ones((4, 3))).shape
    (4,)
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    sigma, sigma_T = _check_levels(sigma, sigma_T)
    z = _seeds(z, lam.size)
    out = _total_variance(lam, n, np.atleast_2d(z), sigma, sigma_T, cross_term, panels, order)
    return out.reshape(z.shape[:-1])


def _centred(lam: np.ndarray, n: float, mean: str) -> tuple[np.ndarray, float]:
    """Eigenvalues and sample count of the known-mean covariance whose map a split with its own
    mean runs: ``(lam (n-1)/n, n-1)`` for ``mean="estimated"``, ``(lam, n)`` for ``"known"``."""
    if mean not in MEANS:
        raise ValueError(f"mean must be one of {MEANS}; got {mean!r}")
    if mean == "known":
        return lam, n
    if n <= 1:
        raise ValueError(f"mean='estimated' needs n > 1 samples; got n = {n}")
    return lam * ((n - 1) / n), n - 1


def split_map_gain(eigs: ArrayLike, n: float, *, sigma_T: float = SIGMA_MAX, mean: str = "estimated",
                   panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""The expected map :math:`\bar g` of a split's linear sampler, per population mode, at
    :math:`\sigma = 0` (eq. :eq:`split-map-var`): :func:`sampling_map_gain` of the centred
    covariance, :math:`(n', \lambda n'/n)`, when the split estimates its mean.

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``.
    n : float
        Samples per split (``> 1`` for ``mean="estimated"``).
    sigma_T : float
        Initial noise level (``inf`` allowed).
    mean : {"estimated", "known"}
    panels, order : quadrature (see :func:`map_nodes`)

    Returns
    -------
    ndarray, shape (d,), float64

    >>> g = split_map_gain([1.0, 0.01], 1e12)
    >>> bool(np.allclose(g, 80 * np.sqrt(np.array([1.0, 0.01]) / (np.array([1.0, 0.01]) + 6400))))
    True
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    _, sigma_T = _check_levels(0.0, sigma_T)
    lam1, n1 = _centred(lam, n, mean)
    return _gain(lam1, n1, 0.0, sigma_T, panels, order)


def split_map_variance(eigs: ArrayLike, n: float, z: ArrayLike, *, sigma_T: float = SIGMA_MAX,
                       mean: str = "estimated", per_mode: bool = False,
                       panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""Variance over splits of the final image (:math:`\sigma = 0`) of a split's linear sampler
    from seeds ``z``, eq. :eq:`split-map-var`: the one law for a split that estimates its own mean
    and covariance (Gaussian data), used by the prediction tool, the network chapters' band
    theory and the mismatch law.

    Parameters
    ----------
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``.
    n : float
        Samples per split (``> 1`` for ``mean="estimated"``).
    z : array_like, shape (d,) or (m, d)
        Seeds in population-eigenbasis coordinates relative to the mean in units of
        :math:`\sigma_T`: for a pixel-space seed :math:`z_{\rm pix}` (:math:`x_T = \sigma_T
        z_{\rm pix}`), :math:`z = U^\top(z_{\rm pix} - \mu/\sigma_T)`. ``np.ones(d)`` gives the
        average over seeds.
    sigma_T : float
        Initial noise level (``inf`` allowed: the mean term is then :math:`\lambda_k/n`).
    mean : {"estimated", "known"}
        ``"known"``: :func:`sampling_map_total_variance` (or the per-mode variance) at ``n``.
    per_mode : bool
        Return the variance of every output mode instead of their sum.
    panels, order : quadrature (see :func:`map_nodes`)

    Returns
    -------
    ndarray, float64: shape ``z.shape[:-1]``, or ``z.shape`` with ``per_mode``

    Examples
    --------
    With huge ``n`` only the mean's :math:`\lambda_k(1-\bar g_k/\sigma_T)^2/n` is left:

    >>> v = split_map_variance([1.0], 1e8, [0.0], sigma_T=np.inf)
    >>> round(float(v) * 1e8, 6)
    1.0
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    _, sigma_T = _check_levels(0.0, sigma_T)
    z = _seeds(z, lam.size)
    lam1, n1 = _centred(lam, n, mean)
    if per_mode:
        out = _mode_variance(lam1, n1, z, 0.0, sigma_T, True, panels, order)
    else:
        out = _total_variance(lam1, n1, np.atleast_2d(z), 0.0, sigma_T, True, panels,
                              order).reshape(z.shape[:-1])
    if mean == "known":
        return out
    mean_part = _mean_part(lam, n, _gain(lam1, n1, 0.0, sigma_T, panels, order), sigma_T)
    return out + (mean_part if per_mode else mean_part.sum())


def _mean_part(lam: np.ndarray, n: float, gain: np.ndarray, sigma_T: float) -> np.ndarray:
    """The split mean's term of eq. split-map-var per mode, lambda_k (1 - gbar_k/sigma_T)^2 / n,
    from the expected map ``gain`` of the centred covariance (0 gain at sigma_T = inf)."""
    mbar = gain / sigma_T if np.isfinite(sigma_T) else np.zeros_like(gain)
    return lam * (1 - mbar) ** 2 / n
