"""The container every reader returns: images in ``[-1, 1]`` with their labels.

Conventions (the whole data layer)
----------------------------------
* Images are float arrays in ``[-1, 1]``: shape ``(N, H, W)`` for grey datasets and
  ``(N, C, H, W)`` for colour ones (``C = 3``, channel first, as torch wants them);
  :meth:`ImageDataset.flat` gives rows of ``C*H*W`` pixels in that order.
* ``uint8`` pixels ``p`` map to ``p / 127.5 - 1`` (:func:`to_unit_range`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class ImageDataset:
    """Images in ``[-1, 1]`` with their labels.

    Attributes
    ----------
    name : str
        The dataset's name (a registry name, or a file's or folder's).
    images : ndarray, shape (N, H, W) or (N, C, H, W), float
        The images, float64 from the readers (``load_dataset(dtype=...)`` may make them float32).
    labels : ndarray, shape (N,), int64
        Class labels (0 where the format has none).
    source : str
        Where the data came from (a folder or a package).
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    source: str

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one image."""
        return self.images.shape[1:]

    def flat(self) -> np.ndarray:
        """The images as rows, shape ``(N, H * W)`` (``(N, C * H * W)`` for colour images).

        Returns
        -------
        ndarray, shape (N, d), dtype of :attr:`images`
            A view when :attr:`images` is contiguous.

        >>> ImageDataset("x", np.zeros((2, 3, 4, 4)), np.zeros(2, np.int64), "-").flat().shape
        (2, 48)
        """
        return self.images.reshape(len(self.images), -1)


def to_unit_range(pixels: ArrayLike) -> np.ndarray:
    r"""Map uint8 pixels ``0..255`` to float64 in ``[-1, 1]``: ``p / 127.5 - 1``,
    :math:`x = p/127.5 - 1`.

    Parameters
    ----------
    pixels : array_like, any shape, uint8
        Pixel values; any other dtype is refused (no silent rescaling of floats).

    Returns
    -------
    ndarray, same shape, float64

    Raises
    ------
    TypeError
        If ``pixels`` is not uint8.

    >>> to_unit_range(np.array([0, 255], dtype=np.uint8))
    array([-1.,  1.])
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"pixels must be uint8 (0..255); got dtype {pixels.dtype}")
    return pixels.astype(np.float64) / 127.5 - 1.0
