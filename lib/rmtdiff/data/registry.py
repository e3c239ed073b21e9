"""The datasets the book knows by name, and the one rule for where their files are looked for.

A named dataset's files are searched, in order, in

1. ``root`` when a caller gives one (and nowhere else);
2. ``$RMTDIFF_DATA/<folder>`` and, for IDX datasets, ``$RMTDIFF_DATA`` itself;
3. ``data/<folder>`` of this repository;
4. the dataset's system folders (Debian's ``/usr/share/datasets/fashion-mnist``),

for each ``<folder>`` name in its :class:`DatasetInfo`. Datasets shipped inside packages
(``digits``, ``photo-patches``) have no files to look for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..util.paths import REPO_ROOT

REPO_DATA = REPO_ROOT / "data"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")

#: how the chapters name a dataset in their prose
DISPLAY_NAMES = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST", "cifar10": "CIFAR-10",
                 "cifar100": "CIFAR-100", "ffhq": "FFHQ", "afhq": "AFHQ", "digits": "digits",
                 "photo-patches": "photo patches"}
FORMATS = ("idx", "cifar10", "cifar100", "images", "builtin")


@dataclass(frozen=True)
class DatasetInfo:
    """What a named dataset is and where its files are.

    Attributes
    ----------
    format : one of :data:`FORMATS` (``"builtin"``: shipped inside a package)
    folders : names of the folder (or archive) searched for under each data root
    counts : expected number of images per part (checked when the whole part is read)
    shape : (C, H, W) of the files' images (``None`` where the files vary, e.g. FFHQ exports)
    note : where the files come from
    system_folders : absolute folders searched last (e.g. a Debian package's)
    """

    format: str
    folders: tuple[str, ...]
    counts: dict
    shape: tuple[int, int, int] | None
    note: str
    system_folders: tuple[Path, ...] = ()


REGISTRY: dict[str, DatasetInfo] = {
    "fashion-mnist": DatasetInfo("idx", ("fashion-mnist",), {"train": 60_000, "test": 10_000},
                                 (1, 28, 28), "Debian package dataset-fashion-mnist, or the "
                                 "four IDX .gz files from the Fashion-MNIST home page",
                                 (DEBIAN_FASHION_MNIST,)),
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
    "digits": DatasetInfo("builtin", (), {"all": 1797}, (1, 8, 8), "ships with scikit-learn"),
    "photo-patches": DatasetInfo("builtin", (), {}, None,
                                 "patches of scikit-learn's two sample photos (size = patch "
                                 "side, default 8; a patch every size/2 pixels)"),
}


def data_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for a named dataset: ``root``, else ``$RMTDIFF_DATA`` and ``data/``."""
    if root is not None:
        return [Path(root)]
    env = os.environ.get("RMTDIFF_DATA")
    return ([Path(env)] if env else []) + [REPO_DATA]


def candidate_paths(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """Every path where the files of the named dataset ``name`` may be, in search order (see
    the module docstring); the first that holds them is used.

    >>> candidate_paths("mnist", root="/x")
    [PosixPath('/x/mnist'), PosixPath('/x')]
    """
    info = REGISTRY[name]
    out = []
    for r in data_roots(root):
        out += [r / f for f in info.folders]
        if info.format == "idx":
            out.append(r)
    if root is None:
        out += list(info.system_folders)
    return out


def display_name(dataset: str) -> str:
    """How the chapters name a dataset: ``"Fashion-MNIST"``, ``"CIFAR-10"``, or a path's name.

    >>> display_name("cifar10"), display_name("/data/my_faces.zip")
    ('CIFAR-10', 'my_faces.zip')
    """
    return DISPLAY_NAMES.get(str(dataset), Path(str(dataset)).name)
