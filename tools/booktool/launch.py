"""Rerun a chapter from its page: the Colab and Binder links of the "Rerun this chapter" box, the
notebooks Colab opens, and the cell that installs the book's package in them.

Both links exist only once the repository setting is made (:func:`.release.repository`); until
then the box keeps only the ``make chapter`` command, so no placeholder link is rendered.

* **Colab** (the realistic route to ``scale="paper"`` on a GPU) opens a notebook from a GitHub
  branch: the publishing workflow writes every executed chapter, prepared by
  :func:`colab_notebook` (an install cell first, then the chapter as the book shows it), to the
  branch :data:`NOTEBOOKS_BRANCH` on each tag (``tools/book.py notebooks``).
* **Binder** (``scale="ci"`` on a CPU) builds the tagged repository with repo2docker from
  ``binder/``: Python from ``runtime.txt``, the lock from ``requirements.txt`` (torch's CPU
  build), Fashion-MNIST from ``apt.txt``, and ``postBuild`` installs the package and turns the
  chapters into notebooks (jupytext), which :func:`binder_url` opens.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

from .release import owner_name as _owner_name

NOTEBOOKS_BRANCH = "notebooks"       #: the branch Colab opens the executed chapters from


def colab_url(repo: str, name: str) -> str:
    """The Colab link of chapter ``name``: its notebook on :data:`NOTEBOOKS_BRANCH`.

    Parameters
    ----------
    repo : str
        ``https://github.com/<owner>/<name>``.
    name : str
        The chapter (``"05_networks"``).

    >>> colab_url("https://github.com/ann/rmt-book", "05_networks")
    'https://colab.research.google.com/github/ann/rmt-book/blob/notebooks/05_networks.ipynb'
    """
    owner, repo_name = _owner_name(repo)
    return (f"https://colab.research.google.com/github/{owner}/{repo_name}/blob/"
            f"{NOTEBOOKS_BRANCH}/{name}.ipynb")


def binder_url(repo: str, version: str, name: str) -> str:
    """The Binder link of chapter ``name`` at the book's tag ``v<version>`` (the notebook
    ``binder/postBuild`` makes from ``book/<name>.md``).

    Parameters
    ----------
    repo : str
        ``https://github.com/<owner>/<name>``.
    version : str
        The book's version (``rmtdiff.__version__``).
    name : str
        The chapter (``"02_kappa"``).

    >>> binder_url("https://github.com/ann/rmt-book", "0.2.0", "02_kappa")
    'https://mybinder.org/v2/gh/ann/rmt-book/v0.2.0?labpath=book%2F02_kappa.ipynb'
    """
    owner, repo_name = _owner_name(repo)
    return (f"https://mybinder.org/v2/gh/{owner}/{repo_name}/v{version}"
            f"?labpath={quote(f'book/{name}.ipynb', safe='')}")


def install_requirement(repo: str, version: str) -> str:
    """The pip requirement of the package at the book's tag.

    Parameters
    ----------
    repo : str
        ``https://github.com/<owner>/<name>``.
    version : str
        The book's version.

    >>> install_requirement("https://github.com/ann/rmt-book", "0.2.0")
    'rmtdiff @ git+https://github.com/ann/rmt-book@v0.2.0'
    """
    _owner_name(repo)
    return f"rmtdiff @ git+{repo}@v{version}"


def install_cell(repo: str, version: str) -> dict:
    """The first cell of a Colab notebook: the package at the book's tag (pip; Colab's own torch
    is kept when it satisfies the pin) and Fashion-MNIST from the distribution's package.

    Parameters
    ----------
    repo : str
        ``https://github.com/<owner>/<name>``.
    version : str
        The book's version.
    """
    source = "\n".join([
        f"# The book's package at version {version} and the Fashion-MNIST files the chapters read",
        "# (Debian/Ubuntu's dataset-fashion-mnist; elsewhere set RMTDIFF_DATA to a folder of the",
        "# four idx files). Run this cell once per session.",
        f'%pip install --quiet "{install_requirement(repo, version)}"',
        "!(apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) > /dev/null 2>&1 || "
        "echo 'could not apt-get dataset-fashion-mnist: set RMTDIFF_DATA'",
    ])
    return {"cell_type": "code", "id": "install-rmtdiff", "metadata": {"tags": ["install"]},
            "execution_count": None, "outputs": [], "source": source}


def rerun_links(repo: str | None, version: str, name: str) -> str:
    """The box's line with the Colab and Binder links (MyST Markdown; plain links, so the page
    loads no badge from the network), or ``""`` while the repository is unset.

    Parameters
    ----------
    repo : str or None
        The repository setting (:func:`.release.repository`).
    version : str
        The book's version.
    name : str
        The chapter (``"02_kappa"``).
    """
    if repo is None:
        return ""
    return (f"Or run it in the cloud: [open in Colab]({colab_url(repo, name)}) (set "
            '`scale = "paper"` with a GPU runtime) or '
            f"[launch on Binder]({binder_url(repo, version, name)}) (a CPU: `scale = \"ci\"`).")


def colab_notebook(reader: bytes, repo: str, version: str) -> bytes:
    """The notebook Colab opens: the reader's notebook (:func:`.stage.reader_notebook`) with
    the install cell (:func:`install_cell`) after its title.

    Parameters
    ----------
    reader : bytes
        The reader's notebook (JSON).
    repo : str
        ``https://github.com/<owner>/<name>``.
    version : str
        The book's version.
    """
    nb = json.loads(reader)
    cells = [c for c in nb["cells"] if c.get("id") != "rerun-box"]
    first_md = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
    cells.insert(first_md + 1, install_cell(repo, version))
    nb["cells"] = cells
    return json.dumps(nb, indent=1).encode()


def binder_problems(root: Path) -> list[str]:
    """What is wrong with ``binder/`` (repo2docker's configuration) against the repository:
    the Python of ``runtime.txt`` must have a lock, ``requirements.txt`` must install that lock
    with torch's CPU index, ``apt.txt`` must install the data, ``postBuild`` must be executable
    and install the package and the notebooks.

    Parameters
    ----------
    root : Path
        The repository.
    """
    b = root / "binder"
    problems = []
    runtime = (b / "runtime.txt").read_text().strip() if (b / "runtime.txt").exists() else ""
    m = re.fullmatch(r"python-(3\.\d+)", runtime)
    if m is None:
        return [f"binder/runtime.txt is {runtime!r}; expected python-3.X"]
    lock = f"requirements/py{m.group(1)}.txt"
    if not (root / lock).exists():
        problems.append(f"binder/runtime.txt asks for Python {m.group(1)}, which has no {lock}")
    req = (b / "requirements.txt").read_text() if (b / "requirements.txt").exists() else ""
    if f"-r ../{lock}" not in req.split("\n"):
        problems.append(f"binder/requirements.txt does not install the lock (-r ../{lock})")
    if "--extra-index-url https://download.pytorch.org/whl/cpu" not in req:
        problems.append("binder/requirements.txt does not take torch's CPU build")
    apt = (b / "apt.txt").read_text().split() if (b / "apt.txt").exists() else []
    if "dataset-fashion-mnist" not in apt:
        problems.append("binder/apt.txt does not install dataset-fashion-mnist")
    post = b / "postBuild"
    if not post.exists() or not post.stat().st_mode & 0o111:
        problems.append("binder/postBuild is missing or not executable")
    elif not all(s in post.read_text() for s in ("pip install", "-e .", "jupytext --to ipynb")):
        problems.append("binder/postBuild does not install the package and make the notebooks")
    return problems


__all__ = ["NOTEBOOKS_BRANCH", "binder_problems", "binder_url", "colab_notebook", "colab_url",
           "install_cell", "install_requirement", "rerun_links"]
