r"""Fluctuations of the learned linear denoiser across splits (second-order deterministic equivalents).

Conventions as in :mod:`rmtdiff.theory.kappa`: ``eigs`` are the population eigenvalues, ``n`` samples per
split, ``s = sigma^2``; vectors ``v`` (output direction) and ``x`` (input) are given in the
population eigenbasis, so :math:`u_k` is the coordinate of :math:`u` along eigenvector
:math:`k`. With the mean known (:math:`\mu = 0`) a split's denoiser is
:math:`\hat D(x;\sigma) = \hat\Sigma(\hat\Sigma+s)^{-1}x`.

The paper's variance law (Wang, Zavatone-Veth & Pehlevan 2026; chapter 3 of the book):

.. math:: \operatorname{Var}[v^\top\hat D(x;\sigma)] \simeq
          \underbrace{\frac{\kappa^2}{n-\mathrm{df}_2(\kappa)}}_{\text{scaling}}\,
          \underbrace{Q(v)}_{\text{anisotropy}}\,\underbrace{Q(x)}_{\text{inhomogeneity}},
          \qquad Q(u) = \sum_k u_k^2\frac{\lambda_k}{(\lambda_k+\kappa)^2},\ \kappa = \kappa(s),

The paper's leading-order law assumes delocalised ``v`` and ``x``. The same second-order
expansion also produces the Wick partner term, so that in full

.. math:: \operatorname{Var}[v^\top\hat D(x;\sigma)] \simeq \frac{\kappa^2}{n-\mathrm{df}_2}
          \big[Q(v)Q(x) + C(v,x)^2\big],\qquad C(v, x) = \sum_k v_k x_k\frac{\lambda_k}{(\lambda_k+\kappa)^2};
   :label: var-law

:math:`C^2 \le Q(v)Q(x)`, with equality when ``v`` and ``x`` lie along one eigenvector (the
variance then doubles) and :math:`C^2/(QQ) = O(1/d)` for generic directions. The functions below
include it unless ``cross_term=False`` (the paper's form); the tests show Monte Carlo needs it for
aligned ``v``, ``x``.

Between two noise levels :math:`a, b` (``kappa_a = kappa(a)``, ``kappa_b = kappa(b)``),

.. math:: \operatorname{Cov}[v^\top\hat G_a x, v^\top\hat G_b x] \simeq
          \frac{\kappa_a\kappa_b}{n-\mathrm{df}_2(\kappa_a,\kappa_b)}\big[P(v)P(x) + P(v,x)^2\big],\quad
          P(u, w) = \sum_k u_k w_k\frac{\lambda_k}{(\lambda_k+\kappa_a)(\lambda_k+\kappa_b)},\ P(u) = P(u, u).

When each split also estimates its mean, :math:`\hat D(x) = \hat\mu + \hat G_c(x-\hat\mu)`
with :math:`\hat G_c` built from the centred covariance. For Gaussian data :math:`\hat\mu` is
independent of the centred covariance, the cross term vanishes, and the extra variance is
:math:`\frac1n\mathbb E[v^\top s\hat R\,\Sigma\,s\hat R v]`, whose second-order deterministic
equivalent :math:`\mathbb E[s^2\hat R\Sigma\hat R]\simeq\frac{n\kappa^2}{n-\mathrm{df}_2}\Sigma(\Sigma+\kappa)^{-2}`
gives

.. math:: \operatorname{Var}_{\text{mean est.}}[v^\top\hat D(x)] \simeq
          \frac{\kappa^2}{n-\mathrm{df}_2}\,Q(v)\,\big(Q(x) + 1\big):
   :label: var-mean

the mean adds one unit to the inhomogeneity factor, and dominates when :math:`Q(x)` is small
(large :math:`\sigma`, inputs near the mean). At :math:`\sigma\to\infty` it tends to
:math:`v^\top\Sigma v/n`, the variance of :math:`v^\top\hat\mu`. The functions below use the
exact bookkeeping of the degrees of freedom: the centred covariance is
:math:`\frac{n-1}{n}\hat\Sigma'` with :math:`\hat\Sigma'` a known-mean covariance of
:math:`n' = n-1` samples, so :math:`\hat G_c(s)` is the known-mean gain at :math:`(n', s' = sn/n')`
and the law reads :math:`\frac{\kappa'^2}{n'-\mathrm{df}_2(\kappa')}Q'(v)\big(Q'(x) + n'/n\big)`
with :math:`\kappa' = \kappa(s'; n')`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_eigs, check_last_dim, check_n, check_s
from .kappa import _residual_dof, _solve_kappa, scaling


def _vectors(u, d: int, name: str) -> np.ndarray:
    u = as_array(u, name, ndim=(1, 2))
    check_last_dim(u, d, name, "the number of population eigenvalues")
    return u


def _terms(s, lam: np.ndarray, n: float):
    """kappa(s) solved once: the anisotropy a_k (s.shape + (d,)) and the scaling factor (s.shape)."""
    k = _solve_kappa(s, lam, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(lam > 0, lam / (lam + k[..., None]) ** 2, 0.0)
    return a, scaling(k**2, _residual_dof(k, s, lam, n))


def scaling_factor(s: ArrayLike, eigs: ArrayLike, n: float) -> np.ndarray:
    r""":math:`\kappa^2/(n - \mathrm{df}_2(\kappa))` at :math:`\kappa = \kappa(s)`, the scaling
    factor of eq. :eq:`var-law`. For large ``n`` it tends to :math:`s^2/n` (the
    :math:`\sigma^4/n` scaling).

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, shape of ``s``, float64

    >>> round(float(scaling_factor(1.0, [1.0], 1e12) * 1e12), 6)
    1.0
    """
    return _terms(check_s(s), check_eigs(eigs), check_n(n))[1]


def anisotropy(s: ArrayLike, eigs: ArrayLike, n: float) -> np.ndarray:
    r"""Per-mode factor :math:`\lambda_k/(\lambda_k+\kappa(s))^2` (= :math:`Q(e_k)`), shape
    ``s.shape + (d,)``, the anisotropy of eq. :eq:`var-law`. As a function of :math:`\lambda`
    it peaks at :math:`\lambda = \kappa`; 0 for zero eigenvalues.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, shape ``s.shape + (d,)``, float64

    >>> anisotropy(0.0, [1.0, 4.0], 1e12).round(4)
    array([1.  , 0.25])
    """
    return _terms(check_s(s), check_eigs(eigs), check_n(n))[0]


def quadratic_form(u: ArrayLike, s: ArrayLike, eigs: ArrayLike, n: float) -> np.ndarray:
    r""":math:`Q(u) = \sum_k u_k^2\lambda_k/(\lambda_k+\kappa(s))^2` (the inhomogeneity of an input,
    or the anisotropy of an output direction).

    Parameters
    ----------
    u : array_like, shape (d,) or (m, d)
        Vector(s) in the population eigenbasis.
    s : float or array_like, any shape, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, shape ``s.shape + u.shape[:-1]``, float64
    """
    lam = check_eigs(eigs)
    u = _vectors(u, lam.size, "u")
    a = _terms(check_s(s), lam, check_n(n))[0]                 # s.shape + (d,)
    return _batch(a, u**2)


def denoiser_variance(s: ArrayLike, eigs: ArrayLike, n: float, v: ArrayLike, x: ArrayLike,
                      mean: str = "known", cross_term: bool = True) -> np.ndarray:
    r"""Variance over splits of :math:`v^\top\hat D(x;\sqrt s)`, eq. :eq:`var-law`
    (the paper's form with ``cross_term=False``).

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.
    v : array_like, shape (d,)
        Output direction, population eigenbasis.
    x : array_like, shape (d,) or (m, d)
        Input(s) relative to the population mean, population eigenbasis.
    mean : {"known", "estimated"}
        ``"estimated"``: each split also estimates its mean, eq. :eq:`var-mean` (with the
        ``n - 1`` bookkeeping described in the module docstring).
    cross_term : bool
        Include :math:`C(v, x)^2` (the paper's form leaves it out).

    Returns
    -------
    ndarray, shape ``s.shape + x.shape[:-1]``, float64

    Examples
    --------
    One mode, huge n: :math:`\kappa\to s`, and with :math:`v`, :math:`x` along the same mode the cross
    term doubles the leading :math:`s^2/n\cdot\lambda^2/(\lambda+s)^4\,x^2`:

    >>> round(float(denoiser_variance(1.0, [1.0], 1e8, [1.0], [2.0]) * 1e8), 4)
    0.5
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    s = check_s(s)
    v = _vectors(v, lam.size, "v")
    if v.ndim != 1:
        raise ValueError(f"v must be one direction of shape ({lam.size},); got {v.shape}")
    x = _vectors(x, lam.size, "x")
    s, n, extra = _mean_bookkeeping(s, n, mean)
    a, scale = _terms(s, lam, n)                                    # s.shape + (d,), s.shape
    qx = _batch(a, x**2) + extra                                    # s.shape + batch
    out = _expand(a @ v**2, x) * qx
    if cross_term:
        out = out + _batch(a, v * np.atleast_2d(x)).reshape(qx.shape) ** 2
    return _expand(scale, x) * out


def _batch(weights: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """sum_k weights[..., k] * u2[m, k] -> shape weights.shape[:-1] + u2 batch shape."""
    return np.einsum("...k,mk->...m", weights, np.atleast_2d(u2)).reshape(
        weights.shape[:-1] + u2.shape[:-1])


def _expand(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Append a trailing axis to ``a`` when ``x`` is a batch (m, d)."""
    return a.reshape(a.shape + (1,) * (x.ndim - 1))


def _mean_bookkeeping(s: np.ndarray, n: float, mean: str):
    """(s, n, extra inhomogeneity) for a known mean, or for a mean estimated on the split."""
    if mean == "known":
        return s, n, 0.0
    if mean == "estimated":
        if n <= 1:
            raise ValueError(f"mean='estimated' needs n > 1 samples; got n = {n}")
        return s * n / (n - 1), n - 1, (n - 1) / n
    raise ValueError(f"mean must be 'known' or 'estimated'; got {mean!r}")


def pixel_variance(s: ArrayLike, eigs: ArrayLike, n: float, basis: ArrayLike, x: ArrayLike,
                   mean: str = "known", cross_term: bool = True) -> np.ndarray:
    r"""Variance over splits of every output coordinate :math:`p` of :math:`\hat D(x)` in another
    orthonormal basis (e.g. pixels): :func:`denoiser_variance` with :math:`v` = row :math:`p` of
    ``basis``, all rows at once.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.
    basis : array_like, shape (p, d)
        Row :math:`p` holds the population-eigenbasis coordinates of output direction :math:`p`; for
        pixels this is the population eigenvector matrix :math:`U` itself (``U[p, k]``).
    x : array_like, shape (d,) or (m, d)
        Input(s), population eigenbasis.
    mean, cross_term : as in :func:`denoiser_variance`

    Returns
    -------
    ndarray, shape ``s.shape + x.shape[:-1] + (p,)``, float64
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    s = check_s(s)
    V = as_array(basis, "basis", ndim=2)
    check_last_dim(V, lam.size, "basis", "the number of population eigenvalues")
    x = _vectors(x, lam.size, "x")
    s, n, extra = _mean_bookkeeping(s, n, mean)
    a, scale = _terms(s, lam, n)                                     # s.shape + (d,), s.shape
    batch = (slice(None),) * s.ndim + (None,) * (x.ndim - 1)         # insert the batch axis
    qx = _batch(a, x**2) + extra                                     # s.shape + batch
    out = (a @ (V**2).T)[batch] * qx[..., None]                      # s.shape + batch + (p,)
    if cross_term:
        out = out + ((a[batch] * x) @ V.T) ** 2
    return scale[batch][..., None] * out


def denoiser_covariance(a: ArrayLike, b: ArrayLike, eigs: ArrayLike, n: float, v: ArrayLike,
                        x: ArrayLike, cross_term: bool = True) -> np.ndarray:
    r"""Covariance over splits of :math:`v^\top\hat\Sigma(\hat\Sigma+a)^{-1}x` and
    :math:`v^\top\hat\Sigma(\hat\Sigma+b)^{-1}x` (two noise levels, one split), mean known:
    :math:`\kappa_a\kappa_b [P(v)P(x) + P(v,x)^2]/(n-\mathrm{df}_2(\kappa_a,\kappa_b))`.

    The two-level kernel of chapter 4 (eq. :eq:`two-level`); at ``a == b`` it equals
    :func:`denoiser_variance`.

    Parameters
    ----------
    a, b : float or array_like, broadcasting together, ``>= 0``
        The two ridges.
    eigs : array_like, shape (d,)
        Population eigenvalues.
    n : float
        Samples per split.
    v : array_like, shape (d,)
        Output direction, population eigenbasis.
    x : array_like, shape (d,) or (m, d)
        Input(s), population eigenbasis.
    cross_term : bool
        Include :math:`P(v, x)^2`.

    Returns
    -------
    ndarray, shape ``broadcast(a, b).shape + x.shape[:-1]``, float64
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    a, b = np.broadcast_arrays(check_s(a), check_s(b))
    v = _vectors(v, lam.size, "v")
    x = _vectors(x, lam.size, "x")
    ka, kb = _solve_kappa(a, lam, n), _solve_kappa(b, lam, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(lam > 0, lam / ((lam + ka[..., None]) * (lam + kb[..., None])), 0.0)
    out = _expand(p @ v**2, x) * _batch(p, x**2)
    if cross_term:
        out = out + _batch(p, v * np.atleast_2d(x)).reshape(out.shape) ** 2
    return _expand(scaling(ka * kb, _residual_dof(ka, a, lam, n, kb, b)), x) * out


def cross_split_distance(s: ArrayLike, eigs: ArrayLike, n: float, x: ArrayLike,
                         mean: str = "known", cross_term: bool = True) -> np.ndarray:
    r"""Expected same-input squared distance between two independent splits' denoisers,
    :math:`\mathbb E\|\hat D_1(x) - \hat D_2(x)\|^2 = 2\sum_k\operatorname{Var}[e_k^\top\hat D(x)]
    \simeq 2\frac{\kappa^2}{n-\mathrm{df}_2}\big(\operatorname{tr}[\Sigma(\Sigma+\kappa)^{-2}]\,Q(x)
    + \sum_k x_k^2 a_k^2\big)`, :math:`a_k = \lambda_k/(\lambda_k+\kappa)^2`
    (``mean="estimated"``: :math:`Q(x)+(n-1)/n` and the degrees of freedom of
    :func:`denoiser_variance`; ``cross_term=False`` drops the last sum, the paper's form);
    eq. :eq:`cross-split`.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridges :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.
    x : array_like, shape (d,) or (m, d)
        Input(s) relative to the population mean, population eigenbasis.
    mean, cross_term : as in :func:`denoiser_variance`

    Returns
    -------
    ndarray, shape ``s.shape + x.shape[:-1]``, float64
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    s = check_s(s)
    x = _vectors(x, lam.size, "x")
    s, n, extra = _mean_bookkeeping(s, n, mean)
    a, scale = _terms(s, lam, n)
    out = _expand(a.sum(-1), x) * (_batch(a, x**2) + extra)
    if cross_term:
        out = out + _batch(a**2, x**2)
    return 2 * _expand(scale, x) * out
