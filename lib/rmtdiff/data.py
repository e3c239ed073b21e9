"""Datasets that need no download, loaders for the same formats in a user's folder, and splits.

Conventions
-----------
* Images are returned as float64 arrays of shape ``(N, H, W)`` scaled to ``[-1, 1]``
  (``uint8`` pixel ``p`` becomes ``p / 127.5 - 1``); flatten with ``images.reshape(N, -1)``.
* A split is an integer index array into the dataset. "Contiguous" splits are the paper's
  index blocks ``[0, n)``, ``[n, 2n)``, ...; "random" splits are disjoint blocks of one seeded
  permutation.

Fashion-MNIST is read from the four IDX files (gzipped or not) that Debian's package
``dataset-fashion-mnist`` installs under ``/usr/share/datasets/fashion-mnist``; the same files
downloaded from the dataset's home work from any folder (argument ``root`` or the environment
variable ``RMTDIFF_DATA``). MNIST ships in the same format and loads with :func:`load_idx_pair`.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._checks import check_int

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
REPO_DATA = Path(__file__).resolve().parents[2] / "data"
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class ImageDataset:
    """Images in ``[-1, 1]`` with their labels.

    Attributes
    ----------
    name : str
    images : ndarray, shape (N, H, W), float64
    labels : ndarray, shape (N,), int64
    source : str
        Where the data came from (a folder or a package).
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    source: str

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one image."""
        return self.images.shape[1:]

    def flat(self) -> np.ndarray:
        """The images as rows, shape ``(N, H * W)``."""
        return self.images.reshape(len(self.images), -1)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped (``.gz``) or raw.

    The header is two zero bytes, a type code, the number of dimensions ``k``, then ``k``
    big-endian uint32 sizes; the payload must hold exactly ``prod(sizes)`` items.

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


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_pair(folder: str | os.PathLike, images_stem: str, labels_stem: str):
    """Load an ``(images, labels)`` pair of IDX files from ``folder`` (``.gz`` optional).

    Returns
    -------
    images : ndarray, shape (N, H, W), uint8
    labels : ndarray, shape (N,), int64
    """
    folder = Path(folder)
    paths = [_find(folder, images_stem), _find(folder, labels_stem)]
    missing = [s for s, p in zip((images_stem, labels_stem), paths) if p is None]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(m + '[.gz]' for m in missing)}")
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{paths[0].name} and {paths[1].name} in {folder} do not match: images "
                         f"{images.shape}, labels {labels.shape}; expected (N, H, W) and (N,)")
    return images, labels.astype(np.int64)


def fashion_mnist_folders(root: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for Fashion-MNIST, in order: ``root``, ``$RMTDIFF_DATA`` (and its
    ``fashion-mnist`` subfolder), ``data/fashion-mnist`` in this repository, Debian's folder."""
    if root is not None:
        return [Path(root)]
    out = []
    env = os.environ.get("RMTDIFF_DATA")
    if env:
        out += [Path(env), Path(env) / "fashion-mnist"]
    return out + [REPO_DATA / "fashion-mnist", DEBIAN_FASHION_MNIST]


def fashion_mnist_files(root: str | os.PathLike | None = None) -> list[Path]:
    """The four Fashion-MNIST IDX files :func:`load_fashion_mnist` reads (train images, train
    labels, test images, test labels), from the first folder that has them all; ``[]`` if none."""
    for folder in fashion_mnist_folders(root):
        files = [_find(folder, stem) for pair in FASHION_MNIST_FILES.values() for stem in pair]
        if all(files):
            return files
    return []


def load_fashion_mnist(root: str | os.PathLike | None = None, part: str = "all") -> ImageDataset:
    """Fashion-MNIST (Xiao et al. 2017): 28x28 grey images of clothes, 10 classes.

    Parameters
    ----------
    root : path, optional
        Folder holding the four IDX files; by default :func:`fashion_mnist_folders`.
    part : {"all", "train", "test"}
        ``"all"`` is the 60k training images followed by the 10k test images (70k in all).

    Raises
    ------
    FileNotFoundError
        With the folders searched and how to install the data, when no folder has the files.
    """
    if part not in ("all", "train", "test"):
        raise ValueError(f"part must be 'all', 'train' or 'test'; got {part!r}")
    folders = fashion_mnist_folders(root)
    parts = ("train", "test") if part == "all" else (part,)
    for folder in folders:
        if all(_find(folder, FASHION_MNIST_FILES[p][0]) for p in parts):
            pairs = [load_idx_pair(folder, *FASHION_MNIST_FILES[p]) for p in parts]
            images = np.concatenate([p[0] for p in pairs])
            labels = np.concatenate([p[1] for p in pairs])
            return ImageDataset("fashion-mnist", to_unit_range(images), labels, str(folder))
    searched = "\n  ".join(str(f) for f in folders)
    raise FileNotFoundError(
        "Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, ...) not found in:\n  "
        f"{searched}\nInstall them with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; "
        "`make setup` does this), or download the four .gz files from the Fashion-MNIST home page "
        "into a folder and set RMTDIFF_DATA=that/folder.")


def load_digits() -> ImageDataset:
    """scikit-learn's 1797 handwritten digits, 8x8 (always available, no download)."""
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    images = bunch.images / 8.0 - 1.0          # pixel values are 0..16
    return ImageDataset("digits", images, bunch.target.astype(np.int64), "scikit-learn")


def load_photo_patches(size: int = 8, stride: int = 4) -> ImageDataset:
    """Grey ``size`` x ``size`` patches cut every ``stride`` pixels from scikit-learn's two sample
    photographs (china.jpg and flower.jpg, 427x640, shipped with the package, no download),
    standardised to mean 0 and variance 1 over all pixels of all patches.

    Natural-image patches are strongly non-Gaussian (sparse edges, heavy-tailed contrast), which
    makes them the book's second test of the non-Gaussian theory. Labels are the photo (0 or 1).

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
    return ImageDataset(f"photo patches {size}x{size}", images, np.concatenate(labels),
                        "scikit-learn sample images")


def to_unit_range(pixels: np.ndarray) -> np.ndarray:
    """Map uint8 pixels ``0..255`` to float64 in ``[-1, 1]``: ``p / 127.5 - 1``."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"pixels must be uint8 (0..255); got dtype {pixels.dtype}")
    return pixels.astype(np.float64) / 127.5 - 1.0


def disjoint_splits(n_total: int, n: int, k: int = 2, method: str = "contiguous",
                    rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """``k`` disjoint index sets of size ``n`` drawn from ``range(n_total)``.

    Parameters
    ----------
    method : {"contiguous", "random"}
        ``"contiguous"``: blocks ``[j n, (j+1) n)`` (the paper's protocol). ``"random"``: blocks
        of one permutation drawn from ``rng`` (required).

    >>> [s.tolist() for s in disjoint_splits(10, 2)]
    [[0, 1], [2, 3]]
    """
    n_total = check_int(n_total, "n_total")
    n = check_int(n, "n")
    k = check_int(k, "k")
    if k * n > n_total:
        raise ValueError(f"k * n = {k} * {n} = {k * n} exceeds the {n_total} samples available; "
                         f"use n <= {n_total // k}")
    if method == "contiguous":
        order = np.arange(n_total)
    elif method == "random":
        if not isinstance(rng, np.random.Generator):
            raise TypeError("method='random' needs rng, a numpy.random.Generator")
        order = rng.permutation(n_total)
    else:
        raise ValueError(f"method must be 'contiguous' or 'random'; got {method!r}")
    return [order[j * n:(j + 1) * n] for j in range(k)]
