"""The book as a citable release.

* **The version** lives in one place, ``rmtdiff.__version__`` (``lib/rmtdiff/__init__.py``);
  ``pyproject.toml`` reads it (``dynamic = ["version"]``), the front page and the status page are
  given it when the book is staged, and ``CITATION.cff`` and ``.zenodo.json`` must repeat it
  (:func:`release_problems` refuses a release where they do not).
* **The repository URL** is one setting, ``[tool.rmtdiff] repository`` in ``pyproject.toml``
  (:func:`repository`). Everything that links to the repository or the published pages is derived
  from it (:func:`pages_url`, the staged ``_config.yml``, the book's BibTeX entry); while it is
  empty no such link is rendered.
* **The citation**: the book's BibTeX entry (:func:`bibtex`) and the archive's metadata
  (:func:`zenodo`) are built from ``CITATION.cff``; ``.zenodo.json`` is checked against
  :func:`zenodo` by the tests, and ``CITATION.cff`` against its schema by cffconvert in
  ``make test``.
* ``make release VERSION=x.y.z`` (:func:`release`) tags ``vx.y.z`` after
  :func:`release_problems` finds nothing wrong.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import tomllib
from datetime import date
from pathlib import Path

from .common import ROOT, fail

VERSION_FILE = Path("lib") / "rmtdiff" / "__init__.py"
_REPO = re.compile(r"https://github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+)")
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?")


def package_version(root: Path = ROOT) -> str:
    """``__version__`` of the package, read from its source (nothing is imported).

    Parameters
    ----------
    root : Path
        The repository (default: this one).

    Raises
    ------
    ValueError
        If ``lib/rmtdiff/__init__.py`` assigns no string ``__version__``.
    """
    tree = ast.parse((root / VERSION_FILE).read_text())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "__version__"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    raise ValueError(f"{VERSION_FILE} assigns no __version__ = '<version>'")


def _pyproject(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text())


def repository(root: Path = ROOT) -> str | None:
    """The repository URL (``[tool.rmtdiff] repository`` in ``pyproject.toml``), or None while
    it is unset (empty).

    Parameters
    ----------
    root : Path
        The repository (default: this one).

    Raises
    ------
    ValueError
        If the setting is neither empty nor ``https://github.com/<owner>/<name>``.
    """
    url = str(_pyproject(root).get("tool", {}).get("rmtdiff", {}).get("repository", "")).strip()
    if not url:
        return None
    if not _REPO.fullmatch(url):
        raise ValueError(f"[tool.rmtdiff] repository in pyproject.toml is {url!r}; expected "
                         "https://github.com/<owner>/<name> (no trailing slash), or \"\" while "
                         "the book has no public repository")
    return url


def owner_name(repo: str) -> tuple[str, str]:
    """The owner and name of ``https://github.com/<owner>/<name>``.

    Parameters
    ----------
    repo : str
        The repository URL.

    >>> owner_name("https://github.com/ann/rmt-book")
    ('ann', 'rmt-book')
    """
    m = _REPO.fullmatch(repo)
    if m is None:
        raise ValueError(f"repo must be https://github.com/<owner>/<name>, got {repo!r}")
    return m.group(1), m.group(2)


def pages_url(repo: str) -> str:
    """Where GitHub Pages publishes ``repo``: ``https://<owner>.github.io/<name>/``.

    Parameters
    ----------
    repo : str
        ``https://github.com/<owner>/<name>``.
    """
    owner, name = owner_name(repo)
    return f"https://{owner.lower()}.github.io/{name}/"


def citation(root: Path = ROOT) -> dict:
    """``CITATION.cff``, parsed.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    import yaml

    return yaml.safe_load((root / "CITATION.cff").read_text())


def _doi(cff: dict) -> str | None:
    if cff.get("doi"):
        return str(cff["doi"])
    return next((str(i["value"]) for i in cff.get("identifiers", []) if i.get("type") == "doi"),
                None)


