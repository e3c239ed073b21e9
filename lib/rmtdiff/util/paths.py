"""Where things are: the repository's folders, and the run store's path resolved in one place.

A chapter's configuration names its run store relative to the repository root
(``_build/runs``) or as an absolute path; :func:`resolve` turns either into an absolute path,
whatever the current directory is (chapters execute in ``book/``, tools in the root).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]     #: lib/rmtdiff/util/paths.py -> the repo
BUILD = REPO_ROOT / "_build"                         #: everything derived


def resolve(path: str | os.PathLike) -> Path:
    """An absolute path: ``~`` expanded, a relative path taken from the repository root.

    Parameters
    ----------
    path : str or os.PathLike
        An absolute path, a path starting with ``~``, or a path relative to :data:`REPO_ROOT`
        (not to the current directory).

    Returns
    -------
    pathlib.Path
        The absolute path (a relative one is also normalised with ``Path.resolve``).

    >>> resolve("_build/runs") == REPO_ROOT / "_build" / "runs"
    True
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()
