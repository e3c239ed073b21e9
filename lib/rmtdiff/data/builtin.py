"""Datasets that ship inside installed packages (no download, always available).

* ``digits``: scikit-learn's 1797 handwritten digits, 8x8;
* ``photo-patches``: grey patches cut from scikit-learn's two sample photographs, standardised.

Both are reached by name through :func:`rmtdiff.data.loading.load_dataset` (:data:`REGISTRY
<rmtdiff.data.registry.REGISTRY>`).
"""

from __future__ import annotations

import numpy as np

from ..util.checks import check_int
from .images import ImageDataset


def load_digits() -> ImageDataset:
    """scikit-learn's 1797 handwritten digits, 8x8 (always available, no download).

    Returns
    -------
    ImageDataset
        ``"digits"``: images (1797, 8, 8) float64 in ``[-1, 1]`` (pixel values 0..16 mapped by
        ``p / 8 - 1``), labels (1797,) int64, the digit 0..9.
    """
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    images = bunch.images / 8.0 - 1.0          # pixel values are 0..16
    return ImageDataset("digits", images, bunch.target.astype(np.int64), "scikit-learn")



def load_photo_patches(size: int = 8, stride: int = 4) -> ImageDataset:
    """Grey ``size`` x ``size`` patches cut every ``stride`` pixels from scikit-learn's two sample
    photographs (china.jpg and flower.jpg, 427x640, shipped with the package, no download),
    standardised to mean 0 and variance 1 over all pixels of all patches.

    Natural-image patches are strongly non-Gaussian (sparse edges, heavy-tailed contrast), which
    makes them the book's second test of the non-Gaussian theory (chapter ``non-gaussian``).
    Labels are the photo (0 or 1).

    Parameters
    ----------
    size : int, optional
        Side of a patch, ``>= 1`` and at most 427 (default 8).
    stride : int, optional
        Pixels between the corners of neighbouring patches, ``>= 1`` (default 4).

    Returns
    -------
    ImageDataset
        ``"photo-patches"``: images (N, size, size) float64 with mean 0 and variance 1 (not
        confined to ``[-1, 1]``), labels (N,) int64.

    >>> load_photo_patches(8, 64).images.shape
    (140, 8, 8)
    """
    from sklearn.datasets import load_sample_images

    size = check_int(size, "size")
    stride = check_int(stride, "stride")
    patches, labels = [], []
    for label, photo in enumerate(load_sample_images().images):
        grey = photo.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
        if size > min(grey.shape):
            raise ValueError(f"size must be at most {min(grey.shape)} (the photos' side); got {size}")
        win = np.lib.stride_tricks.sliding_window_view(grey, (size, size))[::stride, ::stride]
        patches.append(win.reshape(-1, size, size))
        labels.append(np.full(len(patches[-1]), label))
    images = np.concatenate(patches)
    images = (images - images.mean()) / images.std()
    return ImageDataset("photo-patches", images, np.concatenate(labels),
                        "scikit-learn sample images")

