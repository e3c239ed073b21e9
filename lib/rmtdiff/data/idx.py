"""The IDX format (MNIST, Fashion-MNIST): one reader for single files and for folders of the four
standard files (train and test images and labels, gzipped or not)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .images import ImageDataset, to_unit_range

#: file stems of the train and test parts (images, labels), ``.gz`` optional
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}



def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped (``.gz``) or raw.

    The header is two zero bytes, a type code, the number of dimensions ``k``, then ``k``
    big-endian uint32 sizes; the payload must hold exactly ``prod(sizes)`` items.

    Parameters
    ----------
    path : str or os.PathLike
        The file; a name ending in ``.gz`` is decompressed first.

    Returns
    -------
    ndarray, shape ``sizes``, dtype of the type code in native byte order
        ``uint8`` (0x08), ``int8``, ``int16``, ``int32``, ``float32`` or ``float64``: for MNIST
        images (N, 28, 28) uint8, for labels (N,) uint8.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not IDX, is truncated, has trailing bytes or is a corrupt gzip stream.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ValueError(f"{path} is not a readable gzip file ({exc}); "
                         "delete it and reinstall or re-download it") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file: expected the magic bytes 00 00 <type> <ndim>, "
                         f"got {raw[:4].hex(' ') or 'an empty file'}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated inside its header ({len(raw)} bytes, header needs {header})")
    sizes = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(sizes, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        kind = "truncated" if found < expected else "longer than its header says"
        raise ValueError(f"{path} is {kind}: header says shape {sizes} = {expected} bytes of data, "
                         f"found {found}; delete it and reinstall or re-download it")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(sizes).astype(dtype.newbyteorder("="))



def find_idx(folder: Path, stem: str) -> Path | None:
    """The file ``stem`` or ``stem.gz`` in ``folder``, or None.

    Parameters
    ----------
    folder : pathlib.Path
        Where to look.
    stem : str
        The file name without ``.gz``, e.g. ``"train-images-idx3-ubyte"``.

    Returns
    -------
    pathlib.Path or None
        The uncompressed file when both exist.
    """
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None



def load_idx_pair(folder: str | os.PathLike, images_stem: str,
                  labels_stem: str) -> tuple[np.ndarray, np.ndarray]:
    """Load an ``(images, labels)`` pair of IDX files from ``folder`` (``.gz`` optional).

    Parameters
    ----------
    folder : str or os.PathLike
        The folder holding both files.
    images_stem, labels_stem : str
        Their names without ``.gz`` (see :data:`IDX_FILES`).

    Returns
    -------
    images : ndarray, shape (N, H, W), the file's dtype (uint8 for MNIST; not checked here)
    labels : ndarray, shape (N,), int64

    Raises
    ------
    FileNotFoundError
        If either file is missing.
    ValueError
        If a file is not readable IDX (:func:`read_idx`) or the shapes do not match.
    """
    folder = Path(folder)
    paths = [find_idx(folder, images_stem), find_idx(folder, labels_stem)]
    missing = [s for s, p in zip((images_stem, labels_stem), paths) if p is None]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(m + '[.gz]' for m in missing)}")
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{paths[0].name} and {paths[1].name} in {folder} do not match: images "
                         f"{images.shape}, labels {labels.shape}; expected (N, H, W) and (N,)")
    return images, labels.astype(np.int64)



def has_idx(folder: Path, parts: Iterable[str] = ("train", "test")) -> bool:
    """Whether ``folder`` holds the images file of any of ``parts``.

    Parameters
    ----------
    folder : pathlib.Path
        The folder to look in (``False`` if it is not a folder).
    parts : iterable of {"train", "test"}, optional
        The parts whose images file counts (default both).

    Returns
    -------
    bool
    """
    return folder.is_dir() and any(find_idx(folder, IDX_FILES[p][0]) for p in parts)


def holds_part(folder: Path, part: str) -> bool:
    """Whether ``folder`` holds every file (images and labels) of ``part`` (``"all"``: train and
    test), the rule by which the registry's search picks a folder.

    Parameters
    ----------
    folder : pathlib.Path
        The folder to look in.
    part : {"all", "train", "test"}

    Returns
    -------
    bool
    """
    parts = ("train", "test") if part == "all" else (part,)
    return folder.is_dir() and all(find_idx(folder, stem) for p in parts for stem in IDX_FILES[p])


def load_idx_folder(folder: Path, part: str, name: str) -> ImageDataset:
    """The ``part`` (``"all"`` = train then test) of an IDX dataset in ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        A folder of the standard files of :data:`IDX_FILES` (``.gz`` optional).
    part : {"all", "train", "test"}
        Which pair(s) of files.
    name : str
        The dataset's name.

    Returns
    -------
    ImageDataset
        Images (N, H, W) float64 in ``[-1, 1]``, labels (N,) int64.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_idx_pair`.
    TypeError
        If the images are not uint8 (:func:`~rmtdiff.data.images.to_unit_range`).
    """
    parts = ("train", "test") if part == "all" else (part,)
    pairs = [load_idx_pair(folder, *IDX_FILES[p]) for p in parts]
    images = np.concatenate([p[0] for p in pairs])
    labels = np.concatenate([p[1] for p in pairs])
    return ImageDataset(name, to_unit_range(images), labels, str(folder))
