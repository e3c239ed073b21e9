"""Images stored as NumPy arrays: ``.npy``, or ``.npz`` with ``images`` (or ``x``, or one unnamed
array) and optional ``labels`` (or ``y``); ``uint8`` 0..255 or floats already in ``[-1, 1]``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .images import ImageDataset, to_unit_range


def load_array(path: Path) -> ImageDataset:
    """The images (and labels) of a ``.npy`` or ``.npz`` file.

    Parameters
    ----------
    path : pathlib.Path
        A ``.npy`` file of images, or a ``.npz`` file with ``images`` (or ``x``, or one unnamed
        array) and optional ``labels`` (or ``y``); read without pickles.

    Returns
    -------
    ImageDataset
        Named after the file's stem: images of shape (N, H, W) or (N, C, H, W) (see
        :func:`channel_first`), float64 in ``[-1, 1]``; labels (N,) int64, zeros when the file
        has none.

    Raises
    ------
    ValueError
        An unreadable file, no images array, a dtype other than uint8 or float, float values
        outside ``[-1, 1]``, a shape :func:`channel_first` rejects, or a label count that differs
        from the image count.
    """
    files, labels = None, None
    try:
        if path.suffix.lower() == ".npy":
            arr = np.load(path, allow_pickle=False)
        else:
            with np.load(path, allow_pickle=False) as z:
                files = z.files
                keys = [k for k in ("images", "x", "arr_0") if k in files]
                arr = z[keys[0]] if keys else None
                labels = next((z[k] for k in ("labels", "y") if k in files), None)
    except Exception as exc:                # truncated file or zip, bad header, pickled objects
        raise ValueError(f"{path} is not a readable NumPy file ({type(exc).__name__}: {exc})") \
            from exc
    if arr is None:
        raise ValueError(f"{path} holds arrays {files}; expected one named 'images' (or 'x', or "
                         "a single unnamed array)")
    arr = channel_first(arr, path)
    if arr.dtype == np.uint8:
        images = to_unit_range(arr)
    elif np.issubdtype(arr.dtype, np.floating):
        lo, hi = float(arr.min()), float(arr.max())
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo < -1 or hi > 1:
            raise ValueError(f"{path}: floating-point images must lie in [-1, 1]; found values in "
                             f"[{lo:.3g}, {hi:.3g}] (save uint8 0..255, or rescale)")
        images = arr.astype(np.float64)
    else:
        raise ValueError(f"{path}: images must be uint8 (0..255) or float in [-1, 1]; got "
                         f"dtype {arr.dtype}")
    if labels is None:
        labels = np.zeros(len(images), dtype=np.int64)
    elif len(labels) != len(images):
        raise ValueError(f"{path}: {len(labels)} labels for {len(images)} images")
    return ImageDataset(path.stem, images, np.asarray(labels, dtype=np.int64), str(path))



def channel_first(arr: np.ndarray, path: str | os.PathLike) -> np.ndarray:
    """(N, H, W) stays; (N, H, W, C) and (N, C, H, W) with C in {1, 3} become (N, C, H, W),
    and a single channel is dropped to (N, H, W).

    Parameters
    ----------
    arr : ndarray, shape (N, H, W), (N, H, W, C) or (N, C, H, W), any dtype
        The images as stored. When both axis 1 and axis 3 could be channels, axis 1 is taken.
    path : str or os.PathLike
        Where ``arr`` came from, for the error message.

    Returns
    -------
    ndarray, shape (N, H, W) or (N, 3, H, W), dtype of ``arr``
        A view of ``arr`` (no copy).

    Raises
    ------
    ValueError
        If ``arr`` is not 3-D or 4-D, or a 4-D array has no axis of length 1 or 3 at 1 or 3.

    >>> channel_first(np.zeros((2, 5, 5, 3)), "x.npy").shape
    (2, 3, 5, 5)
    >>> channel_first(np.zeros((2, 1, 5, 5)), "x.npy").shape
    (2, 5, 5)
    """
    if arr.ndim == 3:
        return arr
    if arr.ndim == 4:
        first, last = arr.shape[1] in (1, 3), arr.shape[3] in (1, 3)
        if last and not first:
            arr = np.moveaxis(arr, 3, 1)
        elif not first:
            raise ValueError(f"{path}: cannot tell the channel axis of shape {arr.shape}; "
                             "expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3")
        return arr[:, 0] if arr.shape[1] == 1 else arr
    raise ValueError(f"{path}: images must be a 3-D (N, H, W) or 4-D array; got shape {arr.shape}")
