"""Argument validation shared by every module.

Each helper names the argument, says what it was given and what was expected, so that an error
raised deep inside a chapter still tells the reader which input to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike


def as_array(value: ArrayLike, name: str, *, ndim: int | tuple[int, ...] | None = None,
             dtype: DTypeLike = np.float64, finite: bool = True) -> np.ndarray:
    """Convert ``value`` to a float64 (by default) array and check its dimension and finiteness.

    Parameters
    ----------
    value : array_like, any shape
        The input; converted with ``np.asarray(value, dtype=dtype)``.
    name : str
        The argument's name, used in the error messages.
    ndim : int or tuple of int, optional
        The allowed number(s) of dimensions; ``None`` (default) allows any.
    dtype : dtype, optional
        The dtype of the result (default float64).
    finite : bool, optional
        Whether to reject NaN and infinite entries (default True).

    Returns
    -------
    numpy.ndarray, same shape as ``value``, dtype ``dtype``
        The converted array (not a copy when ``value`` already is one of that dtype).

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
    """Raise if the last axis of ``arr`` is not of length ``d``.

    Parameters
    ----------
    arr : numpy.ndarray, shape (..., d)
        The array to check (any dtype); a 0-D array always fails.
    d : int
        The required length of the last axis.
    name : str
        The argument's name, used in the error message.
    what : str, optional
        What ``d`` is, for the error message (default ``"the data dimension"``).

    Returns
    -------
    None

    Raises
    ------
    ValueError
        If ``arr`` is 0-D or ``arr.shape[-1] != d``.

    >>> check_last_dim(np.zeros((3, 4)), 4, "x")
    """
    if arr.ndim == 0 or arr.shape[-1] != d:
        raise ValueError(f"{name} must have last dimension d = {d} ({what}); got shape {arr.shape}")


def check_positive(value: float, name: str, *, allow_zero: bool = False,
                   allow_inf: bool = False) -> float:
    """Return ``float(value)`` after checking that it is positive (or non-negative).

    Parameters
    ----------
    value : float
        The number to check (anything ``float()`` accepts).
    name : str
        The argument's name, used in the error message.
    allow_zero : bool, optional
        Accept ``0`` as well (default False: ``value > 0`` is required).
    allow_inf : bool, optional
        Accept ``+inf`` as well (default False: ``value`` must be finite). NaN is always rejected.

    Returns
    -------
    float
        ``float(value)``.

    Raises
    ------
    ValueError
        If the check fails.

    >>> check_positive(2, "n")
    2.0
    """
    v = float(value)
    ok = (v >= 0 if allow_zero else v > 0) and not np.isnan(v) and (allow_inf or np.isfinite(v))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        extra = "" if allow_inf else " and finite"
        raise ValueError(f"{name} must be {bound}{extra}; got {value!r}")
    return v


def check_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking that it is an integer >= ``minimum``.

    Parameters
    ----------
    value : int or numpy.integer
        The number to check; a bool, a float or anything else is rejected.
    name : str
        The argument's name, used in the error message.
    minimum : int, optional
        The smallest value allowed (default 1).

    Returns
    -------
    int
        ``int(value)``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (or is a bool).
    ValueError
        If ``value < minimum``.

    >>> check_int(np.int64(3), "k")
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def finite_row_blocks(X: Any, rows: int, name: str = "X") -> Iterator[tuple[int, np.ndarray]]:
    """The rows of ``X`` (an array or memory map of any dtype, shape (N, d)) in consecutive blocks
    converted to float64, as ``(start, block)``, each checked for NaN and inf: the one way the
    package reads a dataset too large to convert whole.

    Parameters
    ----------
    X : ndarray or numpy.memmap, shape (N, d)
        The rows.
    rows : int
        Rows per block.
    name : str, optional
        The argument's name, used in the error message (default ``"X"``).

    Yields
    ------
    (int, ndarray of shape (<= rows, d), float64)

    Raises
    ------
    ValueError
        At the first block holding a NaN or inf, naming its row.

    >>> [(a, b.dtype.name, b.shape) for a, b in finite_row_blocks(np.zeros((3, 2), np.uint8), 2)]
    [(0, 'float64', (2, 2)), (2, 'float64', (1, 2))]
    >>> next(finite_row_blocks(np.array([[0.0], [np.nan]]), 2))
    Traceback (most recent call last):
    ...
    ValueError: X has a NaN or inf in row 1
    """
    for a in range(0, X.shape[0], rows):
        block = np.asarray(X[a:a + rows], dtype=np.float64)
        if not np.all(np.isfinite(block)):
            row = a + int(np.argwhere(~np.isfinite(block))[0, 0])
            raise ValueError(f"{name} has a NaN or inf in row {row}")
        yield a, block


def check_eigs(eigs: ArrayLike) -> np.ndarray:
    r"""Population eigenvalues as a float64 1-D array: non-empty, ``>= 0``, at least one positive.

    Parameters
    ----------
    eigs : array_like, shape (d,)
        The population eigenvalues :math:`\lambda_k`, finite.

    Returns
    -------
    numpy.ndarray, shape (d,), float64
        The eigenvalues.

    Raises
    ------
    ValueError
        If ``eigs`` is not 1-D, is empty, has a non-finite or negative entry, or is all zero.

    >>> check_eigs([2, 1, 0])
    array([2., 1., 0.])
    """
    lam = as_array(eigs, "eigs", ndim=1)
    if lam.size == 0:
        raise ValueError("eigs must hold at least one eigenvalue; got an empty array")
    if np.any(lam < 0):
        raise ValueError(f"eigs must be >= 0 (a covariance spectrum); smallest is {lam.min():.3g}")
    if not np.any(lam > 0):
        raise ValueError("eigs must have at least one positive eigenvalue; all are 0")
    return lam


def check_n(n: float) -> float:
    """A number of samples per split: a positive finite number (not a bool).

    Parameters
    ----------
    n : float
        The number of samples per split (need not be an integer: the theory is continuous in it).

    Returns
    -------
    float
        ``float(n)``.

    Raises
    ------
    TypeError
        If ``n`` is a bool.
    ValueError
        If ``n`` is not positive and finite.

    >>> check_n(100)
    100.0
    """
    if isinstance(n, bool):
        raise TypeError("n must be a number of samples; got a bool")
    return check_positive(n, "n")


def check_s(s: ArrayLike) -> np.ndarray:
    r"""Ridges ``s = sigma^2`` as a float64 array of any shape, every entry ``>= 0``.

    Parameters
    ----------
    s : array_like, any shape
        The ridges :math:`s = \sigma^2`, finite.

    Returns
    -------
    numpy.ndarray, same shape as ``s``, float64
        The ridges.

    Raises
    ------
    ValueError
        If an entry is negative, NaN or infinite.

    >>> check_s([0, 1.5])
    array([0. , 1.5])
    """
    s = as_array(s, "s")
    if np.any(s < 0):
        raise ValueError(f"s (= sigma^2) must be >= 0; smallest is {s.min():.3g}")
    return s