def bibtex(root: Path = ROOT) -> str:
    """The book's BibTeX entry (key ``rmtdiff_book``), from ``CITATION.cff``, the package version
    and the repository setting: ``url`` is the published book once the repository is set, ``doi``
    once the citation file has one.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    cff = citation(root)
    authors = " and ".join(
        "{" + a["name"] + "}" if "name" in a else f"{a['family-names']}, {a['given-names']}"
        for a in cff["authors"])
    fields = {"title": cff["title"], "author": authors,
              "year": str(date.fromisoformat(str(cff["date-released"])).year),
              "version": package_version(root), "license": cff["license"]}
    repo = repository(root)
    if repo:
        fields["url"] = pages_url(repo)
    doi = _doi(cff)
    if doi:
        fields["doi"] = doi
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@software{{rmtdiff_book,\n{body}\n}}"


def zenodo(root: Path = ROOT) -> dict:
    """The archive's metadata (``.zenodo.json``), derived from ``CITATION.cff`` and the package
    version, so that an archived release gets the same title, version, licence, creators and the
    paper it supplements.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    cff = citation(root)
    creators = [{"name": a["name"]} if "name" in a
                else {"name": f"{a['family-names']}, {a['given-names']}"} for a in cff["authors"]]
    paper = cff["preferred-citation"]
    arxiv = next(i["value"] for i in paper["identifiers"] if str(i["value"]).startswith("arXiv:"))
    meta = {"title": cff["title"], "upload_type": "software", "version": package_version(root),
            "license": cff["license"], "creators": creators,
            "description": cff.get("abstract", cff["title"]),
            "related_identifiers": [{"identifier": arxiv, "relation": "isSupplementTo",
                                     "scheme": "arxiv"}]}
    repo = repository(root)
    if repo:
        meta["related_identifiers"].append({"identifier": repo, "relation": "isSupplementTo",
                                            "scheme": "url"})
    return meta


def citation_problems(root: Path = ROOT) -> list[str]:
    """Where ``CITATION.cff``'s links disagree with the repository setting: once it is set, the
    file must give it as ``repository-code`` and the published book as ``url``; while it is unset,
    neither field may be there (no placeholder links).

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    cff, repo = citation(root), repository(root)
    want = ({"repository-code": repo, "url": pages_url(repo)} if repo
            else {"repository-code": None, "url": None})
    return [f"CITATION.cff has {field}: {cff.get(field)!r}; the repository setting gives "
            f"{value!r}" for field, value in want.items() if cff.get(field) != value]


def changelog_versions(root: Path = ROOT) -> list[str]:
    """The versions ``CHANGELOG.md`` has an entry for (headings ``## [x.y.z] - YYYY-MM-DD``).

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    path = root / "CHANGELOG.md"
    if not path.exists():
        return []
    return re.findall(r"^## \[([^\]]+)\]", path.read_text(), re.M)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          check=True).stdout


def release_problems(version: str, root: Path = ROOT) -> list[str]:
    """Everything that stands in the way of releasing ``version``; empty when it may be tagged.

    Refused: a version that is not ``x.y.z`` (optionally ``a``/``b``/``rc`` N), uncommitted or
    untracked files, a package version, ``CITATION.cff`` or ``.zenodo.json`` that says another
    version (``pyproject.toml`` must read it from the package), no ``CHANGELOG.md`` entry for it,
    an existing tag, and a repository setting that is malformed.

    Parameters
    ----------
    version : str
        The version to release, without the ``v``.
    root : Path
        The repository (default: this one).
    """
    problems = []
    if not _SEMVER.fullmatch(version):
        problems.append(f"VERSION={version!r} is not x.y.z (e.g. 0.2.0, 1.0.0rc1)")
    dirty = _git(root, "status", "--porcelain").rstrip()
    if dirty.strip():
        problems.append("the working tree is not clean (commit or remove these first):\n"
                        + "\n".join("    " + line for line in dirty.splitlines()[:20]))
    found = {"lib/rmtdiff/__init__.py": package_version(root),
             "CITATION.cff": str(citation(root).get("version"))}
    zen = root / ".zenodo.json"
    found[".zenodo.json"] = (str(json.loads(zen.read_text()).get("version")) if zen.exists()
                             else "(missing)")
    project = _pyproject(root).get("project", {})
    if "version" in project.get("dynamic", []):
        found["pyproject.toml"] = found["lib/rmtdiff/__init__.py"]
    else:
        found["pyproject.toml"] = str(project.get("version"))
    for where, v in found.items():
        if v != version:
            problems.append(f"{where} says version {v}, not {version}")
    if version not in changelog_versions(root):
        problems.append(f"CHANGELOG.md has no entry '## [{version}] - YYYY-MM-DD'; add what "
                        "changed (and why any recorded number moved)")
    if _git(root, "tag", "--list", f"v{version}").strip():
        problems.append(f"the tag v{version} exists already")
    try:
        problems += citation_problems(root)
    except ValueError as exc:
        problems.append(str(exc))
    return problems


def release(version: str, root: Path = ROOT) -> None:
    """Tag ``v<version>`` (annotated) if :func:`release_problems` finds nothing; otherwise end
    with every problem listed. Pushing the tag publishes the book (the workflow in
    ``.github/workflows/book.yml``).

    Parameters
    ----------
    version : str
        The version to release, without the ``v``.
    root : Path
        The repository (default: this one).
    """
    problems = release_problems(version, root)
    if problems:
        fail(f"cannot release {version}:\n  - " + "\n  - ".join(problems))
    _git(root, "tag", "-a", f"v{version}", "-m", f"rmtdiff book {version}")
    print(f"tagged v{version}; `git push origin v{version}` builds and publishes it")
