r"""Noise renormalisation: the deterministic equivalent :math:`\sigma^2 \to \kappa(\sigma^2)`.

Conventions
-----------
* ``eigs``: the ``d`` population eigenvalues :math:`\lambda_k \ge 0` (1-D, at least one > 0).
* ``n``: samples per split, with the mean known: :math:`\hat\Sigma = X^\top X / n`.
* ``s``: the ridge :math:`s = \sigma^2 \ge 0` (a variance), a scalar or an array of any shape.
* Traces are un-normalised sums over the ``d`` eigenvalues, :math:`\gamma = d/n`:

  .. math:: \mathrm{df}_1(\kappa) = \sum_k \frac{\lambda_k}{\lambda_k+\kappa},\qquad
            \mathrm{df}_2(\kappa) = \sum_k \frac{\lambda_k^2}{(\lambda_k+\kappa)^2}.

The renormalised ridge :math:`\kappa(s)` is the root, with :math:`\kappa \ge s`, of

.. math:: \kappa - s = \frac{\kappa}{n}\,\mathrm{df}_1(\kappa)
          \quad\Longleftrightarrow\quad g(\kappa) := \kappa\Big(1 - \frac{\mathrm{df}_1(\kappa)}{n}\Big) = s,
   :label: kappa-eq

for which :math:`\hat\Sigma(\hat\Sigma + s)^{-1} \simeq \Sigma(\Sigma + \kappa(s))^{-1}`
(the book's eq. ``kappa-eq``, chapter ``kappa``, ``book/02_kappa.md``; Wang, Zavatone-Veth &
Pehlevan 2026).

How the solver works. :math:`g` is convex with :math:`g(0) = 0`; with :math:`d_+` positive
eigenvalues, :math:`g'(0) = 1 - d_+/n`. The wanted root lies on the increasing branch of
:math:`g`, where Newton's method converges from any start once it is past the minimum. We get a
start within about :math:`10^{-4}` (relative) by inverting :math:`g` on a table of ``TABLE_SIZE``
points computed with a compressed spectrum (``BINS`` log-spaced bins with matched first moments),
then polish every point with Newton on the full spectrum. Each full pass computes :math:`g-s` and
:math:`g'` together (:math:`g''` comes from the compressed spectrum); a point stops when the Newton error bound
:math:`g''\delta^2/(2g') \le` ``RTOL`` :math:`\kappa` holds (``RTOL`` is 1000 times below the
promised :math:`10^{-10}`). :math:`g` and :math:`g'` are written as
:math:`g = \frac{\kappa}{n}\big[(n-d_+) + \sum_k q_k\big]`,
:math:`g' = \frac1n\big[(n - d_+) + \sum_k q_k(2-q_k)\big]` with
:math:`q_k = \kappa/(\lambda_k+\kappa)`, and terms with :math:`\lambda_k<\kappa` enter :math:`g` as
:math:`1 - r_k` with the 1 counted exactly (:math:`r_k = \lambda_k/(\lambda_k+\kappa)`): the only
cancellation left is the one inherent at the root.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import check_eigs, check_n, check_positive, check_s

BINS = 256          #: bins of the compressed spectrum used for the starting values
TABLE_SIZE = 2048   #: kappa values in the inversion table
RTOL = 1e-13        #: target bound on the relative error of kappa
MAX_PASSES = 60     #: Newton passes over the full spectrum before giving up
CHUNK = 32          #: grid points per block (keeps a block of the spectrum pass in cache)


class KappaConvergenceError(RuntimeError):
    """The kappa solver did not reach its tolerance; the message names the inputs."""


def df1(kappa: ArrayLike, eigs: ArrayLike) -> np.ndarray:
    r""":math:`\mathrm{df}_1(\kappa) = \sum_k \lambda_k/(\lambda_k+\kappa)`, shape of ``kappa``.
    Zero eigenvalues contribute 0, also at :math:`\kappa = 0` (the limit :math:`\kappa\to0^+`).
    The trace of eq. :eq:`kappa-eq` (book chapter ``kappa``).

    Parameters
    ----------
    kappa : float or array_like, any shape
        Ridges :math:`\kappa \ge 0` (not checked).
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.

    Returns
    -------
    ndarray, shape of ``kappa``, float64

    >>> float(df1(1.0, [1.0, 3.0]))
    1.25
    >>> float(df1(0.0, [2.0, 0.0]))
    1.0
    """
    lam = check_eigs(eigs)
    lam = lam[lam > 0]
    k = np.asarray(kappa, dtype=np.float64)
    return (lam / (lam + k[..., None])).sum(-1)


def df2(kappa: ArrayLike, eigs: ArrayLike, kappa2: ArrayLike | None = None) -> np.ndarray:
    r""":math:`\mathrm{df}_2(\kappa,\kappa') = \sum_k \lambda_k^2/((\lambda_k+\kappa)(\lambda_k+\kappa'))`
    (``kappa2`` defaults to ``kappa``), broadcast over ``kappa`` and ``kappa2``; zero eigenvalues
    contribute 0, as in :func:`df1`. Book chapters ``kappa`` and ``fluctuations``.

    Parameters
    ----------
    kappa : float or array_like, any shape
        Ridges :math:`\kappa \ge 0` (not checked).
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    kappa2 : float or array_like, optional
        The second ridge :math:`\kappa'`, broadcastable with ``kappa`` (default: ``kappa``).

    Returns
    -------
    ndarray, shape ``np.broadcast_shapes(kappa.shape, kappa2.shape)``, float64

    >>> float(df2(1.0, [1.0]))
    0.25
    """
    lam = check_eigs(eigs)
    lam = lam[lam > 0]
    k = np.asarray(kappa, dtype=np.float64)[..., None]
    k2 = k if kappa2 is None else np.asarray(kappa2, dtype=np.float64)[..., None]
    return (lam**2 / ((lam + k) * (lam + k2))).sum(-1)


def residual_dof(kappa: ArrayLike, s: ArrayLike, eigs: ArrayLike, n: float,
                 kappa2: ArrayLike | None = None, s2: ArrayLike | None = None) -> np.ndarray:
    r""":math:`n - \mathrm{df}_2(\kappa,\kappa')` at solutions :math:`\kappa = \kappa(s)`,
    :math:`\kappa' = \kappa(s')` of eq. :eq:`kappa-eq`, computed without cancellation:
    the equation gives :math:`n - \mathrm{df}_1(\kappa) = ns/\kappa`, so

    .. math:: n - \mathrm{df}_2(\kappa,\kappa') = \frac n2\Big(\frac s\kappa + \frac{s'}{\kappa'}\Big)
              + \frac12\sum_{\lambda_k>0}(r_kq'_k + r'_kq_k),\qquad
              r = \frac{\lambda}{\lambda+\kappa},\ q = 1 - r,

    a sum of non-negative terms, where :math:`n - \mathrm{df}_2` itself subtracts two numbers
    close to :math:`n` when few eigenvalues are near :math:`\kappa`. At :math:`\kappa = 0`
    (:math:`s = 0` with at most ``n`` positive eigenvalues) :math:`ns/\kappa` is its limit
    :math:`n - d_+`; the result is then 0 when exactly ``n`` eigenvalues are positive.

    ``kappa`` and ``s`` (and ``kappa2``, ``s2``, defaulting to them) broadcast together.

    Parameters
    ----------
    kappa : float or array_like, any shape
        :math:`\kappa(s)` from :func:`solve_kappa` (the identity holds only at solutions).
    s : float or array_like, broadcastable with ``kappa``
        The ridges :math:`s` that ``kappa`` solves for.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.
    kappa2 : float or array_like, optional
        :math:`\kappa' = \kappa(s')` (default: ``kappa``).
    s2 : float or array_like, optional
        :math:`s'` (default: ``s``).

    Returns
    -------
    ndarray, the broadcast shape of the four inputs, float64, ``>= 0``

    >>> lam = np.logspace(0, -2, 30)
    >>> k = solve_kappa(0.01, lam, 20)
    >>> bool(np.isclose(residual_dof(k, 0.01, lam, 20), 20 - df2(k, lam), rtol=1e-9))
    True
    """
    return _residual_dof(kappa, s, check_eigs(eigs), check_n(n), kappa2, s2)


def _residual_dof(kappa, s, lam: np.ndarray, n: float, kappa2=None, s2=None) -> np.ndarray:
    """:func:`residual_dof` on checked eigenvalues and ``n`` (internal callers trust theirs)."""
    d_plus = float(np.count_nonzero(lam > 0))
    lam = lam[lam > 0]
    k = np.asarray(kappa, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    k2 = k if kappa2 is None else np.asarray(kappa2, dtype=np.float64)
    s2 = s if s2 is None else np.asarray(s2, dtype=np.float64)

    def free(kk, ss):                      # n - df1(kappa) = n s / kappa, or n - d_+ at 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(kk > 0, n * ss / np.where(kk > 0, kk, 1.0), n - d_plus)

    r, r2 = lam / (lam + k[..., None]), lam / (lam + k2[..., None])
    q, q2 = k[..., None] / (lam + k[..., None]), k2[..., None] / (lam + k2[..., None])
    return 0.5 * (free(k, s) + free(k2, s2)) + 0.5 * (r * q2 + r2 * q).sum(-1)


def scaling(top: ArrayLike, dof: ArrayLike) -> np.ndarray:
    r"""The scaling factor ``top / dof`` with ``top`` = :math:`\kappa^2` (or
    :math:`\kappa\kappa'`) and ``dof`` = :func:`residual_dof`, set to 0 where ``top`` is 0: at
    :math:`\kappa = 0` every split learns the same projection, whatever ``dof`` is (0 with
    exactly ``n`` positive eigenvalues). The factor :math:`\kappa^2/(n - \mathrm{df}_2)` of the
    variance law (book chapter ``fluctuations``).

    Parameters
    ----------
    top : array_like, any shape
        The numerator, :math:`\kappa^2` or :math:`\kappa\kappa'` (``>= 0``; entries ``<= 0`` give 0).
    dof : array_like, broadcastable with ``top``
        The denominator, :func:`residual_dof`.

    Returns
    -------
    ndarray, the broadcast shape of ``top`` and ``dof``, float64

    >>> scaling(np.array([0.0, 4.0]), np.array([0.0, 2.0]))
    array([0., 2.])
    """
    top, dof = np.broadcast_arrays(np.asarray(top, dtype=np.float64),
                                   np.asarray(dof, dtype=np.float64))
    out = np.zeros(top.shape)
    np.divide(top, dof, out=out, where=top > 0)
    return out


def _compress(lam_pos: np.ndarray, bins: int):
    """Group positive eigenvalues into log-spaced bins; return (mean eigenvalue, count) per bin."""
    if lam_pos.size <= bins:
        return lam_pos, np.ones_like(lam_pos)
    logs = np.log(lam_pos)
    edges = np.linspace(logs.min(), logs.max(), bins + 1)
    which = np.clip(np.searchsorted(edges, logs, side="right") - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins).astype(np.float64)
    sums = np.bincount(which, weights=lam_pos, minlength=bins)
    keep = counts > 0
    return sums[keep] / counts[keep], counts[keep]


def _g(kappa: np.ndarray, lam: np.ndarray, n: float, d_plus: float,
       w: np.ndarray | None = None, second: bool = False):
    """g(kappa) and g'(kappa) of eq. (kappa-eq) (and g''(kappa) if ``second``), for
    ``lam`` sorted ascending with optional weights ``w``.

    With q = kappa/(lam+kappa) and r = lam/(lam+kappa) = 1 - q (each to full relative precision)
    and m = #{lam < kappa}, the sums are taken as

        g  = kappa/n [(n - d_+ + m) - sum_{lam < kappa} r   + sum_{lam >= kappa} q]
        g' =     1/n [(n - d_+ + m) - sum_{lam < kappa} r^2 + sum_{lam >= kappa} q(2 - q)]

    so that no term close to 1 enters a floating-point sum (the integer part is added first):
    tiny eigenvalues cannot drown the residual in rounding. g'' = 2/n sum r^2/(lam + kappa).
    Points are sorted and processed in blocks of CHUNK, so that within a block the split
    lam < kappa moves over a narrow band of columns and the block's arrays stay in cache."""
    w = np.ones_like(lam) if w is None else w
    cum_w = np.r_[0.0, np.cumsum(w)]
    order = np.argsort(kappa)
    ks = kappa[order]
    s1, s2, sh, below = (np.zeros(kappa.size) for _ in range(4))
    buf = np.empty((min(CHUNK, ks.size), lam.size))
    for i in range(0, ks.size, CHUNK):
        k = ks[i:i + CHUNK, None]
        inv = buf[:k.shape[0]]
        np.add(lam, k, out=inv)
        np.divide(1.0, inv, out=inv)
        j = np.searchsorted(lam, k[:, 0])               # m for every point of the block
        lo, hi = j.min(), j.max()
        r = lam[:hi] * inv[:, :hi]                       # r on every column that may be small
        q = k * inv[:, lo:]                              # q on every column that may be big
        mid = np.arange(lo, hi)[None, :] < j[:, None]    # band lo..hi-1: small where True
        t1 = np.where(mid, -r[:, lo:], q[:, :hi - lo])
        t2 = np.where(mid, -r[:, lo:] ** 2, q[:, :hi - lo] * (2.0 - q[:, :hi - lo]))
        qb, rs = q[:, hi - lo:], r[:, :lo]
        block = slice(i, i + CHUNK)
        below[block] = cum_w[j]
        s1[block] = qb @ w[hi:] - rs @ w[:lo] + t1 @ w[lo:hi]
        s2[block] = 2.0 * (qb @ w[hi:]) - np.einsum("ij,ij,j->i", qb, qb, w[hi:]) \
            - np.einsum("ij,ij,j->i", rs, rs, w[:lo]) + t2 @ w[lo:hi]
        if second:
            sh[block] = np.einsum("ij,ij,ij,j->i", lam * inv, lam * inv, inv, w)
    unsort = np.empty_like(order)
    unsort[order] = np.arange(order.size)
    base = (n - d_plus) + below[unsort]                  # exact integer part first
    g = kappa / n * (base + s1[unsort])
    g1 = (base + s2[unsort]) / n
    return (g, g1, 2.0 * sh[unsort] / n) if second else (g, g1)


def _kappa0_compressed(lam_c, w_c, n, d_plus) -> float:
    """Root of df1(kappa) = n on the compressed spectrum (d_plus > n), by Newton from above."""
    k = np.array([lam_c @ w_c / n * 2.0 + lam_c.max()])
    for _ in range(500):
        g, g1 = _g(k, lam_c, n, d_plus, w_c)
        step = g / g1
        k_new = k - step
        if k_new[0] <= 0 or g1[0] <= 0:
            k_new = k / 2
        if abs(k_new[0] - k[0]) <= 1e-15 * k[0]:
            return float(k_new[0])
        k = k_new
    return float(k[0])


def solve_kappa(s: ArrayLike, eigs: ArrayLike, n: float) -> np.ndarray:
    r"""The renormalised ridge :math:`\kappa(s)` of eq. :eq:`kappa-eq` (book chapter ``kappa``).

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridge :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, same shape as ``s``, float64
        :math:`\kappa(s) \ge s`, with relative error below :math:`10^{-10}` (for ``s = 0`` or
        ``s >= 1e-290``; below that, float64 underflow limits the precision). At ``s = 0`` it is
        :math:`\kappa_0 > 0` (:math:`\mathrm{df}_1(\kappa_0) = n`) when more than ``n``
        eigenvalues are positive, and 0 otherwise.

    Raises
    ------
    ValueError
        For negative or NaN inputs, an empty or all-zero spectrum, ``n <= 0``.
    KappaConvergenceError
        If Newton's method has not met its tolerance after ``MAX_PASSES`` passes.

    Examples
    --------
    Isotropic spectrum, :math:`\gamma = 2`: :math:`\kappa_0 = (\gamma-1)c`.

    >>> round(float(solve_kappa(0.0, np.ones(200), 100)), 12)
    1.0
    """
    return _solve_kappa(check_s(s), check_eigs(eigs), check_n(n))


def _solve_kappa(s_arr: np.ndarray, lam: np.ndarray, n: float) -> np.ndarray:
    """:func:`solve_kappa` on checked inputs (``s_arr`` a float64 array ``>= 0``, ``lam`` checked
    eigenvalues, ``n > 0``): the public entry validates once, internal callers trust theirs."""
    lam_pos = np.sort(lam[lam > 0])
    d_plus = float(lam_pos.size)
    flat = s_arr.ravel()
    out = np.zeros_like(flat)
    need = ~((flat == 0) & (d_plus <= n))          # s = 0 with d_+ <= n gives kappa = 0
    if not need.any():
        return out.reshape(s_arr.shape)
    s_need = flat[need]
    # 1. starting values from an inversion table of g on a compressed spectrum
    lam_c, w_c = _compress(lam_pos, BINS)
    trace = lam_pos.sum()
    k0 = _kappa0_compressed(lam_c, w_c, n, d_plus) if d_plus > n else 0.0
    pos = s_need[s_need > 0]
    lo = max(k0, pos.min() if pos.size else k0, np.finfo(np.float64).tiny / 0.5) * 0.5
    hi = s_need.max() + trace / n
    table_k = np.geomspace(lo, hi, TABLE_SIZE)
    if d_plus > n:
        table_k = np.concatenate([[k0], table_k[table_k > k0]])
    table_s, _ = _g(table_k, lam_c, n, d_plus, w_c)
    table_s = np.maximum.accumulate(table_s)
    k = np.interp(s_need, table_s, table_k, left=np.nan)
    k = np.where(np.isnan(k), s_need if d_plus <= n else k0, k)   # below the table: kappa ~ s
    k = np.maximum(k, s_need)
    # 2. Newton on the full spectrum; points leave the active set once converged. The error bound
    #    g'' delta^2 / (2 g') uses g'' of the compressed spectrum (a 1e-4-accurate curvature
    #    suffices for a bound with a factor-1000 margin) so that a full pass needs only g and g'.
    active = np.arange(k.size)
    for _ in range(MAX_PASSES):
        g, g1 = _g(k[active], lam_pos, n, d_plus)
        g2 = _g(k[active], lam_c, n, d_plus, w_c, second=True)[2]
        f = g - s_need[active]
        left_of_min = g1 <= 0
        step = np.where(left_of_min, -k[active], f / np.where(left_of_min, 1.0, g1))
        k_new = k[active] - step
        bound = np.where(left_of_min, np.inf, g2 * step**2 / (2 * np.abs(g1)))
        done = (bound <= RTOL * k_new) | (np.abs(step) <= 1e-15 * k_new)
        k[active] = np.maximum(k_new, 0.0)
        active = active[~done]
        if active.size == 0:
            out[need] = k
            return out.reshape(s_arr.shape)
    bad = s_need[active]
    raise KappaConvergenceError(
        f"solve_kappa did not converge for {bad.size} value(s) of s (e.g. s = {bad[0]:.6g}) with "
        f"n = {n:g}, d = {lam.size}, {int(d_plus)} positive eigenvalues in "
        f"[{lam_pos.min():.3g}, {lam_pos.max():.3g}] after {MAX_PASSES} Newton passes")


def dkappa_ds(s: ArrayLike, eigs: ArrayLike, n: float) -> np.ndarray:
    r""":math:`d\kappa/ds = n/(n - \mathrm{df}_2(\kappa(s)))`, same shape as ``s``
    (infinite at ``s = 0`` when exactly ``n`` eigenvalues are positive). The derivative of the
    root of eq. :eq:`kappa-eq`, :math:`1/g'(\kappa)`, via :func:`residual_dof`.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridge :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, same shape as ``s``, float64, ``>= 1``

    >>> float(dkappa_ds(0.0, np.ones(50), 100))
    2.0
    """
    lam = check_eigs(eigs)
    n = check_n(n)
    s = check_s(s)
    k = _solve_kappa(s, lam, n)
    with np.errstate(divide="ignore"):
        return n / _residual_dof(k, s, lam, n)


def kappa_isotropic(s: ArrayLike, c: float, gamma: float) -> np.ndarray:
    r"""Closed form of :math:`\kappa(s)` for :math:`\Sigma = cI`, :math:`\gamma = d/n`.

    With :math:`\mathrm{df}_1 = dc/(c+\kappa)` eq. :eq:`kappa-eq` becomes
    :math:`\kappa^2 + b\kappa - sc = 0`, :math:`b = c(1-\gamma) - s`, so
    :math:`\kappa = \big(-b + \sqrt{b^2 + 4sc}\big)/2`, evaluated without cancellation.

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridge :math:`s = \sigma^2`.
    c : float
        The common eigenvalue, ``> 0``.
    gamma : float
        The aspect ratio :math:`\gamma = d/n`, ``> 0``.

    Returns
    -------
    ndarray, same shape as ``s``, float64
        :math:`\kappa(s)`; at ``s = 0`` it is :math:`(\gamma - 1)c` for :math:`\gamma > 1`, else 0.

    >>> float(kappa_isotropic(0.0, 1.0, 3.0))
    2.0
    """
    s = check_s(s)
    c = check_positive(c, "c")
    gamma = check_positive(gamma, "gamma")
    b = c * (1.0 - gamma) - s
    root = np.sqrt(b * b + 4.0 * s * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        stable = np.where(b > 0, 2.0 * s * c / (b + root), (root - b) / 2.0)
    return np.where((b > 0) & (s == 0), 0.0, stable)


def denoiser_gain(s: ArrayLike, eigs: ArrayLike, n: float) -> np.ndarray:
    r"""Expected per-mode gain of the learned linear denoiser, :math:`\lambda_k/(\lambda_k+\kappa(s))`.

    The book's eqs. ``expected-denoiser`` and ``gain-drop`` (chapter ``kappa``).

    Parameters
    ----------
    s : float or array_like, any shape, ``>= 0``
        Ridge :math:`s = \sigma^2`.
    eigs : array_like, shape (d,)
        Population eigenvalues, ``>= 0``, at least one positive.
    n : float
        Samples per split, ``> 0``.

    Returns
    -------
    ndarray, shape ``s.shape + (d,)``; 0 for zero eigenvalues (those directions are never learned).

    >>> denoiser_gain(1.0, [1.0, 0.0], 1e12).round(6)
    array([0.5, 0. ])
    """
    lam = check_eigs(eigs)
    k = _solve_kappa(check_s(s), lam, check_n(n))[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(lam > 0, lam / (lam + k), 0.0)
