"""Build the HTML book with Jupyter Book from the staged sources (:func:`.stage.stage`).

Warnings are errors (``-W --keep-going``): the build fails on any WARNING, ERROR or CRITICAL line,
and the full log is kept in ``_build/site/<scale>/build.log``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from rmtdiff.util.io import write_bytes

from .common import BUILD, ROOT, fail, site
from .stage import stage

#: the footer's relative links (``_config.yml``'s ``extra_footer``), written for the pages in book/
_FOOTER = re.compile(r'(<div class="extra_footer">)(.*?)(</div>)', re.S)


def rebase_root_pages(html_root: Path) -> list[Path]:
    """Make the footer's relative links right on the pages Sphinx writes at the site root
    (``search.html``): the footer is one text for every page and its links are written for the
    pages in ``book/``. Only the footer is changed; returns the pages rewritten.

    Parameters
    ----------
    html_root : Path
        The built site.
    """
    changed = []
    for page in sorted(html_root.glob("*.html")):
        text = page.read_text()

        def href(h):        # a link that resolves from book/ but not from the root
            target = h.group(1).split("#")[0]
            if (html_root / target).exists() or not (html_root / "book" / target).exists():
                return h.group(0)
            return f'href="{os.path.normpath("book/" + h.group(1))}"'

        def rebase(m):
            body = re.sub(r'href="(?![a-z]+:|#|/)([^"]+)"', href, m.group(2))
            return m.group(1) + body + m.group(3)

        new = _FOOTER.sub(rebase, text)
        if new != text:
            write_bytes(page, new.encode())
            changed.append(page)
    return changed


def jupyter_book(src: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    """Run ``jupyter-book build`` (the venv's) of ``src`` into ``out`` with ``options``, keeping
    its whole log in ``out/build.log``.

    Parameters
    ----------
    src : Path
        The staged book (:func:`.stage.stage`).
    out : Path
        The output folder (``--path-output``).
    *options : str
        Further options (``-W``, ``--builder singlehtml``, ...).
    """
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(src),
           "--path-output", str(out), *options]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    write_bytes(out / "build.log", (proc.stdout + proc.stderr).encode())
    return proc


def build(scale: str) -> None:
    """Stage the book and build its HTML into ``_build/site/<scale>/``.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it.
    """
    src = stage(scale)
    out = BUILD / "site" / scale
    proc = jupyter_book(src, out, "-W", "--keep-going")
    log = proc.stdout + proc.stderr
    problems = [ln for ln in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", ln)]
    if proc.returncode != 0 or problems:
        print(log[-6000:], file=sys.stderr)
        fail(f"the book build failed (exit {proc.returncode}, {len(problems)} warning/error "
             f"lines); full log in {(out / 'build.log').relative_to(ROOT)}")
    rebase_root_pages(site(scale))
    print(f"Book built: file://{site(scale) / 'index.html'}")
