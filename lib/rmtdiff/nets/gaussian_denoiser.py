r"""The Gaussian (linear) denoiser of a split as a torch module, so that its EDM loss is measured
exactly as the networks' are (:func:`rmtdiff.nets.training.evaluate_loss`): the yardstick of
the networks' loss curves (chapter 5, ``book/05_networks.md``).

For :math:`\mathcal N(\mu, U\,\mathrm{diag}(\lambda)\,U^\top)` the optimal denoiser is

.. math::
   D(x;\sigma) = \mu + U\,\mathrm{diag}\!\Bigl(\frac{\lambda}{\lambda + \sigma^2}\Bigr)U^\top (x - \mu),

the book's eq. ``gauss-denoiser`` (directions outside the span of :math:`U` have variance 0 and
are set to the mean).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..core.spectra import Gaussian


class GaussianDenoiser(nn.Module):
    r"""``D(x, sigma)`` of a Gaussian, on images of shape ``(B, C, H, W)``.

    It has the interface of :class:`rmtdiff.nets.training.Denoiser` that the losses use
    (``forward(x, sigma)`` with a ``(B,)`` tensor of noise levels, ``sigma_data``, ``train``
    and ``eval``); it has no trainable parameters.

    Parameters
    ----------
    gaussian : Gaussian
        Mean and eigen-decomposition of the covariance, in flattened pixels (``d = C H W``).
    shape : tuple of int
        ``(C, H, W)`` of one image.
    """

    sigma_data = 0.5            # only read by edm_loss's weighting; the same as the networks'

    def __init__(self, gaussian: Gaussian, shape: tuple[int, int, int]):
        super().__init__()
        if int(np.prod(shape)) != gaussian.mean.shape[0]:
            raise ValueError(f"shape {tuple(shape)} has {int(np.prod(shape))} pixels; the "
                             f"Gaussian has d = {gaussian.mean.shape[0]}")
        self.shape = tuple(int(s) for s in shape)
        self.register_buffer("mean", torch.as_tensor(gaussian.mean, dtype=torch.float32))
        self.register_buffer("eigvals", torch.as_tensor(gaussian.eigvals, dtype=torch.float32))
        self.register_buffer("eigvecs", torch.as_tensor(gaussian.eigvecs, dtype=torch.float32))

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """Denoise ``x`` (B, C, H, W) at noise levels ``sigma`` (B,).

        Parameters
        ----------
        x : torch.Tensor, shape (B, C, H, W)
            Noisy images.
        sigma : torch.Tensor, shape (B,)
            Their noise levels, ``> 0``.

        Returns
        -------
        torch.Tensor, shape (B, C, H, W)
        """
        flat = x.reshape(x.shape[0], -1).float() - self.mean
        coef = flat @ self.eigvecs
        gain = self.eigvals / (self.eigvals + sigma.reshape(-1, 1).float() ** 2)
        out = self.mean + (coef * gain) @ self.eigvecs.T
        return out.reshape(x.shape).to(x.dtype)
