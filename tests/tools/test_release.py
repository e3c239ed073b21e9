"""`make release` (tools/booktool/release.py) refuses a dirty tree, a missing changelog entry and
a version that the package, CITATION.cff and .zenodo.json do not all say; the repository setting
derives every published link, and none is rendered while it is unset."""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from booktool import release, stage  # noqa: E402

FILES = ("pyproject.toml", "CITATION.cff", ".zenodo.json", "CHANGELOG.md", "_config.yml",
         "lib/rmtdiff/__init__.py")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path):
    """A git repository holding copies of the files a release reads, committed."""
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    git(tmp_path, "init", "-q")
    # an identity of the repository's own: a fresh CI machine has none (git tag -a needs one)
    git(tmp_path, "config", "user.name", "t")
    git(tmp_path, "config", "user.email", "t@t")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    return tmp_path


def set_version(repo: Path, version: str, files=("lib/rmtdiff/__init__.py", "CITATION.cff",
                                                  ".zenodo.json")) -> None:
    old = release.package_version(repo)
    for name in files:
        path = repo / name
        path.write_text(path.read_text().replace(f'"{old}"', f'"{version}"')
                        .replace(f"version: {old}", f"version: {version}"))


def add_changelog_entry(repo: Path, version: str) -> None:
    path = repo / "CHANGELOG.md"
    path.write_text(path.read_text().replace("## [Unreleased]",
                                             f"## [Unreleased]\n\n## [{version}] - 2026-12-02"))


def commit(repo: Path) -> None:
    git(repo, "commit", "-qam", "bump")


def refused(repo: Path, version: str, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        release.release(version, repo)
    assert exc.value.code == 1
    assert not git(repo, "tag", "--list")           # nothing was tagged
    return capsys.readouterr().err


def test_a_clean_consistent_release_is_tagged(repo, capsys):
    set_version(repo, "0.2.0")
    add_changelog_entry(repo, "0.2.0")
    commit(repo)
    assert release.release_problems("0.2.0", repo) == []
    release.release("0.2.0", repo)
    assert git(repo, "tag", "--list").split() == ["v0.2.0"]
    assert "git push origin v0.2.0" in capsys.readouterr().out
    assert "the tag v0.2.0 exists already" in release.release_problems("0.2.0", repo)


def test_a_dirty_tree_is_refused(repo, capsys):
    set_version(repo, "0.2.0")
    add_changelog_entry(repo, "0.2.0")
    commit(repo)
    (repo / "notes.txt").write_text("untracked")
    err = refused(repo, "0.2.0", capsys)
    assert "working tree is not clean" in err and "?? notes.txt" in err


def test_a_missing_changelog_entry_is_refused(repo, capsys):
    set_version(repo, "0.2.0")
    commit(repo)
    err = refused(repo, "0.2.0", capsys)
    assert "CHANGELOG.md has no entry '## [0.2.0]" in err
    assert "says version" not in err                 # the versions themselves agree


def test_a_version_mismatch_is_refused(repo, capsys):
    set_version(repo, "0.2.0", files=("lib/rmtdiff/__init__.py", ".zenodo.json"))
    add_changelog_entry(repo, "0.2.0")
    commit(repo)
    err = refused(repo, "0.2.0", capsys)
    assert "CITATION.cff says version 0.1.0, not 0.2.0" in err
    assert "lib/rmtdiff/__init__.py says" not in err
    # pyproject.toml reads the package's version; a static one that differs is refused too
    py = repo / "pyproject.toml"
    py.write_text(py.read_text().replace('dynamic = ["version"]', 'version = "0.1.5"'))
    commit(repo)
    assert "pyproject.toml says version 0.1.5, not 0.2.0" in release.release_problems("0.2.0", repo)


def test_a_malformed_version_is_refused(repo):
    assert any("is not x.y.z" in p for p in release.release_problems("v0.2", repo))


def test_the_version_is_in_one_place():
    import rmtdiff

    assert release.package_version() == rmtdiff.__version__
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in py["project"]["dynamic"] and "version" not in py["project"]
    assert py["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rmtdiff.__version__"}
    assert release.citation()["version"] == rmtdiff.__version__


def test_zenodo_metadata_is_the_citation_files():
    assert json.loads((ROOT / ".zenodo.json").read_text()) == release.zenodo(), (
        "regenerate .zenodo.json from CITATION.cff: python -c 'import json; from booktool "
        "import release; print(json.dumps(release.zenodo(), indent=2))' > .zenodo.json")


def set_repository(repo: Path, url: str) -> None:
    py = repo / "pyproject.toml"
    py.write_text(py.read_text().replace('repository = ""', f'repository = "{url}"'))


def test_no_published_link_while_the_repository_is_unset(repo):
    assert release.repository(repo) is None
    assert stage.staged_config(repo) == (repo / "_config.yml").read_bytes()
    text = stage.citation_markdown(repo)
    assert "url =" not in text and "github" not in text.lower()
    assert f"version **{release.package_version(repo)}**" in text
    assert "related_identifiers" in release.zenodo(repo)
    assert all(r["scheme"] != "url" for r in release.zenodo(repo)["related_identifiers"])


def test_the_repository_setting_derives_every_link(repo):
    assert release.citation_problems(repo) == []
    set_repository(repo, "https://github.com/Some-Lab/rmt-book")
    assert [p.split(":")[0] for p in release.citation_problems(repo)] == [
        "CITATION.cff has repository-code", "CITATION.cff has url"]
    cfg = yaml.safe_load(stage.staged_config(repo))
    assert cfg["repository"]["url"] == "https://github.com/Some-Lab/rmt-book"
    sphinx = cfg["sphinx"]["config"]
    assert sphinx["html_baseurl"] == "https://some-lab.github.io/rmt-book/"
    assert sphinx["html_theme_options"]["repository_url"] == cfg["repository"]["url"]
    assert sphinx["html_theme_options"]["use_repository_button"] is True
    assert sphinx["mathjax_path"] == "mathjax/tex-svg.js"      # the rest is kept
    assert "url = {https://some-lab.github.io/rmt-book/}" in release.bibtex(repo)
    assert {"identifier": "https://github.com/Some-Lab/rmt-book", "relation": "isSupplementTo",
            "scheme": "url"} in release.zenodo(repo)["related_identifiers"]


def test_a_malformed_repository_setting_says_what_is_expected(repo):
    set_repository(repo, "github.com/x")
    with pytest.raises(ValueError, match=r"expected https://github.com/<owner>/<name>"):
        release.repository(repo)
