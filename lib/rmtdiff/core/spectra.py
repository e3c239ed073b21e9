r"""Empirical means, covariances and their eigen-decompositions.

Conventions (used throughout :mod:`rmtdiff`)
--------------------------------------------
* Data are rows: ``X`` has shape ``(n, d)``, ``n`` samples in dimension ``d``; images are
  flattened and scaled to ``[-1, 1]``.
* The empirical covariance divides by ``n`` (not ``n - 1``):
  :math:`\hat\Sigma = \frac1n \sum_i (x_i - \hat\mu)(x_i - \hat\mu)^\top`, the maximum-likelihood
  (and denoising-score-matching optimal) estimate. With a known mean, pass ``mean=`` and
  :math:`\hat\Sigma = \frac1n \sum_i (x_i-\mu)(x_i-\mu)^\top` (the random-matrix convention).
* A covariance is stored as its eigen-decomposition :math:`U\,\mathrm{diag}(\lambda)\,U^\top`
  with eigenvalues in decreasing order. ``U`` may be *thin* (``d x r``, ``r < d``): the missing
  directions have eigenvalue 0. When ``n < d`` the decomposition comes from the ``n x n`` Gram
  matrix, never from a ``d x d`` matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..util.checks import as_array, check_last_dim

#: Eigenvalues below ``RANK_RTOL * max(eigenvalue)`` are treated as exact zeros.
RANK_RTOL = 1e-10


@dataclass(frozen=True)
class Gaussian:
    r"""A Gaussian :math:`\mathcal N(\mu, U \mathrm{diag}(\lambda) U^\top)` in eigen-form.

    Attributes
    ----------
    mean : ndarray, shape (d,)
        :math:`\mu`.
    eigvals : ndarray, shape (r,)
        :math:`\lambda_1 \ge \dots \ge \lambda_r \ge 0`.
    eigvecs : ndarray, shape (d, r)
        Orthonormal columns :math:`U`; directions outside their span have variance 0.
    """

    mean: np.ndarray
    eigvals: np.ndarray
    eigvecs: np.ndarray

    def __post_init__(self):
        mean = as_array(self.mean, "mean", ndim=1)
        lam = as_array(self.eigvals, "eigvals", ndim=1)
        U = as_array(self.eigvecs, "eigvecs", ndim=2)
        if U.shape != (mean.shape[0], lam.shape[0]):
            raise ValueError(
                f"eigvecs must have shape (d, r) = ({mean.shape[0]}, {lam.shape[0]}) to match mean "
                f"and eigvals; got {U.shape}")
        if np.any(lam < 0):
            raise ValueError(f"eigvals must be >= 0 (a covariance); smallest is {lam.min():.3g}")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "eigvals", lam)
        object.__setattr__(self, "eigvecs", U)

    @property
    def dim(self) -> int:
        """The data dimension ``d``."""
        return self.mean.shape[0]

    @property
    def rank(self) -> int:
        """The number ``r`` of stored eigen-directions."""
        return self.eigvals.shape[0]

    def covariance(self) -> np.ndarray:
        r"""The dense ``(d, d)`` matrix :math:`U \mathrm{diag}(\lambda) U^\top` (for tests and small d).

        Returns
        -------
        ndarray, shape (d, d), float64

        >>> Gaussian(np.zeros(2), np.array([2.0]), np.array([[1.0], [0.0]])).covariance()
        array([[2., 0.],
               [0., 0.]])
        """
        return (self.eigvecs * self.eigvals) @ self.eigvecs.T


def fit_gaussian(X: ArrayLike, mean: ArrayLike | None = None) -> Gaussian:
    r"""Fit :math:`(\hat\mu, \hat\Sigma)` to the rows of ``X`` and eigen-decompose :math:`\hat\Sigma`.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Samples as rows, ``n >= 1``.
    mean : array_like, shape (d,), optional
        A known mean :math:`\mu`. If omitted, the sample mean is used (and the rank of
        :math:`\hat\Sigma` is at most ``n - 1``).

    Returns
    -------
    Gaussian
        With a thin basis holding only the non-zero eigenvalues (those above
        ``RANK_RTOL * max``). For ``n < d`` the eigenvectors come from the Gram matrix
        :math:`G = \frac1n X_c X_c^\top = V \mathrm{diag}(w) V^\top` as
        :math:`U = X_c^\top V \mathrm{diag}(n w)^{-1/2}`, which costs :math:`O(n^2 d + n^3)`.

    Examples
    --------
    >>> g = fit_gaussian(np.array([[1.0, 0.0], [-1.0, 0.0]]))
    >>> g.eigvals
    array([1.])
    """
    X = as_array(X, "X", ndim=2)
    n, d = X.shape
    if n < 1:
        raise ValueError("X must hold at least one sample (row); got 0 rows")
    if mean is None:
        mu = X.mean(axis=0)
    else:
        mu = as_array(mean, "mean", ndim=1)
        check_last_dim(mu, d, "mean")
    w, U = eig_from_rows(X - mu)
    return Gaussian(mu, w, U)


def eig_from_rows(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Non-zero eigenpairs of :math:`\frac1n X_c^\top X_c` for centred rows ``Xc`` (n, d), unchecked.

    The cheap path shared by :func:`fit_gaussian` and the Monte-Carlo engine: for ``n < d`` one
    ``n x n`` Gram matrix (a symmetric rank-k product), its ``eigh`` and one ``(d, n) x (n, r)``
    product; otherwise the ``d x d`` covariance. Returns eigenvalues (r,), decreasing, and
    orthonormal eigenvectors (d, r).

    Parameters
    ----------
    Xc : ndarray, shape (n, d), float64
        Centred rows (not checked: no conversion, no finiteness test).

    Returns
    -------
    eigvals : ndarray, shape (r,), float64
        The eigenvalues above ``RANK_RTOL * max``, decreasing.
    eigvecs : ndarray, shape (d, r), float64, C-contiguous
        Orthonormal eigenvectors, column ``k`` for ``eigvals[k]``.

    >>> w, U = eig_from_rows(np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]))
    >>> w, np.abs(U).ravel()
    (array([1.]), array([1., 0., 0.]))
    """
    n, d = Xc.shape
    gram = n < d
    w, B = nonzero_eigh(Xc @ Xc.T / n if gram else Xc.T @ Xc / n)
    U = Xc.T @ (B / np.sqrt(n * w)) if gram else B
    return w, np.ascontiguousarray(U)


