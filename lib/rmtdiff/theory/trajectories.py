r"""Whole sampling trajectories: the expected sampling map and its variance across splits.

Conventions as in :mod:`rmtdiff.kappa` and :mod:`rmtdiff.fluctuations` (population eigenbasis,
mean known, ``n`` samples per split). A split's linear sampler maps a unit seed :math:`z` to

.. math:: x(\sigma) = M z,\qquad M = (\hat\Sigma + \sigma^2)^{1/2}(\hat\Sigma+\sigma_T^2)^{-1/2}\sigma_T
          \quad(\sigma_T<\infty),\qquad M = (\hat\Sigma+\sigma^2)^{1/2}\quad(\sigma_T=\infty).

**Resolvent representations.** Write :math:`a = \sigma^2`, :math:`b = \sigma_T^2`,
:math:`\hat G_t = \hat\Sigma(\hat\Sigma+t)^{-1}`. Balakrishnan's formula
:math:`A^{1/2} = \frac2\pi\int_0^\infty A(A+u^2)^{-1}du` with
:math:`(\hat\Sigma+a)(\hat\Sigma+a+u^2)^{-1} = I - \frac{u^2}{t}(I-\hat G_t)`, :math:`t=a+u^2`, gives

.. math:: (\hat\Sigma+a)^{1/2} = \sigma I + \frac2\pi\int_0^\infty\frac{u^2}{t}\,\hat G_t\,du .
   :label: map-infinite

For :math:`\sigma_T<\infty` the function :math:`h(x)=\sqrt{(x+a)/(x+b)}` has the Stieltjes form
:math:`h(x) = 1-\frac1\pi\int_a^b\sqrt{\tfrac{t-a}{b-t}}\frac{dt}{x+t}`; subtracting its value at
:math:`x=0` and using :math:`(\hat\Sigma+t)^{-1} = (I-\hat G_t)/t`,

.. math:: \sigma_T h(\hat\Sigma) = \sigma I + \frac{\sigma_T}{\pi}\int_a^b\sqrt{\tfrac{t-a}{b-t}}\,
          \frac{\hat G_t}{t}\,dt .
   :label: map-finite

(The partial-fraction route of THEORY.md section 6 leads to the same single integral.) Both are
:math:`\sigma I + \int\omega(t)\hat G_t\,dt` with a positive weight and no cancellation. Replacing
:math:`\hat G_t` by its deterministic equivalent :math:`\Sigma(\Sigma+\kappa(t))^{-1}` gives the
expected map, and the two-level covariance kernel of :mod:`rmtdiff.fluctuations` gives

.. math:: \operatorname{Var}[v^\top Mz] \simeq \iint\omega(t)\omega(t')
          \frac{\kappa\kappa'}{n-\mathrm{df}_2(\kappa,\kappa')}\big[P(v)P(z)+P(v,z)^2\big]dt\,dt' .

**Quadrature.** :eq:`map-infinite` uses :math:`u = c\tan\theta`; :eq:`map-finite` uses
:math:`t = a + (b-a)\sin^2\theta`, which removes the endpoint singularity. Both integrate over
:math:`\theta\in[0,\pi/2]` with composite Gauss-Legendre on ``PANELS`` panels halving towards
:math:`\theta=0` (where the small eigenvalues' features sit), ``ORDER`` nodes each: no truncated
range. The defaults come from the convergence study in the chapter and its tests.
"""

from __future__ import annotations

import numpy as np

from ..util.checks import as_array, check_eigs, check_int, check_last_dim, check_n, check_positive
from .kappa import df2, solve_kappa

PANELS = None    #: panels [pi/2 2^-(j+1), pi/2 2^-j] (+ one down to 0); None: enough to reach the
                 #: smallest feature, theta_min = sqrt(smallest scale / largest scale), plus 4
ORDER = 10       #: Gauss-Legendre nodes per panel (relative error ~1e-14, see the chapter)


def graded_nodes(panels: int = 24, order: int = ORDER) -> tuple[np.ndarray, np.ndarray]:
    r"""Composite Gauss-Legendre nodes and weights on :math:`[0, \pi/2]`, panels halving towards 0.

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


def map_nodes(eigs, n, sigma: float = 0.0, sigma_T: float = np.inf, panels: int | None = PANELS,
              order: int = ORDER):
    r"""Ridges :math:`t_i`, weights :math:`W_i` and :math:`\kappa_i = \kappa(t_i)` such that
    :math:`M \approx \sigma I + \sum_i W_i\hat G_{t_i}` (eqs. :eq:`map-infinite`, :eq:`map-finite`).

    Returns
    -------
    t, W, kappa : ndarrays, shape (panels * order,)
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    sigma_T = check_positive(sigma_T, "sigma_T", allow_inf=True)
    sigma = check_positive(sigma, "sigma", allow_zero=True)
    if not sigma < sigma_T:
        raise ValueError(f"sigma must be < sigma_T; got sigma = {sigma}, sigma_T = {sigma_T}")
    a = sigma**2
    top = lam.max() + a + lam.sum() / n if np.isinf(sigma_T) else sigma_T**2
    smallest = a + max(lam[lam > 0].min(), float(solve_kappa(0.0, lam, n)))
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
    return t, W, solve_kappa(t, lam, n)


