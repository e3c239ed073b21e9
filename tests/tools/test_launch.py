"""booktool.launch: the Colab and Binder links of the rerun box, the notebooks Colab opens and
their install cell, and binder/ against the repository."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from booktool import launch, release, stage  # noqa: E402
from test_book_tool import executed_notebook  # noqa: E402

REPO = "https://github.com/ann/rmt-book"
RECORD = {"parameters": {"scale": "ci"}, "seconds": 12.3}


def box(nb: bytes) -> str:
    return next("".join(c["source"]) for c in json.loads(nb)["cells"] if c.get("id") == "rerun-box")


def test_the_box_links_to_colab_and_binder_only_once_the_repository_is_set(tmp_path):
    path = executed_notebook(tmp_path)
    assert "colab" not in box(stage.reader_notebook(path, "book/01_x", RECORD)).lower()
    text = box(stage.reader_notebook(path, "book/01_x", RECORD, REPO))
    version = release.package_version()
    links = dict(re.findall(r"\[([^\]]+)\]\(([^)]+)\)", text))
    assert links == {
        "open in Colab":
            "https://colab.research.google.com/github/ann/rmt-book/blob/notebooks/01_x.ipynb",
        "launch on Binder":
            f"https://mybinder.org/v2/gh/ann/rmt-book/v{version}?labpath=book%2F01_x.ipynb"}
    assert "make chapter NAME=01_x SCALE=ci" in text          # the command stays


def test_the_colab_notebook_starts_with_the_install_cell(tmp_path):
    reader = stage.reader_notebook(executed_notebook(tmp_path), "book/01_x", RECORD, REPO)
    nb = json.loads(launch.colab_notebook(reader, REPO, "0.2.0"))
    assert nb["cells"][0]["cell_type"] == "markdown"          # the title stays first
    cell = nb["cells"][1]
    assert cell["id"] == "install-rmtdiff" and cell["cell_type"] == "code"
    assert not any(c.get("id") == "rerun-box" for c in nb["cells"])
    [pip] = [ln for ln in cell["source"].splitlines() if ln.startswith("%pip")]
    req = Requirement(re.search(r'"([^"]+)"', pip).group(1))
    assert req.name == "rmtdiff" and req.url == f"git+{REPO}@v0.2.0"
    assert "apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist" in cell["source"]


def test_pip_accepts_the_install_cells_requirement_and_builds_the_books_version(tmp_path):
    """The install cell's requirement, with this checkout in place of the tag on GitHub (no
    network here): pip resolves it and would install the package at the book's version. The
    build runs without isolation (no index to fetch setuptools from), so it needs setuptools
    in this environment (Python 3.12+ venvs lack it: skipped there)."""
    import pytest

    pytest.importorskip("setuptools")
    req = launch.install_requirement(REPO, release.package_version())
    local = req.replace(f"git+{REPO}@v{release.package_version()}", ROOT.as_uri())
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", "_build", ".git"))
    local = local.replace(ROOT.as_uri(), src.as_uri())
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
                          "--no-build-isolation", "--no-index", local],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"Would install rmtdiff-{release.package_version()}" in out.stdout


def test_binder_folder_matches_the_repository(tmp_path):
    assert launch.binder_problems(ROOT) == []
    broken = tmp_path / "repo"
    shutil.copytree(ROOT / "binder", broken / "binder")
    (broken / "binder" / "runtime.txt").write_text("python-3.9\n")
    (broken / "binder" / "apt.txt").write_text("git\n")
    (broken / "binder" / "postBuild").chmod(0o644)
    problems = launch.binder_problems(broken)
    assert any("no requirements/py3.9.txt" in p for p in problems)
    assert any("apt.txt" in p for p in problems)
    assert any("postBuild is missing or not executable" in p for p in problems)


def test_no_notebooks_for_colab_without_the_repository(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setattr(release, "repository", lambda root=None: None)
    with pytest.raises(SystemExit):
        stage.write_notebooks("ci", tmp_path)
    assert list(tmp_path.iterdir()) == []