def nonzero_eigh(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs of the symmetric PSD matrix ``C`` in decreasing order, keeping only eigenvalues
    above ``RANK_RTOL * max``.

    Parameters
    ----------
    C : ndarray, shape (p, p), float64
        A symmetric positive semi-definite matrix (not checked).

    Returns
    -------
    eigvals : ndarray, shape (r,), float64
        Decreasing, all ``> RANK_RTOL * eigvals[0]`` (none when the largest is not positive).
    eigvecs : ndarray, shape (p, r), float64, C-contiguous
        The matching orthonormal eigenvectors.

    >>> nonzero_eigh(np.diag([0.0, 3.0]))[0]
    array([3.])
    """
    w, B = np.linalg.eigh(C)
    w, B = w[::-1], B[:, ::-1]
    keep = w > RANK_RTOL * w[0] if w[0] > 0 else np.zeros(w.shape, dtype=bool)
    return w[keep], np.ascontiguousarray(B[:, keep])


def complete_basis(g: Gaussian) -> Gaussian:
    """The same Gaussian with a full eigenbasis: where the covariance has rank ``r < d``, the
    ``d - r`` directions orthogonal to its eigenvectors are added with eigenvalue 0 (what the
    theory's population needs to rotate seeds and images). A full-rank Gaussian is returned as
    it is.

    Parameters
    ----------
    g : Gaussian
        Mean (d,), eigenvalues (r,), eigenvectors (d, r).

    Returns
    -------
    Gaussian
        Mean (d,), eigenvalues (d,) in decreasing order (the last ``d - r`` zero), eigenvectors
        (d, d), orthonormal.

    Examples
    --------
    >>> full = complete_basis(fit_gaussian(np.array([[1.0, 0.0, 2.0], [-1.0, 0.0, 2.0]])))
    >>> full.eigvals.tolist(), full.eigvecs.shape
    ([1.0, 0.0, 0.0], (3, 3))
    """
    d, r = g.eigvecs.shape
    if r == d:
        return g
    _, V = np.linalg.eigh(np.eye(d) - g.eigvecs @ g.eigvecs.T)   # 0 (r times), then 1
    return Gaussian(g.mean, np.concatenate([g.eigvals, np.zeros(d - r)]),
                    np.hstack([g.eigvecs, V[:, r:]]))
