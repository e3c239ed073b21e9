"""Stage the book for Jupyter Book: the sources, with executed notebooks prepared for readers.

Staging writes ``_build/stage/<scale>/``: the configuration files (``_config.yml`` with the links
the repository setting derives, :func:`staged_config`), every page (a chapter as its
executed notebook, :func:`reader_notebook`, plus its ``.md`` source for download), the status page
(:func:`status_page`), the reproduction report (:func:`.reproduce.report_markdown`), the local MathJax, the book's assets and the licence. An executed notebook
whose cache key (:func:`.keys.cache_key`) no longer matches its record is refused as stale. Files
are rewritten only when their bytes change (:func:`copy_if_changed`), so Sphinx rebuilds only
what changed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

from rmtdiff.util.io import write_bytes

from . import launch, release, reproduce
from .common import (ASSETS, BUILD, MATHJAX_DEFAULT, ROOT, STAGE_FILES, chapters, commit,
                     executed_dir, fail, toc_files, versions)
from .keys import cache_key, chapter_data
from .lock import lock_digest, lock_path


def copy_if_changed(src: Path | bytes, dst: Path) -> None:
    """Write ``src`` (a file or bytes) to ``dst`` atomically, only if the bytes differ (keeps
    mtimes for Sphinx's incremental build).

    Parameters
    ----------
    src : Path or bytes
        The file to copy, or the bytes to write.
    dst : Path
        The destination; its folder is created if needed.
    """
    data = src if isinstance(src, bytes) else src.read_bytes()
    if dst.exists() and dst.read_bytes() == data:
        return
    write_bytes(dst, data)


def _records(scale: str) -> list[tuple[str, dict]]:
    return [(chapter, json.loads((executed_dir(scale) / f"{Path(chapter).name}.json").read_text()))
            for chapter in chapters()]


def status_page(scale: str) -> bytes:
    """The status page (MyST Markdown): every chapter's parameters, run time and commit, the
    package versions and the checksums of the data the chapters read.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it.
    """
    rows, data = [], {}
    for chapter, rec in _records(scale):
        rows.append(f"| {{doc}}`{Path(chapter).name}` | `{json.dumps(rec['parameters'])}` | "
                    f"{rec['seconds']} | {rec['finished']} | `{rec.get('commit', 'unknown')}` |")
        used = rec.get("data") or chapter_data(rec["parameters"])   # older records lack "data"
        for dataset, sums in used.items():
            data.setdefault(dataset, sums)
    vers = {"rmtdiff": metadata.version("rmtdiff"), **versions()}
    stamp = Path(sys.prefix) / ".installed"       # what tools/install.sh installed
    how = stamp.read_text().split() if stamp.exists() else []
    if how[:1] == ["lock"]:
        lock_line = (f"The environment was installed from the lock `{how[1]}` (digest "
                     f"`{how[2]}`; the digest of the lock of this Python, `{lock_digest()}`, "
                     "is part of every chapter's cache key).")
    elif how[:1] == ["ranges"]:
        lock_line = ("The environment was installed from `pyproject.toml`'s version ranges, not "
                     f"from a lock (`{lock_path().relative_to(ROOT)}`).")
    else:
        lock_line = "How the environment was installed is not recorded (no `make setup`)."
    installed = sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()
                        if d.metadata["Name"]}, key=str.lower)
    data_rows = [f"| {ds} | `{f}` | `{h}` |" for ds, sums in data.items() for f, h in sums]
    data_rows += [f"| {ds} | (not found) | |" for ds, sums in data.items() if not sums]
    lines = [
        "# Execution status", "",
        f"This is version {release.package_version()} of the book. "
        f"Every chapter of this build was executed by papermill at `scale={scale}` "
        f"on {platform.system()} {platform.machine()} with {os.cpu_count()} CPU cores; the HTML "
        f"was built from commit `{commit()}`. A chapter's commit is the one it was executed at: "
        "an executed chapter is reused while its source, its parameters, the `rmtdiff` code it "
        "reaches, its data and the package versions are unchanged.", "",
        "| chapter | parameters | run time (s) | finished | commit |", "|---|---|---|---|---|",
        *rows, "",
        "Package versions:", "",
        "| package | version |", "|---|---|", *[f"| {k} | {v} |" for k, v in vers.items()], "",
        lock_line, "",
        ":::{dropdown} Every installed distribution", "", "```text", *installed, "```", ":::", "",
        "Data the chapters read (SHA-256, first 16 hex digits; for a dataset shipped in a "
        "package, its version):", "",
        "| dataset | file | checksum |", "|---|---|---|", *data_rows, "",
    ]
    return "\n".join(lines).encode()


#: a page holding this line gets the table of verdicts in its place when staged
VERDICTS_MARKER = "<!-- verdicts: built from the executed chapters when the book is staged -->"


def verdicts_markdown(scale: str) -> str:
    """The table of the paper's claims and the book's verdicts
    (:mod:`rmtdiff.presentation.verdicts`), from the glued values of the chapters executed at
    ``scale``.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    from rmtdiff.presentation import verdicts

    glued = {}
    for chapter in chapters():
        nb = executed_dir(scale) / f"{Path(chapter).name}.ipynb"
        if nb.exists():
            glued[Path(chapter).name] = verdicts.read_glued(nb)
    return verdicts.verdict_table(verdicts.verdict_rows(glued), scale)


#: a page holding this line gets the book's version and BibTeX entry in its place when staged
CITATION_MARKER = ("<!-- citation: the book's version and BibTeX entry, built from CITATION.cff "
                   "when the book is staged -->")


def citation_markdown(root: Path = ROOT) -> str:
    """The front page's lines on the book's version and its BibTeX entry
    (:func:`.release.bibtex`, with the published book's URL once the repository is set).

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    version = release.package_version(root)
    return "\n".join([
        f"This is version **{version}** of the book (`rmtdiff.__version__`; what changed in each "
        "version is in the repository's `CHANGELOG.md`). The book, from the repository's "
        "`CITATION.cff`:", "", "```bibtex", release.bibtex(root), "```"])


def staged_config(root: Path = ROOT) -> bytes:
    """``_config.yml`` with what the repository setting (:func:`.release.repository`) derives:
    the repository button, ``repository.url`` and ``html_baseurl`` (the published pages). While
    the setting is empty the file is staged unchanged, so no placeholder link is rendered.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    import yaml

    text = (root / "_config.yml").read_text()
    repo = release.repository(root)
    if repo is None:
        return text.encode()
    cfg = yaml.safe_load(text)
    cfg["repository"] = {"url": repo, "branch": "main"}
    sphinx = cfg.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["html_baseurl"] = release.pages_url(repo)
    theme = sphinx.setdefault("html_theme_options", {})
    theme.update({"repository_url": repo, "repository_branch": "main",
                  "use_repository_button": True})
    return yaml.safe_dump(cfg, sort_keys=False).encode()


def _literal(value) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def reader_notebook(executed: Path, chapter: str, record: dict, repo: str | None = None) -> bytes:
    """The executed notebook as readers get it: the parameters cell shows the values the run used
    (papermill's injected cell is dropped), stderr output (progress bars) is removed, and a box
    under the title offers the notebook and its source for download with the command that reruns
    the chapter (and, once the repository is set, links to Colab and Binder).

    Parameters
    ----------
    executed : Path
        The executed notebook (``.ipynb``).
    chapter : str
        The page without extension (``"book/01_same_seed"``).
    record : dict
        Its execution record (``parameters`` and ``seconds`` are used).
    repo : str, optional
        The repository setting (:func:`.release.repository`): when given, the box also links to
        the chapter in Colab and Binder (:func:`.launch.rerun_links`).
    """
    nb = json.loads(executed.read_text())
    params = record["parameters"]
    cells = []
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        if "parameters" in tags:
            lines = []
            for line in "".join(cell["source"]).splitlines():
                m = re.match(r"^(\w+) = (.*?)(\s+#.*)?$", line)
                if m and m.group(1) in params:
                    line = f"{m.group(1)} = {_literal(params[m.group(1)])}{m.group(3) or ''}"
                lines.append(line)
            cell["source"] = "\n".join(lines)
        if cell["cell_type"] == "code":
            cell["outputs"] = [o for o in cell["outputs"] if o.get("name") != "stderr"]
        cells.append(cell)
    name = Path(chapter).name
    extra = {k: v for k, v in params.items() if k != "scale"}
    command = f"make chapter NAME={name} SCALE={params['scale']}"
    if extra:
        command += f" PARAMS='{json.dumps(extra)}'"
    box = "\n".join([
        ":::{admonition} Rerun this chapter",
        ":class: tip rerun",
        f"This page was executed at `scale={params['scale']}` in {record['seconds']:.0f} s "
        "(see {doc}`status`). Download the "
        f"{{download}}`executed notebook <{name}.ipynb>` or its "
        f"{{download}}`source <_sources_md/{name}.md>` (a jupytext MyST notebook), or rerun it "
        "from a clone of the repository with the same parameters:",
        "", "```bash", command, "```",
        *([links] if (links := launch.rerun_links(repo, release.package_version(), name)) else []),
        ":::"])
    first_md = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
    cells.insert(first_md + 1, {"cell_type": "markdown", "id": "rerun-box", "metadata": {},
                                "source": box})
    nb["cells"] = cells
    return json.dumps(nb, indent=1).encode()


def write_notebooks(scale: str, out: Path) -> list[Path]:
    """The notebooks Colab opens (:func:`.launch.colab_notebook`), one per chapter executed at
    ``scale``, written to ``out`` (the workflow pushes them to the branch
    :data:`.launch.NOTEBOOKS_BRANCH`).

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it.
    out : Path
        The folder (created).

    Raises
    ------
    SystemExit
        If the repository setting is empty (there is nothing for Colab to open from).
    """
    repo = release.repository()
    if repo is None:
        fail("the notebooks for Colab need the repository setting ([tool.rmtdiff] repository "
             "in pyproject.toml)")
    written = []
    for chapter, rec in _records(scale):
        executed = executed_dir(scale) / f"{Path(chapter).name}.ipynb"
        nb = launch.colab_notebook(reader_notebook(executed, chapter, rec, repo), repo,
                                   release.package_version())
        written.append(out / f"{Path(chapter).name}.ipynb")
        copy_if_changed(nb, written[-1])
    return written


def stage(scale: str) -> Path:
    """Write the staged sources of the book at ``scale`` (see the module docstring).

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it and be up to
        date.

    Returns
    -------
    Path
        ``_build/stage/<scale>``.
    """
    dest = BUILD / "stage" / scale
    for name in STAGE_FILES:
        copy_if_changed(staged_config() if name == "_config.yml" else ROOT / name, dest / name)
    nbs = set(chapters())
    for page in toc_files():
        if page in nbs:
            executed = executed_dir(scale) / f"{Path(page).name}.ipynb"
            record = executed.with_suffix(".json")
            if not executed.exists() or not record.exists():
                fail(f"{page} has not been executed at scale={scale}; run "
                     f"`python tools/book.py execute --scale {scale}` first")
            rec = json.loads(record.read_text())
            if rec["key"] != cache_key(page, rec["parameters"]):
                fail(f"{executed.relative_to(ROOT)} is stale (its chapter, the rmtdiff code it "
                     "reaches, its data or the packages changed since it ran); run "
                     f"`python tools/book.py execute --scale {scale}`")
            copy_if_changed(reader_notebook(executed, page, rec, release.repository()),
                            dest / f"{page}.ipynb")
            copy_if_changed(ROOT / f"{page}.md",
                            dest / Path(page).parent / "_sources_md" / f"{Path(page).name}.md")
        elif Path(page).name == "status":
            copy_if_changed(status_page(scale), dest / f"{page}.md")
        elif Path(page).name == "reproduction":
            copy_if_changed(reproduce.report_markdown(scale).encode(), dest / f"{page}.md")
        else:
            text = (ROOT / f"{page}.md").read_text()
            if VERDICTS_MARKER in text:
                text = text.replace(VERDICTS_MARKER, verdicts_markdown(scale))
            if CITATION_MARKER in text:
                text = text.replace(CITATION_MARKER, citation_markdown())
            copy_if_changed(text.encode(), dest / f"{page}.md")
    mathjax = Path(os.environ.get("RMTDIFF_MATHJAX", MATHJAX_DEFAULT))
    if not mathjax.is_file():
        fail(f"local MathJax not found at {mathjax}; run `make setup` (npm install of mathjax@3) "
             "or set RMTDIFF_MATHJAX to a copy of es5/tex-svg.js")
    copy_if_changed(mathjax, dest / "_mathjax" / "mathjax" / "tex-svg.js")
    for asset in sorted(ASSETS.iterdir()):
        copy_if_changed(asset, dest / "_assets" / asset.name)
    copy_if_changed(ROOT / "LICENSE", dest / "_extra" / "LICENSE.txt")
    return dest
