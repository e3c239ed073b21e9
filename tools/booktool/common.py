"""Shared pieces of the book tool: the repository's paths, the pages and chapters of ``_toc.yml``,
the versions of the packages a result depends on, the git commit of the working tree, and
:func:`fail`, which ends the command with a message. Nothing here writes a file.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[2]          #: the repository (tools/booktool/ -> root)
BUILD = ROOT / "_build"                              #: everything derived
BOOK = ROOT / "book"                                 #: chapters execute with this as cwd
MATHJAX_DEFAULT = ROOT / ".venv" / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-svg.js"
STAGE_FILES = ("_config.yml", "_toc.yml", "references.bib")
ASSETS = BOOK / "_assets"                            #: the book's CSS and JS, staged to _assets/
#: packages whose versions are part of every chapter's cache key and of the status page
VERSIONED = ("numpy", "scipy", "matplotlib", "torch", "scikit-learn", "papermill", "jupyter-book")


def fail(msg: str) -> NoReturn:
    """Print ``error: msg`` to stderr and exit with status 1.

    Parameters
    ----------
    msg : str
        What went wrong and, where possible, what to do about it.
    """
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml`` (root first), as paths without extension.

    Parameters
    ----------
    root : Path
        The folder holding ``_toc.yml`` (default: the repository).
    """
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections"))
            for part in e.get("parts", []):
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def is_notebook(md: Path) -> bool:
    """Whether a page is a notebook: its front matter has a kernelspec.

    Parameters
    ----------
    md : Path
        The page's MyST Markdown file.
    """
    text = md.read_text()
    return text.startswith("---") and "kernelspec:" in text.split("---", 2)[1]


def chapters(root: Path = ROOT) -> list[str]:
    """The pages of ``_toc.yml`` that are notebooks (executed chapters), in book order.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    return [f for f in toc_files(root) if is_notebook(root / f"{f}.md")]


def versions(packages: tuple[str, ...] = VERSIONED) -> dict[str, str]:
    """Python's version and that of each package (``"absent"`` when not installed).

    Parameters
    ----------
    packages : tuple of str
        Distribution names (default :data:`VERSIONED`).
    """
    out = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def commit(root: Path = ROOT) -> str:
    """The git commit of the working tree, with ``"+changes"`` when ``lib``, ``book`` or
    ``tools`` have uncommitted changes (read-only git commands).

    Parameters
    ----------
    root : Path
        The git checkout (default: the repository).
    """
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "lib", "book", "tools"],
                               cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head[:12] + ("+changes" if dirty else "")


def site(scale: str) -> Path:
    """The folder of the built HTML book at ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    return BUILD / "site" / scale / "_build" / "html"


def executed_dir(scale: str) -> Path:
    """The folder of the executed notebooks (and their records) at ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    return BUILD / "executed" / scale
