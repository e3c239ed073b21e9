"""Check the built HTML book: every page of ``_toc.yml`` present with its images on disk, math
typeset by the local MathJax only (loaded once, never from the network), no error output or
Markdown table left as text, the licence link in the footer, no link to the empty general index,
each chapter with figures, math and both downloads; no executed cell that raised or printed a
warning; every glued number within its tolerance of the scale's record
(:func:`.reproduce.problems`); every internal link and anchor resolving
(:func:`.links.link_problems`); then every page in headless Chromium (:func:`.browser_pages.check_pages`).
"""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path

from . import reproduce
from .browser_pages import check_pages
from .links import link_problems
from .common import BUILD, ROOT, chapters, executed_dir, fail, site, toc_files


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.scripts, self.classes, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src"):
            self.imgs.append(a["src"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if a.get("class"):
            self.classes.extend(a["class"].split())


RAW_TABLE = re.compile(r"<p>\s*\|[^<]*?\|\s*(?:-{3}|\u2014|&#8212;|\u2013)")


def raw_tables(html_text: str) -> int:
    """How many Markdown tables a page shows as text (a paragraph that starts with a pipe and
    holds a ``|---|`` row, typeset as dashes): a table from a code cell that was not parsed.

    Parameters
    ----------
    html_text : str
        The page's HTML.
    """
    return len(RAW_TABLE.findall(html_text))


def html_problems(page: str, path: Path, root: Path, is_chapter: bool) -> list[str]:
    """The problems of one built page found in its HTML (see the module docstring).

    Parameters
    ----------
    page : str
        The page without extension (``"book/01_same_seed"``), for the messages.
    path : Path
        Its HTML file.
    root : Path
        The built book's root folder (holding ``LICENSE.txt``).
    is_chapter : bool
        Whether the page is an executed chapter (which must have figures, math, downloads).
    """
    errors = []
    text = path.read_text()
    tags = _Tags()
    tags.feed(text)
    for src in tags.imgs:
        if not src.startswith("data:") and not (path.parent / src.split("#")[0]).is_file():
            errors.append(f"{page}: image {src} missing")
    has_math = "math" in tags.classes
    mj = [s.split("?")[0] for s in tags.scripts if "mathjax" in s.lower() or "tex-" in s]
    if has_math and not mj:
        errors.append(f"{page}: math but no MathJax script")
    if len(mj) > 1:
        errors.append(f"{page}: MathJax loaded {len(mj)} times")
    for s in mj:
        if "://" in s:
            errors.append(f"{page}: MathJax loaded from the network ({s})")
        elif not (path.parent / s).is_file():
            errors.append(f"{page}: MathJax script {s} missing")
    bad = {"traceback", "output_error"} & {c.lower() for c in tags.classes}
    if bad or "Traceback (most recent call last)" in text:
        errors.append(f"{page}: error output in the page ({sorted(bad) or 'Traceback'})")
    if raw_tables(text):
        errors.append(f"{page}: {raw_tables(text)} Markdown table(s) shown as text")
    if "../LICENSE.txt" not in tags.links or not (root / "LICENSE.txt").is_file():
        errors.append(f"{page}: no licence link in the footer, or LICENSE.txt missing")
    if any("genindex" in link for link in tags.links):
        errors.append(f"{page}: links to the (empty) general index")
    if is_chapter:
        downloads = [link for link in tags.links if "_downloads/" in link]
        for suffix in (".ipynb", ".md"):
            found = [d for d in downloads if d.endswith(suffix)]
            if not found or not all((path.parent / d).is_file() for d in found):
                errors.append(f"{page}: no downloadable {suffix} file")
        if not tags.imgs:
            errors.append(f"{page}: a chapter without figures")
        if not has_math:
            errors.append(f"{page}: a chapter without math")
    return errors


def notebook_problems(chapter: str, executed: Path) -> list[str]:
    """The cells of an executed notebook that raised or printed a warning to stderr.

    Parameters
    ----------
    chapter : str
        The page without extension, for the messages.
    executed : Path
        The executed notebook (``.ipynb``).
    """
    errors = []
    nb = json.loads(executed.read_text())
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", ""))
            if out.get("output_type") == "error":
                errors.append(f"{chapter}: cell {i} raised {out.get('ename')}")
            elif out.get("name") == "stderr" and re.search(r"\w*Warning\b", text):
                errors.append(f"{chapter}: cell {i} printed a warning: {text.strip()[:300]}")
    return errors


def check(scale: str) -> None:
    """Check the built book at ``scale`` (see the module docstring); any problem ends the command.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; the book must have been built at it.
    """
    root = site(scale)
    errors = []
    notebook_pages = chapters()
    pages = toc_files()
    if not (root / "index.html").exists():
        fail(f"no built book at {root}; run `python tools/book.py build --scale {scale}`")
    for page in pages:
        path = root / f"{page}.html"
        if not path.exists():
            errors.append(f"{page}: page missing ({path})")
            continue
        errors += html_problems(page, path, root, page in notebook_pages)
    for chapter in notebook_pages:
        errors += notebook_problems(chapter, executed_dir(scale) / f"{Path(chapter).name}.ipynb")
    errors += reproduce.problems(scale)
    broken, external = link_problems(root)
    errors += [f"broken link: {p}" for p in broken]
    (root.parent.parent / "external-links.txt").write_text("".join(f"{u}\n" for u in external))
    shots = BUILD / "screenshots" / scale
    browser_problems = check_pages(root, pages, shots)
    if browser_problems is not None:
        errors += browser_problems
        print(f"Screenshots of every page: {shots.relative_to(ROOT)}/")
    if errors:
        fail("the built book failed its checks:\n  " + "\n  ".join(errors))
    print(f"Checked {len(pages)} pages of {root}: all present, figures on disk, every internal "
          f"link and anchor resolves ({len(external)} external links listed in "
          f"{(root.parent.parent / 'external-links.txt').relative_to(ROOT)}, not fetched: no "
          "network), no error output, local MathJax" + (", and in headless Chromium at 1400 and 400 px."
                                             if browser_problems is not None else "."))
