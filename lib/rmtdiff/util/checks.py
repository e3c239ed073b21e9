"""Argument validation shared by every module.

Each helper names the argument, says what it was given and what was expected, so that an error
raised deep inside a chapter still tells the reader which input to fix.
"""

from __future__ import annotations

import numpy as np


def as_array(value, name: str, *, ndim: int | tuple[int, ...] | None = None,
             dtype=np.float64, finite: bool = True) -> np.ndarray:
    """Convert ``value`` to a float64 (by default) array and check its dimension and finiteness.

    Raises
    ------
    ValueError
        If the number of dimensions differs from ``ndim`` or an entry is NaN or infinite.

    >>> as_array([1, 2], "x", ndim=1)
    array([1., 2.])
    """
    arr = np.asarray(value, dtype=dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must be a {want}-D array; got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers; found NaN or inf")
    return arr


def check_last_dim(arr: np.ndarray, d: int, name: str, what: str = "the data dimension") -> None:
    """Raise if the last axis of ``arr`` is not of length ``d``."""
    if arr.ndim == 0 or arr.shape[-1] != d:
        raise ValueError(f"{name} must have last dimension d = {d} ({what}); got shape {arr.shape}")


def check_positive(value: float, name: str, *, allow_zero: bool = False,
                   allow_inf: bool = False) -> float:
    """Return ``float(value)`` after checking that it is positive (or non-negative)."""
    v = float(value)
    ok = (v >= 0 if allow_zero else v > 0) and not np.isnan(v) and (allow_inf or np.isfinite(v))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        extra = "" if allow_inf else " and finite"
        raise ValueError(f"{name} must be {bound}{extra}; got {value!r}")
    return v


def check_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking that it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_eigs(eigs) -> np.ndarray:
    """Population eigenvalues as a float64 1-D array: non-empty, ``>= 0``, at least one positive."""
    lam = as_array(eigs, "eigs", ndim=1)
    if lam.size == 0:
        raise ValueError("eigs must hold at least one eigenvalue; got an empty array")
    if np.any(lam < 0):
        raise ValueError(f"eigs must be >= 0 (a covariance spectrum); smallest is {lam.min():.3g}")
    if not np.any(lam > 0):
        raise ValueError("eigs must have at least one positive eigenvalue; all are 0")
    return lam


def check_n(n) -> float:
    """A number of samples per split: a positive finite number (not a bool)."""
    if isinstance(n, bool):
        raise TypeError("n must be a number of samples; got a bool")
    return check_positive(n, "n")


def check_s(s) -> np.ndarray:
    """Ridges ``s = sigma^2`` as a float64 array of any shape, every entry ``>= 0``."""
    s = as_array(s, "s")
    if np.any(s < 0):
        raise ValueError(f"s (= sigma^2) must be >= 0; smallest is {s.min():.3g}")
    return s
