"""Square images at the size an experiment needs: centre-crop to the shorter side, then area
averaging to shrink or bicubic interpolation to enlarge (arrays in floating point, image files
with Pillow as they are decoded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:                  # Pillow is imported only when an image is resized
    from PIL.Image import Image

from ..util.checks import check_int


def fit_square(img: Image, size: int) -> Image:
    """Centre-crop a Pillow image to a square and resize it to ``size`` (box filter = area
    averaging when shrinking, bicubic when enlarging).

    Parameters
    ----------
    img : PIL.Image.Image
        Any size and mode.
    size : int
        Side of the result in pixels (not validated).

    Returns
    -------
    PIL.Image.Image
        ``size`` x ``size``, same mode; ``img`` itself (or its crop) when no resize is needed.
    """
    from PIL import Image

    w, h = img.size
    side = min(w, h)
    if (w, h) != (side, side):
        left, top = (w - side) // 2, (h - side) // 2
        img = img.crop((left, top, left + side, top + side))
    if side == size:
        return img
    return img.resize((size, size), Image.Resampling.BOX if size < side
                      else Image.Resampling.BICUBIC)



def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Images ``(N, H, W)`` or ``(N, C, H, W)`` in ``[-1, 1]`` at ``size x size``: centre-crop to
    a square, then average pooling to shrink (``adaptive_avg_pool2d``: output pixel ``i`` is the
    plain mean of input pixels ``floor(i H/size)`` to ``ceil((i+1) H/size) - 1``, so when ``size``
    does not divide the side, e.g. the book's 28 -> 16 Fashion-MNIST, neighbouring windows overlap
    and a partly covered pixel counts fully, not by its covered fraction) or bicubic interpolation
    to enlarge (clipped back to ``[-1, 1]``). Computed in the images' float precision, in chunks.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, C, H, W), float32 or float64
        Images in ``[-1, 1]``.
    size : int
        Side of the result, ``>= 1``.

    Returns
    -------
    ndarray, shape (N, size, size) or (N, C, size, size), dtype of ``images``
        The centre crop itself (contiguous) when its side already is ``size``.

    >>> resize_images(np.zeros((2, 3, 28, 28)), 32).shape
    (2, 3, 32, 32)
    """
    import torch
    import torch.nn.functional as F

    size = check_int(size, "size")
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must be (N, H, W) or (N, C, H, W); got shape {images.shape}")
    h, w = images.shape[-2:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    images = images[..., top:top + side, left:left + side]
    if side == size:
        return np.ascontiguousarray(images)
    grey = images.ndim == 3
    x4 = images[:, None] if grey else images
    out = np.empty(x4.shape[:2] + (size, size), dtype=x4.dtype)
    for start in range(0, len(x4), 4096):
        t = torch.as_tensor(np.ascontiguousarray(x4[start:start + 4096]))
        if size < side:
            r = F.adaptive_avg_pool2d(t, size)
        else:
            r = F.interpolate(t, size=(size, size), mode="bicubic", align_corners=False)
            r = r.clamp(-1.0, 1.0)
        out[start:start + 4096] = r.numpy()
    return out[:, 0] if grey else out
