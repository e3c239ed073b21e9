"""The datasets the book knows by name, and the one rule for where their files are looked for.

A named dataset's files are searched, in order, in

1. ``root`` when a caller gives one (and nowhere else);
2. ``$RMTDIFF_DATA/<folder>`` and, for IDX datasets, ``$RMTDIFF_DATA`` itself;
3. ``data/<folder>`` of this repository (and, for IDX datasets, ``data/`` itself);
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
    format : str
        One of :data:`FORMATS` (``"builtin"``: shipped inside a package).
    folders : tuple of str
        Names of the folder (or archive) searched for under each data root.
    counts : dict of str to int
        Expected number of images per part (checked when the whole part is read).
    shape : tuple of 3 int, or None
        (C, H, W) of the files' images (``None`` where the files vary, e.g. FFHQ exports).
    note : str
        Where the files come from.
    system_folders : tuple of pathlib.Path
        Absolute folders searched last (e.g. a Debian package's).
    """

    format: str
    folders: tuple[str, ...]
    counts: dict[str, int]
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
    """Folders searched for a named dataset: ``root``, else ``$RMTDIFF_DATA`` and ``data/``.

    Parameters
    ----------
    root : str or os.PathLike, optional
        A caller's folder; when given it is the only root.

    Returns
    -------
    list of pathlib.Path
        In search order (the system folders of :class:`DatasetInfo` are added by
        :func:`candidate_paths`).

    >>> data_roots("/x")
    [PosixPath('/x')]
    """
    if root is not None:
        return [Path(root)]
    env = os.environ.get("RMTDIFF_DATA")
    return ([Path(env)] if env else []) + [REPO_DATA]


def candidate_paths(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """Every path where the files of the named dataset ``name`` may be, in search order (see
    the module docstring); the first that holds them is used.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY` (``KeyError`` otherwise).
    root : str or os.PathLike, optional
        A caller's folder, searched alone (no system folders either).

    Returns
    -------
    list of pathlib.Path
        Candidates, existing or not; empty for a built-in dataset.

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


def display_name(dataset: str | os.PathLike) -> str:
    """How the chapters name a dataset: ``"Fashion-MNIST"``, ``"CIFAR-10"``, or a path's name.

    Parameters
    ----------
    dataset : str or os.PathLike
        A registry name (:data:`DISPLAY_NAMES`) or a path.

    Returns
    -------
    str

    >>> display_name("cifar10"), display_name("/data/my_faces.zip")
    ('CIFAR-10', 'my_faces.zip')
    """
    return DISPLAY_NAMES.get(str(dataset), Path(str(dataset)).name)
