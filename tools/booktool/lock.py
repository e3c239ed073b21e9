"""The locked environments: ``requirements/py<major>.<minor>.txt``, one per supported Python,
resolved by pip-compile (pip-tools) from ``pyproject.toml``'s dependencies and its ``dev`` extra.

* ``make lock`` writes them (:func:`finish` tidies pip-compile's output); ``make setup`` installs
  the one of the running Python by default (``LOCKED=0`` installs from the ranges instead).
* Locks are resolved on Linux x86-64: torch is pinned as ``torch==<version>`` without pip's local
  ``+cpu`` label, so the same file takes the CPU build where one is offered (this machine's disk,
  or PyTorch's CPU index: ``make setup TORCH_INDEX=https://download.pytorch.org/whl/cpu``) and
  PyPI's CUDA build elsewhere (with its NVIDIA wheels, which the 3.12 and 3.13 locks pin).
* :func:`without` drops torch and what only torch needs, for the torch-free test run under a
  Python whose torch would be a multi-GB download (``make test-notorch``).
* :func:`lock_digest` enters the chapters' cache keys, so a new lock re-executes them.

Standard library only: ``make test-notorch`` runs it before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPPORTED = ("3.11", "3.12", "3.13")            #: the Pythons with a lock (and CI coverage)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def lock_path(version: str | None = None, root: Path = ROOT) -> Path:
    """The lock file of Python ``version`` (``"3.11"``; default the running one).

    Parameters
    ----------
    version : str, optional
        ``"<major>.<minor>"``.
    root : Path
        The repository (default: this one).
    """
    version = version or f"{sys.version_info[0]}.{sys.version_info[1]}"
    return root / "requirements" / f"py{version}.txt"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text: str) -> dict[str, tuple[str, set[str]]]:
    """``{name: (pin line, the packages it is there for)}`` of a pip-compile output (the ``# via``
    annotations; ``rmtdiff (pyproject.toml)`` is a direct dependency).

    Parameters
    ----------
    text : str
        The lock file's text.
    """
    out: dict[str, tuple[str, set[str]]] = {}
    current = None
    for line in text.splitlines():
        m = _PIN.match(line)
        if m:
            current = _norm(m.group(1))
            out[current] = (line.strip(), set())
            continue
        if line.strip() and not line[0].isspace():
            current = None                   # a requirement that is not a pin
            continue
        via = re.match(r"^\s+#\s+(?:via\s+)?(?:\s*)(\S.*)$", line)
        if current and via and via.group(1) != "via":
            out[current][1].add(_norm(via.group(1).split(" (")[0]))
    return out


def without(text: str, drop: tuple[str, ...] = ("torch",)) -> str:
    """The pins of a lock without ``drop`` and every package that only they (directly or
    through each other) need.

    Parameters
    ----------
    text : str
        The lock file's text (pip-compile output with its ``# via`` annotations).
    drop : tuple of str
        Packages to leave out.

    Returns
    -------
    str
        One ``name==version`` line per kept package.

    Raises
    ------
    ValueError
        If a package in ``drop`` is not in the lock.
    """
    pins = parse(text)
    gone = {_norm(d) for d in drop}
    missing = gone - set(pins)
    if missing:
        raise ValueError(f"drop names packages the lock does not pin: {sorted(missing)}")
    changed = True
    while changed:
        changed = False
        for name, (_, via) in pins.items():
            if name not in gone and via and via <= gone:
                gone.add(name)
                changed = True
    return "".join(line + "\n" for name, (line, _) in pins.items() if name not in gone)


def finish(text: str, version: str) -> str:
    """pip-compile's output made into the committed lock: a header that says how it is made,
    the package itself left out (the ``dev`` extra names it, and pip-compile writes it as
    ``rmtdiff @ file:///<this checkout>``, a path no other machine has; ``make setup`` installs
    it editable), and torch pinned without a local version label (``2.13.0+cpu`` to ``2.13.0``,
    see the module docstring).

    Parameters
    ----------
    text : str
        pip-compile's output.
    version : str
        The Python it was resolved with, ``"<major>.<minor>"``.
    """
    body, skip = [], False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace():            # a requirement: keep pins, drop the package itself
            skip = not _PIN.match(line)      # (`rmtdiff @ file:///...`, from the dev extra)
        if not skip:
            body.append(line)
    body = [re.sub(r"^(torch==[^+\s]+)\+\w+$", r"\1", line) for line in body]
    header = [f"# The locked environment for Python {version} (Linux x86-64), made",
              "# by `make lock` (pip-compile --extra dev, pyproject.toml; tools/booktool/lock.py).",
              "# Do not edit.",
              ""]
    return "\n".join(header + body) + "\n"


def lock_digest(root: Path = ROOT) -> str:
    """SHA-256 (16 hex digits) of the running Python's lock, ``"none"`` if it has none.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    path = lock_path(root=root)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else "none"


def main(argv: list[str] | None = None) -> None:
    """``lock.py without-torch LOCK`` prints the lock's pins without torch;
    ``lock.py finish RAW VERSION OUT`` writes the committed lock from pip-compile's output.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).
    """
    p = argparse.ArgumentParser(description="the locked environments (see the module docstring)")
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("without-torch")
    w.add_argument("lock", type=Path)
    f = sub.add_parser("finish")
    f.add_argument("raw", type=Path)
    f.add_argument("version", choices=SUPPORTED)
    f.add_argument("out", type=Path)
    a = p.parse_args(argv)
    if a.command == "without-torch":
        sys.stdout.write(without(a.lock.read_text()))
    else:
        tmp = a.out.with_suffix(".tmp")
        tmp.write_text(finish(a.raw.read_text(), a.version))
        tmp.replace(a.out)


if __name__ == "__main__":
    main()
