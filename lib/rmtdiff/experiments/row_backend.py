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
GPU_ROWS = 4096   #: rows per block on a GPU at most (fewer for many seeds: see BLOCK_BYTES)
BLOCK_BYTES = 2**30   #: the largest of a block's arrays on a GPU, rows x R x seeds x 8 bytes


class TorchBackend:
    """Torch tensors (float64) on one device for the pass over the rows.

    Parameters
    ----------
    device : str or torch.device
        The torch device, e.g. ``"cuda"`` (or ``"cpu"``, to test the torch path without a GPU).
    rows : int
        Rows per block at most.
    block_bytes : int
        Fewer rows per block where a block's ``(rows, R, seeds)`` arrays would exceed this.
    """

    def __init__(self, device: str | torch.device, rows: int = GPU_ROWS,
                 block_bytes: int = BLOCK_BYTES) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.rows = int(rows)
        self.block_bytes = int(block_bytes)

    def asarray(self, a: np.ndarray) -> torch.Tensor:
        """``a`` as a float64 tensor on the device.

        Parameters
        ----------
        a : ndarray

        Returns
        -------
        torch.Tensor
        """
        # a block of a read-only memory map is copied (torch wants writable memory)
        return self.torch.as_tensor(np.require(a, np.float64, ["C", "W"]), device=self.device)

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


def check_device(device: str) -> str:
    """Return ``device`` after checking that it is one of :data:`DEVICES`.

    Parameters
    ----------
    device : str
        What a caller passed as ``device``.

    Returns
    -------
    str

    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device must be one of ('auto', 'cpu', 'cuda'); got 'gpu'
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}; got {device!r}")
    return device


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
    if check_device(device) == "cpu":
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
