"""Any image dataset by name or path: CIFAR pickles, IDX files, folders and zips of PNG/JPEG
images, ``.npy``/``.npz`` arrays, at the size the experiment needs.

Conventions
-----------
* :func:`load_dataset` returns an :class:`~rmtdiff.data.ImageDataset` with images in
  ``[-1, 1]``: shape ``(N, H, W)`` for grey datasets and ``(N, C, H, W)`` for colour ones
  (``C = 3``, channel first, as torch wants them); ``flat()`` gives rows of ``C*H*W`` pixels in
  that order. Files decode to ``uint8`` and map as ``p / 127.5 - 1``.
* ``size=s`` makes every image ``s x s``: a non-square image is centre-cropped to its shorter side,
  then shrunk by area averaging (each output pixel is the mean of the input pixels it covers) or
  enlarged by bicubic interpolation. Arrays already in memory (IDX, CIFAR, ``.npy``) are resized
  in floating point; image files are resized one by one with Pillow as they are decoded, so a
  folder of 70k megapixel faces never sits in memory at full size.
* Order is deterministic: files sorted by their path inside the folder or archive.
* Nothing is cached from a dataset that failed to read: every error names the file and what was
  expected of it.

Named datasets (:data:`REGISTRY`) are looked for in ``root`` (if given), then in
``$RMTDIFF_DATA/<folder>``, then ``data/<folder>`` of this repository; Fashion-MNIST also in
Debian's folder (see :mod:`rmtdiff.data`). Any path works too: a folder or archive of images, a
CIFAR folder or ``.tar.gz``, a folder of IDX files, or a ``.npy``/``.npz`` file.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data as builtin
from ._checks import check_int
from ._progress import progress
from .data import ImageDataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_MODES = {"L": 1, "RGB": 3}


@dataclass(frozen=True)
class DatasetInfo:
    """What a named dataset is and where its files are.

    Attributes
    ----------
    format : {"idx", "cifar10", "cifar100", "images", "digits"}
    folders : names of the folder (or archive) searched for under each data root
    counts : expected number of images per part (checked when the whole part is read)
    shape : (C, H, W) of the files' images (``None`` where the files vary, e.g. FFHQ exports)
    note : where the files come from
    """

    format: str
    folders: tuple[str, ...]
    counts: dict
    shape: tuple[int, int, int] | None
    note: str


REGISTRY: dict[str, DatasetInfo] = {
    "fashion-mnist": DatasetInfo("idx", ("fashion-mnist",), {"train": 60_000, "test": 10_000},
                                 (1, 28, 28), "Debian package dataset-fashion-mnist, or the "
                                 "four IDX .gz files from the Fashion-MNIST home page"),
    "mnist": DatasetInfo("idx", ("mnist",), {"train": 60_000, "test": 10_000}, (1, 28, 28),
                         "the four IDX files (train-images-idx3-ubyte.gz, ...) of MNIST"),
    "cifar10": DatasetInfo("cifar10", ("cifar-10-batches-py", "cifar-10-python.tar.gz"),
                           {"train": 50_000, "test": 10_000}, (3, 32, 32),
                           "the python version of CIFAR-10 (cifar-10-python.tar.gz)"),
    "cifar100": DatasetInfo("cifar100", ("cifar-100-python", "cifar-100-python.tar.gz"),
                            {"train": 50_000, "test": 10_000}, (3, 32, 32),
                            "the python version of CIFAR-100 (cifar-100-python.tar.gz)"),
    "ffhq": DatasetInfo("images", ("ffhq", "ffhq.zip"), {"all": 70_000}, None,
                        "FFHQ exported as PNG files (any resolution), a folder or a zip"),
    "afhq": DatasetInfo("images", ("afhq", "afhq.zip"), {}, None,
                        "AFHQ's cat/dog/wild JPEG folders (train and val), a folder or a zip"),
    "digits": DatasetInfo("digits", (), {"all": 1797}, (1, 8, 8),
                          "ships with scikit-learn"),
}


def data_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for a named dataset: ``root``, else ``$RMTDIFF_DATA`` and ``data/``."""
    if root is not None:
        return [Path(root)]
    env = os.environ.get("RMTDIFF_DATA")
    return ([Path(env)] if env else []) + [builtin.REPO_DATA]


