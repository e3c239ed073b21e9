"""Writing files so that a reader never sees a half-written one.

:func:`atomic_write` writes to a temporary file with a unique name in the target's folder and
renames it over the target (``os.replace`` is atomic on POSIX): two writers of one file never
collide, and a killed write leaves the old file (or none) and no temporary behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

_UMASK = os.umask(0)
os.umask(_UMASK)                            # read once: the process's umask, unchanged


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a fresh temporary path next to ``path``, then rename it to ``path``.

    Parameters
    ----------
    path : path of the file to (re)write; its folder is created if needed.
    write : callable taking the temporary :class:`~pathlib.Path` to write. The path ends in
        ``.tmp``: open it yourself for ``np.save`` (which appends ``.npy`` to a name), pass
        ``format=`` to ``fig.savefig``; ``torch.save`` and ``Path.write_*`` take it as it is.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.txt"
    >>> atomic_write(p, lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp)
    os.chmod(tmp, 0o666 & ~_UMASK)          # mkstemp makes 0600; a written file is 0644 as usual
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """:func:`atomic_write` of ``data``.

    Parameters
    ----------
    path : path of the file
    data : bytes to write

    Returns
    -------
    Path
    """
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def write_json(path: str | os.PathLike, obj: object, indent: int | None = 1) -> Path:
    """:func:`atomic_write` of ``obj`` as JSON (NaN and infinities refused).

    Parameters
    ----------
    path : path of the file
    obj : JSON-able object
    indent : indentation (None: one line)

    Returns
    -------
    Path
    """
    text = json.dumps(obj, indent=indent, allow_nan=False)
    return atomic_write(path, lambda tmp: tmp.write_text(text))
