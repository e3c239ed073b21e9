"""The device computations run on: a GPU when torch sees one, else the CPU."""

from __future__ import annotations

import os


def default_device() -> str:
    """``"cuda"`` when a GPU is visible to torch (``"cuda:<LOCAL_RANK>"`` inside a ``torchrun``
    process group, one GPU per rank), else ``"cpu"``. torch is imported only when called.

    Returns
    -------
    str
        A torch device string: ``"cpu"``, ``"cuda"`` or ``"cuda:<LOCAL_RANK>"``.

    >>> default_device() in ("cpu", "cuda") or default_device().startswith("cuda:")
    True
    """
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    rank = os.environ.get("LOCAL_RANK")
    return "cuda" if rank is None else f"cuda:{int(rank)}"