def load_dataset(name_or_path: str | os.PathLike, size: int | None = None, part: str = "all",
                 root: str | os.PathLike | None = None, mode: str | None = None,
                 dtype=np.float64, limit: int | None = None) -> ImageDataset:
    """Load a dataset by registry name (:data:`REGISTRY`) or by path, optionally resized.

    Parameters
    ----------
    name_or_path : str or path
        A name such as ``"cifar10"``, ``"fashion-mnist"`` or ``"ffhq"``, or a path: a folder or
        ``.zip``/``.tar``/``.tar.gz`` of PNG/JPEG images, a CIFAR folder or archive, a folder of
        IDX files, or a ``.npy``/``.npz`` file.
    size : int, optional
        Side of the square output images (see the module's conventions); ``None`` keeps the
        files' own size, which must then be the same for every image.
    part : {"all", "train", "test"}
        For datasets with a train/test division (IDX, CIFAR); ``"all"`` is train then test.
        Image folders and arrays have only ``"all"``.
    mode : {None, "L", "RGB"}
        Convert every image file to grey (``"L"``) or colour (``"RGB"``). With ``None`` the files
        must all be grey or all colour, and anything else (a mix, RGBA, palette) is an error that
        says to pass ``mode``.
    dtype : float dtype of the returned images (``np.float32`` halves the memory).
    limit : int, optional
        Read only the first ``limit`` images (in the dataset's order), for quick looks.

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
    if key in REGISTRY:
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


def has_parts(name_or_path) -> bool:
    """Whether a dataset has a train/test division (IDX and CIFAR do; image folders and arrays
    do not), decided from the name or the path without reading the images."""
    key = str(name_or_path)
    if key in REGISTRY:
        return REGISTRY[key].format in ("idx", "cifar10", "cifar100")
    path = Path(key)
    return _looks_like_cifar(path) or (path.is_dir() and bool(
        builtin._find(path, "train-images-idx3-ubyte")))


# --------------------------------------------------------------------------- names and paths

def _load_named(name, part, root, size, mode, limit) -> ImageDataset:
    info = REGISTRY[name]
    if info.format == "digits":
        _only_all(part, name)
        return builtin.load_digits()
    if name == "fashion-mnist":      # Debian's folder too; the book's own loader
        return builtin.load_fashion_mnist(root, part=part)
    found = [r / f for r in data_roots(root) for f in info.folders]
    for path in found:
        if not path.exists():
            continue
        if info.format == "idx":
            if not (builtin._find(path, "train-images-idx3-ubyte")
                    or builtin._find(path, "t10k-images-idx3-ubyte")):
                continue
            ds = _load_idx_folder(path, part, name)
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
        if expected is not None and limit is None and len(ds.images) != expected:
            raise ValueError(f"{path} holds {len(ds.images)} images of {name} ({part}); the "
                             f"dataset has {expected}: the copy is incomplete or not {name}")
        return ds
    searched = "\n  ".join(str(p) for p in found)
    raise FileNotFoundError(f"{name} ({info.note}) not found; looked for:\n  {searched}\n"
                            "Put it in one of these, pass root=..., or set RMTDIFF_DATA.")


def _load_path(path: Path, part, size, mode, limit, name=None, fmt=None) -> ImageDataset:
    name = name or path.name
    suffixes = "".join(path.suffixes[-2:]).lower()
    if path.is_file() and path.suffix.lower() in (".npy", ".npz"):
        _only_all(part, path)
        return _load_array(path)
    if fmt in ("cifar10", "cifar100") or _looks_like_cifar(path):
        return _load_cifar(path, part, name)
    if path.is_dir() and (builtin._find(path, "train-images-idx3-ubyte")
                          or builtin._find(path, "t10k-images-idx3-ubyte")):
        return _load_idx_folder(path, part, name)
    if path.is_dir() or path.suffix.lower() == ".zip" or suffixes in (".tar", ".tar.gz", ".tgz"):
        _only_all(part, path)
        return _load_image_files(path, size, mode, limit, name)
    raise ValueError(f"{path}: unknown dataset format; expected a folder or .zip/.tar[.gz] of "
                     "PNG/JPEG images, a CIFAR folder or archive, a folder of IDX files, or a "
                     ".npy/.npz file")


def _only_all(part, what) -> None:
    if part != "all":
        raise ValueError(f"{what} has no train/test division: use part='all' (got {part!r}); "
                         "the network chapters hold out the last images instead")


# --------------------------------------------------------------------------- IDX

def _load_idx_folder(folder: Path, part: str, name: str) -> ImageDataset:
    parts = ("train", "test") if part == "all" else (part,)
    pairs = [builtin.load_idx_pair(folder, *builtin.FASHION_MNIST_FILES[p]) for p in parts]
    images = np.concatenate([p[0] for p in pairs])
    labels = np.concatenate([p[1] for p in pairs])
    return ImageDataset(name, builtin.to_unit_range(images), labels, str(folder))


# --------------------------------------------------------------------------- CIFAR

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


def _looks_like_cifar(path: Path) -> bool:
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


def _load_cifar(path: Path, part: str, name: str) -> ImageDataset:
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
    return ImageDataset(name if name in REGISTRY else variant,
                        builtin.to_unit_range(np.concatenate(images)), np.concatenate(labels),
                        str(path))


# --------------------------------------------------------------------------- arrays

def _load_array(path: Path) -> ImageDataset:
    files, labels = None, None
    try:
        if path.suffix.lower() == ".npy":
            arr = np.load(path, allow_pickle=False)
        else:
            with np.load(path, allow_pickle=False) as z:
                files = z.files
                keys = [k for k in ("images", "x", "arr_0") if k in files]
                arr = z[keys[0]] if keys else None
                labels = next((z[k] for k in ("labels", "y") if k in files), None)
    except Exception as exc:                # truncated file or zip, bad header, pickled objects
        raise ValueError(f"{path} is not a readable NumPy file ({type(exc).__name__}: {exc})") \
            from exc
    if arr is None:
        raise ValueError(f"{path} holds arrays {files}; expected one named 'images' (or 'x', or "
                         "a single unnamed array)")
    arr = _channel_first(arr, path)
    if arr.dtype == np.uint8:
        images = builtin.to_unit_range(arr)
    elif np.issubdtype(arr.dtype, np.floating):
        lo, hi = float(arr.min()), float(arr.max())
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo < -1 or hi > 1:
            raise ValueError(f"{path}: floating-point images must lie in [-1, 1]; found values in "
                             f"[{lo:.3g}, {hi:.3g}] (save uint8 0..255, or rescale)")
        images = arr.astype(np.float64)
    else:
        raise ValueError(f"{path}: images must be uint8 (0..255) or float in [-1, 1]; got "
                         f"dtype {arr.dtype}")
    if labels is None:
        labels = np.zeros(len(images), dtype=np.int64)
    elif len(labels) != len(images):
        raise ValueError(f"{path}: {len(labels)} labels for {len(images)} images")
    return ImageDataset(path.stem, images, np.asarray(labels, dtype=np.int64), str(path))


def _channel_first(arr: np.ndarray, path) -> np.ndarray:
    """(N, H, W) stays; (N, H, W, C) and (N, C, H, W) with C in {1, 3} become (N, C, H, W),
    and a single channel is dropped to (N, H, W)."""
    if arr.ndim == 3:
        return arr
    if arr.ndim == 4:
        first, last = arr.shape[1] in (1, 3), arr.shape[3] in (1, 3)
        if last and not first:
            arr = np.moveaxis(arr, 3, 1)
        elif not first:
            raise ValueError(f"{path}: cannot tell the channel axis of shape {arr.shape}; "
                             "expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3")
        return arr[:, 0] if arr.shape[1] == 1 else arr
    raise ValueError(f"{path}: images must be a 3-D (N, H, W) or 4-D array; got shape {arr.shape}")


# --------------------------------------------------------------------------- image files

def _image_members(path: Path):
    """Sorted ``[(name, opener)]`` of the PNG/JPEG files in a folder, zip or tar archive."""
    ok = lambda n: n.lower().endswith(IMAGE_SUFFIXES) and not Path(n).name.startswith(".")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and ok(p.name))
        return [(str(p.relative_to(path)), p.read_bytes) for p in files], None
    try:
        if path.suffix.lower() == ".zip":
            archive = zipfile.ZipFile(path)
            names = sorted(n for n in archive.namelist() if ok(n))
            return [(n, lambda n=n: archive.read(n)) for n in names], archive
        archive = tarfile.open(path)
        members = sorted((m for m in archive.getmembers() if m.isfile() and ok(m.name)),
                         key=lambda m: m.name)
        return [(m.name, lambda m=m: archive.extractfile(m).read()) for m in members], archive
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"{path} is not a readable archive ({exc}): truncated or corrupt") \
            from exc


def _load_image_files(path: Path, size, mode, limit, name) -> ImageDataset:
    from PIL import Image, UnidentifiedImageError

    members, archive = _image_members(path)
    if not members:
        raise ValueError(f"{path} contains no images (looked for {', '.join(IMAGE_SUFFIXES)}, "
                         "in subfolders too)")
    if limit is not None:
        members = members[:limit]
    out = None
    first = None
    try:
        for i, (member, read) in enumerate(progress(members, desc=f"reading {path.name}")):
            where = f"{member} in {path}" if archive is not None else str(path / member)
            try:
                img = Image.open(io.BytesIO(read()))
                img.load()
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
                    zipfile.BadZipFile, EOFError) as exc:
                raise ValueError(f"{where} is not a readable image ({exc}); delete or replace "
                                 "it") from exc
            if mode is None:
                if img.mode not in IMAGE_MODES:
                    raise ValueError(f"{where} has mode {img.mode!r}; pass mode='RGB' or "
                                     "mode='L' to convert every image")
                if first is not None and img.mode != first[1]:
                    raise ValueError(f"{where} has mode {img.mode!r} but {first[0]} has "
                                     f"{first[1]!r}: mixed modes; pass mode='RGB' or mode='L'")
            img = img.convert(mode or img.mode)
            if size is not None:
                img = _fit(img, size)
            elif first is not None and img.size != first[2]:
                raise ValueError(f"{where} is {img.size[0]}x{img.size[1]} but {first[0]} is "
                                 f"{first[2][0]}x{first[2][1]}: pass size=... to resize them all")
            if first is None:
                first = (member, img.mode, img.size)
                channels = IMAGE_MODES[img.mode]
                out = np.empty((len(members), channels, img.size[1], img.size[0]), np.uint8)
            pixels = np.asarray(img, dtype=np.uint8)
            out[i] = pixels[None] if pixels.ndim == 2 else np.moveaxis(pixels, 2, 0)
    finally:
        if archive is not None:
            archive.close()
    images = builtin.to_unit_range(out)
    if images.shape[1] == 1:
        images = images[:, 0]
    return ImageDataset(name, images, np.zeros(len(images), dtype=np.int64), str(path))


def _fit(img, size: int):
    """Centre-crop a Pillow image to a square and resize it to ``size`` (box filter = area
    averaging when shrinking, bicubic when enlarging)."""
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


# --------------------------------------------------------------------------- resizing arrays

def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Images ``(N, H, W)`` or ``(N, C, H, W)`` in ``[-1, 1]`` at ``size x size``: centre-crop to
    a square, then area averaging to shrink (``adaptive_avg_pool2d``; exact for the book's
    28 -> 16 Fashion-MNIST, fractional overlaps weighted) or bicubic interpolation to enlarge
    (clipped back to ``[-1, 1]``). Computed in the images' float precision, in chunks.

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
