"""Any image dataset by name or path, at the size the experiment needs: the data layer's entry.

Conventions as in :mod:`rmtdiff.data.images`. ``size=s`` makes every image ``s x s``
(:mod:`rmtdiff.data.resize`). Names are those of :data:`~rmtdiff.data.registry.REGISTRY`,
found by its search rule; any path works too: a folder or archive of images, a CIFAR folder or
``.tar.gz``, a folder of IDX files, or a ``.npy``/``.npz`` file. One reader per format
(:mod:`~rmtdiff.data.idx`, :mod:`~rmtdiff.data.cifar`, :mod:`~rmtdiff.data.arrays`,
:mod:`~rmtdiff.data.image_files`). Nothing is cached from a dataset that failed to read: every
error names the file and what was expected of it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from ..util.checks import check_int
from . import builtin
from .arrays import load_array
from .cifar import load_cifar, looks_like_cifar
from .idx import IDX_FILES, find_idx, has_idx, holds_part, load_idx_folder
from .image_files import load_image_files
from .images import ImageDataset
from .registry import REGISTRY, candidate_paths
from .resize import resize_images


def load_dataset(name_or_path: str | os.PathLike, size: int | None = None, part: str = "all",
                 root: str | os.PathLike | None = None, mode: str | None = None,
                 dtype: DTypeLike = np.float64, limit: int | None = None) -> ImageDataset:
    """Load a dataset by registry name (:data:`REGISTRY`) or by path, optionally resized.

    Parameters
    ----------
    name_or_path : str or path
        A name of :data:`~rmtdiff.data.registry.REGISTRY` such as ``"cifar10"``,
        ``"fashion-mnist"``, ``"digits"`` or ``"photo-patches"`` (whose ``size`` is the patch
        side, default 8), or a path: a folder or
        ``.zip``/``.tar``/``.tar.gz`` of PNG/JPEG images, a CIFAR folder or archive, a folder of
        IDX files, or a ``.npy``/``.npz`` file.
    size : int, optional
        Side of the square output images (see the module's conventions); ``None`` keeps the
        files' own size, which must then be the same for every image.
    part : {"all", "train", "test"}
        For datasets with a train/test division (IDX, CIFAR); ``"all"`` is train then test.
        Image folders and arrays have only ``"all"``.
    root : str or os.PathLike, optional
        For a registry name, the one folder to search (the name's folder in it, and for IDX
        datasets ``root`` itself) instead of the search rule of :mod:`rmtdiff.data.registry`;
        the image count of a copy under ``root`` is not checked. Ignored for a path.
    mode : {None, "L", "RGB"}
        Convert every image file to grey (``"L"``) or colour (``"RGB"``). With ``None`` the files
        must all be grey or all colour, and anything else (a mix, RGBA, palette) is an error that
        says to pass ``mode``.
    dtype : float dtype, optional
        Of the returned images (default float64; ``np.float32`` halves the memory).
    limit : int, optional
        Read only the first ``limit`` images (in the dataset's order), for quick looks.

    Returns
    -------
    ImageDataset
        Images (N, H, W) (grey) or (N, 3, H, W) (colour), ``dtype``, in ``[-1, 1]`` (except
        ``photo-patches``, standardised to mean 0 and variance 1), ``size x size`` when ``size``
        is given; labels (N,) int64; ``source`` says where it came from (and the size).

    Raises
    ------
    FileNotFoundError
        A missing path, or a name found in none of the searched folders (listing them).
    ValueError
        A truncated or corrupt file (named), a folder with no images, mixed image modes or sizes,
        a wrong ``size``, ``part`` or ``mode``; an unknown name lists the registry.
    """
    if size is not None:
        size = check_int(size, "size")
    if part not in ("all", "train", "test"):
        raise ValueError(f"part must be 'all', 'train' or 'test'; got {part!r}")
    if mode not in (None, "L", "RGB"):
        raise ValueError(f"mode must be None, 'L' (grey) or 'RGB'; got {mode!r}")
    if limit is not None:
        limit = check_int(limit, "limit")
    key = str(name_or_path)
    if key in REGISTRY and REGISTRY[key].format == "builtin":
        _only_all(part, key)
        ds = builtin.load_digits() if key == "digits" else builtin.load_photo_patches(
            size or 8, max(1, (size or 8) // 2))
    elif key in REGISTRY:
        ds = _load_named(key, part, root, size, mode, limit)
    else:
        path = Path(name_or_path)
        if not path.exists():
            raise FileNotFoundError(
                f"dataset {key!r} is neither a known name ({', '.join(sorted(REGISTRY))}) nor an "
                "existing file or folder")
        ds = _load_path(path, part, size, mode, limit)
    if limit is not None and len(ds.images) > limit:
        ds = ImageDataset(ds.name, ds.images[:limit], ds.labels[:limit], ds.source)
    images = ds.images
    if size is not None and images.shape[-2:] != (size, size):
        images = resize_images(images, size)
    return ImageDataset(ds.name, np.ascontiguousarray(images, dtype=dtype), ds.labels,
                        ds.source + (f" (at {size}x{size})" if size is not None else ""))



def has_parts(name_or_path: str | os.PathLike) -> bool:
    """Whether a dataset has a train/test division (IDX and CIFAR do; image folders and arrays
    do not), decided from the name or the path without reading the images.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A registry name or a path, as for :func:`load_dataset`.

    Returns
    -------
    bool

    >>> has_parts("fashion-mnist"), has_parts("digits")
    (True, False)
    """
    key = str(name_or_path)
    if key in REGISTRY:
        return REGISTRY[key].format in ("idx", "cifar10", "cifar100")
    path = Path(key)
    return looks_like_cifar(path) or has_idx(path, ("train",))



def _load_named(name, part, root, size, mode, limit) -> ImageDataset:
    info = REGISTRY[name]
    found = candidate_paths(name, root)
    for path in found:
        if not path.exists():
            continue
        if info.format == "idx":
            if not holds_part(path, part):      # a partial copy: look further
                continue
            ds = load_idx_folder(path, part, name)
        else:
            ds = _load_path(path, part, size, mode, limit, name=name, fmt=info.format)
        if info.shape is not None:
            native = ds.images.shape[1:] if ds.images.ndim == 4 else (1,) + ds.images.shape[1:]
            if native != info.shape:
                raise ValueError(f"{path} holds images of shape {native} (C, H, W); {name} has "
                                 f"{info.shape}: this is not {name}")
        expected = info.counts.get(part)
        if part == "all" and expected is None and info.counts:
            expected = sum(info.counts.values())
        # an explicit root may hold a deliberate subset; the search rule's copies are checked
        if expected is not None and limit is None and root is None and len(ds.images) != expected:
            raise ValueError(f"{path} holds {len(ds.images)} images of {name} ({part}); the "
                             f"dataset has {expected}: the copy is incomplete or not {name}")
        return ds
    searched = "\n  ".join(str(p) for p in found)
    hint = (" Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; "
            "`make setup` does this)." if name == "fashion-mnist" else "")
    raise FileNotFoundError(f"{name} ({info.note}) not found; looked for:\n  {searched}\n"
                            f"Put it in one of these, pass root=..., or set RMTDIFF_DATA.{hint}")


def _load_path(path: Path, part, size, mode, limit, name=None, fmt=None) -> ImageDataset:
    name = name or path.name
    suffixes = "".join(path.suffixes[-2:]).lower()
    if path.is_file() and path.suffix.lower() in (".npy", ".npz"):
        _only_all(part, path)
        return load_array(path)
    if fmt in ("cifar10", "cifar100") or looks_like_cifar(path):
        return load_cifar(path, part, name, tuple(REGISTRY))
    if has_idx(path):
        return load_idx_folder(path, part, name)
    if path.is_dir() or path.suffix.lower() == ".zip" or suffixes in (".tar", ".tar.gz", ".tgz"):
        _only_all(part, path)
        return load_image_files(path, size, mode, limit, name)
    raise ValueError(f"{path}: unknown dataset format; expected a folder or .zip/.tar[.gz] of "
                     "PNG/JPEG images, a CIFAR folder or archive, a folder of IDX files, or a "
                     ".npy/.npz file")


def _only_all(part, what) -> None:
    if part != "all":
        raise ValueError(f"{what} has no train/test division: use part='all' (got {part!r}); "
                         "the network chapters hold out the last images instead")



def load_fashion_mnist(root: str | os.PathLike | None = None, part: str = "all") -> ImageDataset:
    """Fashion-MNIST (Xiao et al. 2017), 28x28 grey images of clothes in 10 classes:
    ``load_dataset("fashion-mnist", part=part, root=root)``. ``"all"`` is the 60k training
    images followed by the 10k test images.

    Parameters
    ----------
    root : str or os.PathLike, optional
        The folder to search instead of the search rule (see :func:`load_dataset`).
    part : {"all", "train", "test"}, optional
        Default ``"all"``.

    Returns
    -------
    ImageDataset
        Images (N, 28, 28) float64 in ``[-1, 1]``, labels (N,) int64 (the class, 0..9).
    """
    return load_dataset("fashion-mnist", part=part, root=root)


def load_digits() -> ImageDataset:
    """scikit-learn's 1797 handwritten digits, 8x8: ``load_dataset("digits")``.

    Returns
    -------
    ImageDataset
        Images (1797, 8, 8) float64 in ``[-1, 1]``, labels (1797,) int64.

    >>> load_digits().images.shape
    (1797, 8, 8)
    """
    return load_dataset("digits")


def dataset_files(name_or_path: str | os.PathLike,
                  root: str | os.PathLike | None = None) -> list[Path]:
    """The files a dataset is read from (for checksums): a named dataset's files in the first
    folder of the search rule that holds them, a path's files (a folder's, recursively); ``[]``
    for a dataset shipped in a package, or one not found.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A registry name or a path, as for :func:`load_dataset`.
    root : str or os.PathLike, optional
        For a name, the folder to search instead of the search rule.

    Returns
    -------
    list of pathlib.Path
        Sorted for a folder; for an IDX dataset the four files of :data:`~.idx.IDX_FILES`. (For
        a non-IDX name this is everything under the first candidate path that exists.)

    >>> dataset_files("digits")
    []
    """
    key = str(name_or_path)
    if key in REGISTRY:
        if REGISTRY[key].format == "builtin":
            return []
        for path in candidate_paths(key, root):
            if REGISTRY[key].format == "idx":
                files = [find_idx(path, s) for pair in IDX_FILES.values() for s in pair]
                if path.is_dir() and all(files):
                    return files
            elif path.exists():
                return _files_of(path)
        return []
    path = Path(key)
    return _files_of(path) if path.exists() else []


def _files_of(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def data_checksums(name_or_path: str | os.PathLike,
                   root: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """(file, first 16 hex digits of its SHA-256) for every file of a dataset; for a dataset
    shipped in a package, (the package, its version).

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A registry name or a path, as for :func:`load_dataset`.
    root : str or os.PathLike, optional
        For a name, the folder to search instead of the search rule.

    Returns
    -------
    list of (str, str)
        One pair per file of :func:`dataset_files` (empty when none is found).

    >>> data_checksums("digits")[0][0]
    'scikit-learn'
    """
    key = str(name_or_path)
    if key in REGISTRY and REGISTRY[key].format == "builtin":
        from importlib import metadata

        return [("scikit-learn", metadata.version("scikit-learn"))]
    out = []
    for f in dataset_files(name_or_path, root):
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        out.append((str(f), h.hexdigest()[:16]))
    return out