def sampling_map_gain(eigs, n, sigma: float = 0.0, sigma_T: float = np.inf,
                      panels: int | None = PANELS, order: int = ORDER) -> np.ndarray:
    r"""Deterministic equivalent of the diagonal of :math:`\mathbb E[M]` in the population basis:
    :math:`\sigma + \sum_i W_i\,\lambda_k/(\lambda_k+\kappa(t_i))`.

    For :math:`n\to\infty` it is the population map :math:`\sqrt{(\lambda+\sigma^2)/(\lambda+\sigma_T^2)}\,\sigma_T`
    (:math:`\sqrt{\lambda+\sigma^2}` for :math:`\sigma_T=\infty`).

    Parameters
    ----------
    eigs : array_like, shape (d,)
    n : float
    sigma : float, ``0 <= sigma < sigma_T``
    sigma_T : float, may be ``inf``

    Returns
    -------
    ndarray, shape (d,)

    Examples
    --------
    >>> round(float(sampling_map_gain([4.0], 1e15)[0]), 8)
    2.0
    """
    lam = check_eigs(eigs)
    t, W, k = map_nodes(lam, n, sigma, sigma_T, panels, order)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(lam > 0, lam / (lam + k[:, None]), 0.0)      # (N, d)
    return sigma + W @ ratio


def _kernel(lam, n, W, k, t):
    """B'_ij = W_i W_j kappa_i kappa_j / (n - df2(kappa_i, kappa_j)) and F_ik = 1/(lam_k + kappa_i),
    with n - df2 as :func:`rmtdiff.kappa.residual_dof` takes it (no cancellation): n (t_i/kappa_i
    + t_j/kappa_j)/2 + sum_k (r_ik q_jk + r_jk q_ik)/2 (every node has t_i > 0, so kappa_i > 0)."""
    F = 1.0 / (lam + k[:, None])                                      # (N, d)
    pos = lam > 0
    R, Q = (F * lam)[:, pos], (F * k[:, None])[:, pos]                # r_ik, q_ik
    free = n * t / k
    dof = 0.5 * (free[:, None] + free[None, :]) + 0.5 * (R @ Q.T + Q @ R.T)
    return np.outer(W * k, W * k) / dof, F


def sampling_map_variance(eigs, n, v, z, sigma: float = 0.0, sigma_T: float = np.inf,
                          cross_term: bool = True, panels: int | None = PANELS,
                          order: int = ORDER) -> np.ndarray:
    r"""Variance over splits of :math:`v^\top x(\sigma)` for seeds :math:`z` (population basis).

    Parameters
    ----------
    eigs : array_like, shape (d,)
    n : float
    v : array_like, shape (d,)
        Output direction.
    z : array_like, shape (d,) or (m, d)
        Unit seeds.
    sigma, sigma_T : as in :func:`sampling_map_gain`
    cross_term : bool
        Include the :math:`P(v,z)^2` term. Cheap when ``v`` is a basis vector; otherwise it costs
        :math:`O(N^2 d)` per seed (:math:`N` = ``panels * order``).

    Returns
    -------
    ndarray, shape ``z.shape[:-1]``
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    v = as_array(v, "v", ndim=1)
    check_last_dim(v, lam.size, "v", "the number of population eigenvalues")
    z = as_array(z, "z", ndim=(1, 2))
    check_last_dim(z, lam.size, "z", "the number of population eigenvalues")
    Z = np.atleast_2d(z)
    t, W, k = map_nodes(lam, n, sigma, sigma_T, panels, order)
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


def sampling_map_mode_variance(eigs, n, z, sigma: float = 0.0, sigma_T: float = np.inf,
                               cross_term: bool = True, panels: int | None = PANELS,
                               order: int = ORDER) -> np.ndarray:
    r"""Variance over splits of every output mode :math:`x_k(\sigma)` at once: what
    :func:`sampling_map_variance` gives for :math:`v = e_k`, for all ``k``, at :math:`O(N^2 d)`
    per seed instead of per mode. With ``z = np.ones(d)`` it is the average over seeds
    :math:`z\sim\mathcal N(0, I)` (the law is linear in the :math:`z_k^2`).

    Returns
    -------
    ndarray, shape ``z.shape`` (one variance per seed and mode)
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    z = as_array(z, "z", ndim=(1, 2))
    check_last_dim(z, lam.size, "z", "the number of population eigenvalues")
    t, W, k = map_nodes(lam, n, sigma, sigma_T, panels, order)
    B, F = _kernel(lam, n, W, k, t)
    cross = ((F**2).T @ B @ F**2).diagonal() * lam**2 if cross_term else np.zeros(lam.size)
    out = np.empty(np.atleast_2d(z).shape)
    for m, zm in enumerate(np.atleast_2d(z)):
        Pz = (F * (zm**2 * lam)) @ F.T                                 # P_ij(z_m)
        out[m] = lam * ((B * Pz) @ F * F).sum(0) + zm**2 * cross
    return out.reshape(z.shape)


def sampling_map_total_variance(eigs, n, z, sigma: float = 0.0, sigma_T: float = np.inf,
                                cross_term: bool = True, panels: int | None = PANELS,
                                order: int = ORDER) -> np.ndarray:
    r"""Sum over all output modes of :func:`sampling_map_variance`: half the expected same-seed
    squared distance :math:`\mathbb E\|x_1(\sigma) - x_2(\sigma)\|^2` between two splits.

    Returns
    -------
    ndarray, shape ``z.shape[:-1]``
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    z = as_array(z, "z", ndim=(1, 2))
    check_last_dim(z, lam.size, "z", "the number of population eigenvalues")
    Z = np.atleast_2d(z)
    t, W, k = map_nodes(lam, n, sigma, sigma_T, panels, order)
    B, F = _kernel(lam, n, W, k, t)
    trace_term = F * lam                                               # lam_k F_ik
    Ptr = trace_term @ F.T                                             # sum_k P_ij(e_k)
    h = ((Ptr * B) @ F * F).sum(0)
    out = (Z**2 * lam) @ h
    if cross_term:
        out = out + (Z**2 * lam**2) @ ((F**2).T @ B @ F**2).diagonal()
    return out.reshape(z.shape[:-1])
