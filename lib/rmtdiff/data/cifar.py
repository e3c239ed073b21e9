"""The python version of CIFAR-10 and CIFAR-100: a folder of pickled batches or its ``.tar.gz``.

Pickles are read with an unpickler that allows only the globals a CIFAR batch needs."""

from __future__ import annotations

import io
import pickle
import tarfile
from collections.abc import Collection
from pathlib import Path

import numpy as np

from .images import ImageDataset, to_unit_range

_CIFAR_FILES = {
    "cifar10": {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]},
    "cifar100": {"train": ["train"], "test": ["test"]},
}

#: the only globals a CIFAR pickle needs (numpy arrays, protocol-2 bytes); anything else in a
#: pickle is refused rather than executed
_PICKLE_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray",
                   "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
                   ("_codecs", "encode"), ("numpy.core.multiarray", "scalar"),
                   ("numpy._core.multiarray", "scalar")}



class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _PICKLE_ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")



def looks_like_cifar(path: Path) -> bool:
    """Whether ``path`` is a CIFAR folder or archive (by its files or its name).

    Parameters
    ----------
    path : pathlib.Path
        A folder (CIFAR if it holds ``data_batch_1``, ``test_batch``, ``train`` or ``meta``) or a
        file (CIFAR if its name starts with ``cifar`` and ends in ``.tar.gz``, ``.tgz`` or
        ``.tar``); nothing is read.

    Returns
    -------
    bool

    >>> looks_like_cifar(Path("cifar-10-python.tar.gz")), looks_like_cifar(Path("faces.zip"))
    (True, False)
    """
    if path.is_dir():
        return any((path / f).is_file() for f in ("data_batch_1", "test_batch", "train", "meta"))
    return path.name.lower().startswith("cifar") and "".join(path.suffixes[-2:]) in (
        ".tar.gz", ".tgz", ".tar")



def _cifar_members(path: Path) -> dict[str, bytes | Path]:
    """``{file name: path or bytes}`` of a CIFAR folder or archive (archive read in memory)."""
    if path.is_dir():
        return {p.name: p for p in path.iterdir() if p.is_file()}
    try:
        with tarfile.open(path) as tar:
            return {Path(m.name).name: tar.extractfile(m).read() for m in tar.getmembers()
                    if m.isfile()}
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"{path} is not a readable tar archive ({exc}): the download is "
                         "truncated or corrupt; fetch it again") from exc



def load_cifar(path: Path, part: str, name: str, known_names: Collection[str] = ()) -> ImageDataset:
    """The ``part`` of a CIFAR folder or archive; named ``name`` if it is in ``known_names``,
    else by its variant (``cifar10`` or ``cifar100``).

    Parameters
    ----------
    path : pathlib.Path
        A folder of CIFAR-10/100 python batches or its ``.tar[.gz]`` (read in memory); the
        variant is CIFAR-100 when it has ``train`` and no ``data_batch_1``.
    part : {"all", "train", "test"}
        Which batches; ``"all"`` is train then test.
    name : str
        The dataset's name, kept when it is in ``known_names``.
    known_names : collection of str, optional
        The names that may be kept (the registry's); default none.

    Returns
    -------
    ImageDataset
        Images (N, 3, 32, 32) float64 in ``[-1, 1]``, labels (N,) int64 (fine labels for
        CIFAR-100).

    Raises
    ------
    FileNotFoundError
        If a batch file of ``part`` is missing.
    ValueError
        An unreadable archive, a batch that is not a pickle of the CIFAR layout, or a pickle that
        needs any global besides numpy arrays.
    """
    members = _cifar_members(path)
    variant = "cifar100" if ("train" in members and "data_batch_1" not in members) else "cifar10"
    parts = ("train", "test") if part == "all" else (part,)
    wanted = [f for p in parts for f in _CIFAR_FILES[variant][p]]
    missing = [f for f in wanted if f not in members]
    if missing:
        raise FileNotFoundError(f"{path} lacks the CIFAR batch file(s) {', '.join(missing)} "
                                f"(expected {', '.join(wanted)})")
    images, labels = [], []
    for f in wanted:
        src = members[f]
        raw = src.read_bytes() if isinstance(src, Path) else src
        where = f"{path}/{f}" if isinstance(src, Path) else f"{f} in {path}"
        try:
            batch = _SafeUnpickler(io.BytesIO(raw), encoding="bytes").load()
        except Exception as exc:            # truncated, corrupt or not a pickle at all
            raise ValueError(f"{where} is not a readable CIFAR batch ({type(exc).__name__}: "
                             f"{exc}); fetch the dataset again") from exc
        if not isinstance(batch, dict) or b"data" not in batch:
            raise ValueError(f"{where} is not a CIFAR batch: expected a dict with b'data'")
        x = np.asarray(batch[b"data"])
        y = batch.get(b"labels", batch.get(b"fine_labels"))
        if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3072 or y is None \
                or len(y) != len(x):
            raise ValueError(f"{where}: expected uint8 data of shape (N, 3072) and N labels; "
                             f"got {x.dtype} {x.shape} and {None if y is None else len(y)} labels")
        images.append(x.reshape(-1, 3, 32, 32))
        labels.append(np.asarray(y, dtype=np.int64))
    return ImageDataset(name if name in known_names else variant,
                        to_unit_range(np.concatenate(images)), np.concatenate(labels),
                        str(path))
