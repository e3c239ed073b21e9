"""Folders and ``.zip``/``.tar[.gz]`` archives of PNG/JPEG files (FFHQ, AFHQ, your own), decoded
with Pillow one file at a time and resized as they are read, so that a folder of 70k megapixel
faces never sits in memory at full size. Files are read in the order of their sorted paths."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np

from ..util.progress import progress
from .images import ImageDataset, to_unit_range
from .resize import fit_square

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

IMAGE_MODES = {"L": 1, "RGB": 3}



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



def load_image_files(path: Path, size: int | None, mode: str | None, limit: int | None,
                     name: str) -> ImageDataset:
    """The images of a folder or archive, converted to ``mode`` and fitted to ``size`` (see
    :func:`rmtdiff.data.loading.load_dataset`).

    Parameters
    ----------
    path : pathlib.Path
        A folder (searched recursively), a ``.zip`` or a ``.tar[.gz]`` of PNG/JPEG files; hidden
        files are skipped and the rest read in the order of their sorted paths.
    size : int or None
        Side of the square images (:func:`~rmtdiff.data.resize.fit_square`: centre crop, then
        resize); ``None`` keeps the files' size, which must then be the same for all.
    mode : {None, "L", "RGB"}
        Pillow mode every image is converted to; ``None`` requires all files to be ``"L"`` or all
        ``"RGB"``.
    limit : int or None
        Read only the first ``limit`` files.
    name : str
        The dataset's name.

    Returns
    -------
    ImageDataset
        Images (N, H, W) for grey or (N, 3, H, W) for colour, float64 in ``[-1, 1]``; labels
        (N,) int64, all 0.

    Raises
    ------
    ValueError
        No images, an unreadable archive or image, mixed modes, or mixed sizes with
        ``size=None``.
    """
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
                img = fit_square(img, size)
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
    images = to_unit_range(out)
    if images.shape[1] == 1:
        images = images[:, 0]
    return ImageDataset(name, images, np.zeros(len(images), dtype=np.int64), str(path))
