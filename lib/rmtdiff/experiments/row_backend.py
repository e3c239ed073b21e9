"""Where the data closure's pass over the rows runs: NumPy on the CPU, or torch on a GPU.

The pass (:func:`rmtdiff.theory.nongaussian_fluctuations._data_closure_rows`) is written for any
array type with NumPy's operators; the theory imports no torch, so the torch arrays come from
here. The pass stays in float64 on the GPU: the same numbers as on the CPU to rounding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")
GPU_ROWS = 4096   #: rows per block on a GPU (a block's node-pair arrays: ~0.1-1 GB at CIFAR size)


class TorchBackend:
    """Torch tensors (float64) on one device for the pass over the rows.

    Parameters
    ----------
    device : str or torch.device
        The torch device, e.g. ``"cuda"`` (or ``"cpu"``, to test the torch path without a GPU).
    rows : int
        Rows per block.
    """

    def __init__(self, device: str | torch.device, rows: int = GPU_ROWS) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.rows = int(rows)

    def asarray(self, a: np.ndarray) -> torch.Tensor:
        """``a`` as a float64 tensor on the device.

        Parameters
        ----------
        a : ndarray

        Returns
        -------
        torch.Tensor
        """
        return self.torch.as_tensor(np.asarray(a, dtype=np.float64), device=self.device)

    def to_numpy(self, t: torch.Tensor) -> np.ndarray:
        """A tensor back as a float64 NumPy array.

        Parameters
        ----------
        t : torch.Tensor

        Returns
        -------
        ndarray
        """
        return t.detach().cpu().numpy()

    def __repr__(self) -> str:
        return f"TorchBackend({str(self.device)!r}, rows={self.rows})"


def row_backend(device: str = "auto") -> TorchBackend | None:
    """The backend for ``device``: ``None`` (NumPy) for ``"cpu"``, torch on the GPU for
    ``"cuda"``, and for ``"auto"`` the GPU when torch sees one, else NumPy.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
        Where to run (``--device`` of ``python -m rmtdiff predict``).

    Returns
    -------
    TorchBackend or None

    Raises
    ------
    ValueError
        An unknown ``device``, or ``"cuda"`` where torch sees no GPU (or is not installed).

    >>> row_backend("cpu") is None
    True
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}; got {device!r}")
    if device == "cpu":
        return None
    try:
        import torch
    except ImportError:
        if device == "cuda":
            raise ValueError("device='cuda' needs torch, which is not installed; use "
                             "device='cpu' (or 'auto')") from None
        return None
    if not torch.cuda.is_available():
        if device == "cuda":
            raise ValueError("device='cuda' but torch sees no GPU here; use device='cpu' "
                             "(or 'auto', which picks the GPU only when there is one)")
        return None
    return TorchBackend("cuda")
