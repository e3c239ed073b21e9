r"""The limiting eigenvalue density of :math:`\hat\Sigma` (generalised Marchenko-Pastur).

Conventions as in :mod:`rmtdiff.theory.kappa` (``eigs`` population eigenvalues, ``n`` samples, known
mean, :math:`\hat\Sigma = X^\top X/n`, :math:`\gamma = d/n`).

The resolvent's deterministic equivalent :math:`s(\hat\Sigma+s)^{-1}\simeq\kappa(\Sigma+\kappa)^{-1}`
continues to complex :math:`s = -z`: the Stieltjes transform of the eigenvalue distribution of
:math:`\hat\Sigma` is

.. math:: m(z) = \frac1d \operatorname{tr}(\hat\Sigma - z)^{-1}
          \simeq -\frac{1}{dz}\sum_k \frac{\kappa}{\lambda_k+\kappa},\qquad
          \kappa - s = \frac{\kappa}{n}\mathrm{df}_1(\kappa),\ s = -z,

and the density is :math:`\rho(x) = \lim_{\eta\downarrow 0}\frac1\pi \operatorname{Im} m(x+i\eta)`
(Silverstein & Bai 1995; :math:`\kappa(s) = 1/\phi(-s)` with :math:`\phi` the companion
transform). When :math:`d > n` an atom of mass :math:`1 - n/d` sits at 0 and :math:`\rho`
integrates to :math:`n/d`. The second equation is the book's eq. ``kappa-eq`` at complex :math:`s`
(chapter ``kappa``, ``book/02_kappa.md``, section on the eigenvalue density).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_eigs, check_n, check_positive


def kappa_complex(z: ArrayLike, eigs: ArrayLike, n: float, stages: int = 60,
                  newton: int = 8) -> np.ndarray:
    r""":math:`\kappa(s)` at complex :math:`s = -z`, :math:`\operatorname{Im} z > 0`.

    Solved by Newton's method with continuation in :math:`\operatorname{Im} z`: from a height
    where :math:`\kappa \approx s + \operatorname{tr}\Sigma/n` is accurate down to the requested
    one in ``stages`` geometric steps, ``newton`` iterations each, which keeps the branch with
    :math:`\operatorname{Im} m(z) > 0`.

    Parameters
    ----------
    z : array_like of complex, shape (m,), with positive imaginary parts
        The points :math:`z = -s`, finite.
    eigs, n : as in :func:`rmtdiff.theory.kappa.solve_kappa`
        Population eigenvalues, shape (d,), and samples per split (float, ``> 0``).
    stages : int, optional
        Continuation steps in :math:`\operatorname{Im} z` (default 60; not validated).
    newton : int, optional
        Newton iterations per stage (default 8; not validated).

    Returns
    -------
    ndarray of complex128, shape (m,)
        :math:`\kappa(-z)`, the root of eq. :eq:`kappa-eq` (book chapter ``kappa``) at
        :math:`s = -z`.

    Raises
    ------
    ValueError
        If ``z`` is not 1-D, finite and in the upper half-plane.
    RuntimeError
        If the residual at the end is above :math:`10^{-8}|\kappa|`.

    >>> k = kappa_complex(np.array([1.0 + 1.0j]), np.ones(10), 10)
    >>> bool(abs(k[0] - (-(1.0 + 1.0j)) - k[0] * 10 / (1 + k[0]) / 10) < 1e-10)
    True
    """
    z = np.asarray(z, dtype=np.complex128)
    if z.ndim != 1 or np.any(z.imag <= 0) or not np.all(np.isfinite(z)):
        raise ValueError("z must be a 1-D array of finite complex numbers with Im z > 0")
    lam = check_eigs(eigs)
    n = check_n(n)
    lam, count = np.unique(lam, return_counts=True)          # exact compression of repeats
    scale = lam.max() * (1 + np.sqrt(count.sum() / n)) ** 2 + lam @ count / n
    top = np.maximum(10 * scale, z.imag)
    path = z.real + 1j * np.exp(np.linspace(np.log(top), np.log(z.imag), stages))   # (stages, m)
    kappa = -path[0] + lam @ count / n

    def residual(kappa, s):
        ratio = lam / (lam + kappa[:, None])
        return kappa - s - kappa / n * (ratio @ count), 1.0 - (ratio**2 @ count) / n

    for zz in path:
        for _ in range(newton):
            f, fp = residual(kappa, -zz)
            kappa = kappa - f / fp
    f, _ = residual(kappa, -path[-1])
    bad = np.abs(f) > 1e-8 * np.abs(kappa) + 1e-300
    if np.any(bad):
        raise RuntimeError(f"kappa_complex did not converge at {bad.sum()} point(s), e.g. "
                           f"z = {z[bad][0]:.6g}; increase stages or newton")
    return kappa


def esd_density(x: ArrayLike, eigs: ArrayLike, n: float, eta: float | None = None) -> np.ndarray:
    r"""Limiting density :math:`\rho(x)` of the eigenvalues of :math:`\hat\Sigma`, per eigenvalue.

    Parameters
    ----------
    x : array_like, shape (m,)
        Points where the density is evaluated (the atom at 0 is excluded).
    eigs, n : as in :func:`rmtdiff.theory.kappa.solve_kappa`
        Population eigenvalues, shape (d,), and samples per split (float, ``> 0``).
    eta : float, optional
        Imaginary part used for :math:`x + i\eta`; by default ``1e-9 * max(eigs)``. The result is
        the density smoothed by a Cauchy kernel of width ``eta``.

    Returns
    -------
    ndarray, shape (m,), float64
        :math:`\frac1\pi\operatorname{Im} m(x+i\eta)`, clipped at 0.

    Isotropic spectrum at :math:`\gamma = 1`: the Marchenko-Pastur density.

    >>> rho = esd_density(np.array([1.0]), np.ones(200), 200)
    >>> bool(np.isclose(rho[0], marchenko_pastur_density(np.array([1.0]), 1.0)[0], rtol=1e-6))
    True
    """
    x = as_array(x, "x", ndim=1)
    lam = check_eigs(eigs)
    eta = 1e-9 * lam.max() if eta is None else check_positive(eta, "eta")
    z = x + 1j * eta
    kappa = kappa_complex(z, lam, n)
    m = -(kappa[:, None] / (lam + kappa[:, None])).sum(1) / (lam.size * z)
    return np.maximum(m.imag / np.pi, 0.0)


def marchenko_pastur_density(x: ArrayLike, gamma: float, c: float = 1.0) -> np.ndarray:
    r"""Marchenko-Pastur density for :math:`\Sigma = cI`, per eigenvalue (without the atom at 0):

    .. math:: \rho(x) = \frac{\sqrt{(b-x)(x-a)}}{2\pi\gamma c x}\ \text{on}\ [a, b],\quad
              a, b = c(1\mp\sqrt\gamma)^2 .

    Parameters
    ----------
    x : array_like, any shape
        Points where the density is evaluated, finite.
    gamma : float
        The aspect ratio :math:`\gamma = d/n`, ``> 0``.
    c : float, optional
        The common population eigenvalue, ``> 0`` (default 1).

    Returns
    -------
    ndarray, same shape as ``x``, float64
        :math:`\rho(x)`, 0 outside :math:`(a, b)`; it integrates to :math:`\min(1, 1/\gamma)`.

    At :math:`\gamma = 1` the support is :math:`[0, 4]` and :math:`\rho(1) = \sqrt3/(2\pi)`:

    >>> round(float(marchenko_pastur_density(np.array([1.0]), 1.0)[0]), 6)
    0.275664
    """
    x = as_array(x, "x")
    gamma = check_positive(gamma, "gamma")
    c = check_positive(c, "c")
    a, b = c * (1 - np.sqrt(gamma)) ** 2, c * (1 + np.sqrt(gamma)) ** 2
    inside = (x > a) & (x < b)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.sqrt(np.clip((b - x) * (x - a), 0, None)) / (2 * np.pi * gamma * c * x)
    return np.where(inside, rho, 0.0)


def esd_bin_mass(edges: ArrayLike, eigs: ArrayLike, n: float, points_per_bin: int = 40,
                 eta: float | None = None) -> np.ndarray:
    r"""Predicted fraction of the ``d`` eigenvalues of :math:`\hat\Sigma` in each bin,
    :math:`\int_{e_j}^{e_{j+1}}\rho(x)\,dx`, by the midpoint rule on ``points_per_bin`` points.

    This is what a histogram of sample eigenvalues (divided by the number of eigenvalues)
    estimates, and unlike :math:`\rho` itself it stays smooth where the spectrum has isolated
    eigenvalues.

    Parameters
    ----------
    edges : array_like, shape (B + 1,), increasing, > 0
        The bin edges :math:`e_j`.
    eigs, n, eta : as in :func:`esd_density`
        Population eigenvalues (d,), samples per split, and the optional smoothing width.
    points_per_bin : int, optional
        Midpoint-rule points per bin (default 40; not validated).

    Returns
    -------
    ndarray, shape (B,), float64
        The fraction of the ``d`` eigenvalues in each bin (the atom at 0 is never counted).

    Isotropic, :math:`\gamma = 1/4`: the support :math:`[1/4, 9/4]` lies inside the bins.

    >>> mass = esd_bin_mass(np.array([0.1, 1.0, 3.0]), np.ones(200), 800)
    >>> bool(abs(mass.sum() - 1.0) < 0.01)
    True
    """
    edges = as_array(edges, "edges", ndim=1)
    if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] <= 0:
        raise ValueError("edges must be an increasing 1-D array of >= 2 positive numbers")
    t = (np.arange(points_per_bin) + 0.5) / points_per_bin
    x = edges[:-1, None] + t * np.diff(edges)[:, None]            # (B, points_per_bin)
    rho = esd_density(x.ravel(), eigs, n, eta).reshape(x.shape)
    return rho.mean(1) * np.diff(edges)
