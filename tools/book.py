"""Execute the book's chapters with papermill, stage them, build the HTML and check it.

Usage (the Makefile calls these; run from the repository root with the venv's python):

    python tools/book.py execute --scale book [--only 01_same_seed] [--params '{"overrides": {}}']
    python tools/book.py build   --scale book
    python tools/book.py check   --scale book
    python tools/book.py compare --scale ci   (the executed numbers against data/expected/ci.json)
    python tools/book.py record  --scale ci   (write data/expected/ci.json from the executed run)
    python tools/book.py notebooks --scale book --out DIR   (the notebooks Colab opens: booktool.launch)
    python tools/book.py pdf --scale book     (the book as one PDF: booktool.pdf)
    python tools/book.py repository           (the repository setting; empty while unset)
    python tools/book.py release --version 0.2.0   (checks, then tags v0.2.0: booktool.release)

Layout under _build/ (all derived, safe to delete):

    _build/executed/<scale>/<chapter>.ipynb   executed notebook
    _build/executed/<scale>/<chapter>.json    its record: key, parameters, seconds, versions, data
    _build/stage/<scale>/                     book sources with executed .ipynb in place of .md
    _build/site/<scale>/_build/html/          the built book
    _build/screenshots/<scale>/               every page at 1400 px and 400 px (browser check)

Staging prepares each executed notebook for readers: the parameters cell shows the values the
run used (papermill's separate injected cell is dropped), stderr output (progress bars) is removed,
and a box under the title offers the notebook and its source for download with the command that
reruns the chapter.

A chapter is re-executed when its cache key changes; the key hashes the chapter source, its
parameters, the rmtdiff code its cells reach (not docstrings, comments or unrelated functions),
the checksums of the data it reads and the package versions, so an executed notebook is never
stale. A failed chapter leaves <chapter>.failed.ipynb with the error for inspection.

The work is done by the modules of tools/booktool/; this file is the command line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rmtdiff import SCALES

from booktool.build import build
from booktool.check import check, html_problems, raw_tables
from booktool.common import (BUILD, ROOT, VERSIONED, chapters, commit, fail, is_notebook, site,
                             toc_files, versions)
from booktool.execute import execute
from booktool import reproduce
from booktool.pdf import build_pdf
from booktool.release import release, repository
from booktool.keys import cache_key, chapter_code, chapter_data, chapter_datasets
from booktool.stage import (copy_if_changed, reader_notebook, stage, status_page,
                            write_notebooks)

__all__ = ["BUILD", "ROOT", "VERSIONED", "build", "cache_key", "chapter_code", "chapter_data",
           "chapter_datasets", "chapters", "check", "commit", "copy_if_changed", "execute", "fail",
           "html_problems", "is_notebook", "main", "raw_tables", "reader_notebook", "site",
           "stage", "status_page", "toc_files", "versions"]


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).
    """
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=("execute", "build", "check", "all", "release",
                                          "compare", "record", "notebooks", "pdf",
                                          "repository"))
    p.add_argument("--scale", default="book", choices=SCALES)
    p.add_argument("--only", nargs="*", help="chapter names (e.g. 01_same_seed)")
    p.add_argument("--params", default="{}", help="extra papermill parameters as JSON")
    p.add_argument("--force", action="store_true", help="re-execute even if up to date")
    p.add_argument("--version", help="release: the version to tag (x.y.z)")
    p.add_argument("--out", help="notebooks: the folder to write them to")
    a = p.parse_args(argv)
    if a.command == "release":
        if not a.version:
            fail("release needs --version x.y.z (make release VERSION=x.y.z)")
        release(a.version)
        return
    if a.command == "record":
        try:
            print(f"Recorded {reproduce.record(a.scale).relative_to(ROOT)}")
        except FileNotFoundError as exc:
            fail(str(exc))
        return
    if a.command == "repository":           # the repository setting, "" while it is unset
        print(repository() or "")
        return
    if a.command == "pdf":
        build_pdf(a.scale)
        return
    if a.command == "notebooks":
        if not a.out:
            fail("notebooks needs --out DIR")
        print(f"Wrote {len(write_notebooks(a.scale, Path(a.out)))} notebooks for Colab to {a.out}")
        return
    if a.command == "compare":
        rec, rows, other = reproduce.rebuild_rows(a.scale)
        print(reproduce.summary(a.scale, rec, rows, other))
        if rec is None or not rows or not all(r.ok for r in rows):
            raise SystemExit(1)
        return
    try:
        extra = json.loads(a.params)
    except json.JSONDecodeError as exc:
        fail(f"--params must be a JSON object; {exc}")
    if not isinstance(extra, dict) or "scale" in extra:
        fail("--params must be a JSON object without 'scale' (use --scale)")
    if a.command in ("execute", "all"):
        execute(a.scale, a.only, extra, a.force)
    if a.command in ("build", "all"):
        build(a.scale)
    if a.command in ("check", "all"):
        check(a.scale)


if __name__ == "__main__":
    main()
