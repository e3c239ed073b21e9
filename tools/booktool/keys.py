"""The cache key of an executed chapter: a hash of exactly what its result depends on.

A chapter is re-executed when its key changes. The key hashes the chapter's ``.md`` source, its
papermill parameters, a fingerprint of the ``rmtdiff`` code its code cells reach
(:func:`rmtdiff.util.codehash.source_fingerprint`: docstrings, comments, imports, moved modules
and functions the chapter never reaches do not count), the checksums of the data it reads
(:func:`rmtdiff.data.data_checksums`, by file name and content, so a moved copy of the same files
keeps the key), the versions of the packages in :data:`.common.VERSIONED` and the digest of the
locked environment of the running Python (:func:`.lock.lock_digest`). Execution and the
stale check in staging both call :func:`cache_key`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .common import BOOK, ROOT, versions
from .lock import lock_digest

DEFAULT_DATASET = "fashion-mnist"      #: the dataset of every chapter unless its overrides say
#: datasets some chapters read besides their configured one (chapter 8's photo patches)
EXTRA_DATASETS = ("photo-patches",)


def chapter_code(md: Path) -> str:
    """The code cells of a MyST notebook (read with jupytext), joined by newlines.

    Parameters
    ----------
    md : Path
        The chapter's ``.md`` file.
    """
    import jupytext

    nb = jupytext.read(md)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def chapter_datasets(params: dict) -> list[str]:
    """The datasets a chapter run with ``params`` reads: the ``dataset`` of its overrides (default
    :data:`DEFAULT_DATASET`), then :data:`EXTRA_DATASETS`.

    Parameters
    ----------
    params : dict
        The papermill parameters (``scale`` and optionally ``overrides``).
    """
    overrides = params.get("overrides") or {}
    dataset = overrides.get("dataset", DEFAULT_DATASET) if isinstance(overrides, dict) \
        else DEFAULT_DATASET
    return list(dict.fromkeys([str(dataset), *EXTRA_DATASETS]))


def _locate(dataset: str) -> str:
    """A registry name as is; a path as the chapter sees it (chapters execute in ``book/``)."""
    from rmtdiff.data import REGISTRY

    if dataset in REGISTRY:
        return dataset
    path = Path(dataset).expanduser()
    return str(path if path.is_absolute() else (BOOK / path).resolve())


def chapter_data(params: dict) -> dict[str, list[list[str]]]:
    """Checksums of the data a chapter run with ``params`` reads: ``{dataset: [[file, sha], ...]}``
    (for a dataset shipped in a package, ``[[package, version]]``; ``[]`` for one not found).

    Parameters
    ----------
    params : dict
        The papermill parameters (see :func:`chapter_datasets`).
    """
    from rmtdiff.data import data_checksums

    return {ds: [[str(f), h] for f, h in data_checksums(_locate(ds))]
            for ds in chapter_datasets(params)}


def cache_key(chapter: str, params: dict, package_dir: Path | None = None) -> str:
    """SHA-256 (hex) of what an executed chapter depends on (see the module docstring).

    Parameters
    ----------
    chapter : str
        The page without extension, relative to the repository root (``"book/02_kappa"``) or
        absolute.
    params : dict
        The papermill parameters the chapter runs with (JSON-serialisable).
    package_dir : Path, optional
        The ``rmtdiff`` source folder to fingerprint (default: the imported package); tests point
        it at an edited copy.
    """
    from rmtdiff.util.codehash import source_fingerprint

    md = ROOT / f"{chapter}.md"
    data = {ds: sorted([Path(f).name, h] for f, h in sums)
            for ds, sums in chapter_data(params).items()}
    parts = {
        "source": hashlib.sha256(md.read_bytes()).hexdigest(),
        "parameters": params,
        "code": source_fingerprint(chapter_code(md), package_dir),
        "data": data,
        "versions": versions(),
        "lock": lock_digest(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
