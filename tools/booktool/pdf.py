"""A PDF of the book, built offline: Jupyter Book's ``singlehtml`` builder puts every page of the
staged book into one HTML document (numbered equations, figures and references resolve across
chapters as in the online book), and the Chromium of the browser check prints it with the print
styles of ``book/_assets/book.css`` (no sidebars or rerun boxes; an explorer prints as the
default view it draws, its controls hidden).

The LaTeX builder was the alternative: it needs a TeX installation, and the chapters' figures,
tables and explorers are HTML outputs that it would drop or redraw. Printing the page keeps
what the reader sees online.

The check: the single HTML holds every page's title and every figure of the online book
(:func:`html_problems`); in the print layout every figure loaded and fits the page's text width
(:func:`print_layout_problems`); and the PDF has pages, an outline entry per chapter, and at least
as many images as figures (:func:`pdf_problems`).
"""

from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path

from rmtdiff.util.io import write_bytes

from . import release
from .common import BUILD, ROOT, chapters, fail, toc_files
from .build import jupyter_book
from .stage import stage


# before printing: every image loaded (lazy ones too) and the math typeset
_READY = """
async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map((img) => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
}
"""


#: the printed text width: A4 (210 mm) less the 16 mm side margins, in CSS px (96 per inch)
PRINT_WIDTH_PX = round((210 - 2 * 16) / 25.4 * 96)

# every figure's image in the print layout: loaded, and inside the text width
_FIGURES = """
() => [...document.querySelectorAll('figure img')].map((img) => ({
  src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
  right: img.getBoundingClientRect().right, width: document.documentElement.clientWidth}))
"""


def print_layout_problems(figures: list[dict]) -> list[str]:
    """The figures that did not load or run off the printed page.

    Parameters
    ----------
    figures : list of dict
        ``src``, ``loaded``, ``right`` (the image's right edge) and ``width`` (the page's), from
        ``_FIGURES`` in the print layout.

    >>> print_layout_problems([{"src": "a.png", "loaded": True, "right": 700, "width": 673},
    ...                        {"src": "b.png", "loaded": False, "right": 0, "width": 673}])
    ['the printed figure a.png runs off the page (700 px of 673)', 'the figure b.png did not load']
    """
    out = []
    for f in figures:
        if not f["loaded"]:
            out.append(f"the figure {f['src']} did not load")
        elif f["right"] > f["width"] + 1:
            out.append(f"the printed figure {f['src']} runs off the page "
                       f"({f['right']:.0f} px of {f['width']})")
    return out


def page_titles(root: Path = ROOT) -> dict[str, str]:
    """The title (first ``# `` heading) of every page of ``_toc.yml``, by page.

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    out = {}
    for page in toc_files(root):
        text = (root / f"{page}.md").read_text()
        m = re.search(r"^# (.+)$", text, re.M)
        out[page] = m.group(1).strip() if m else page
    return out


def _plain(title: str) -> str:
    """A title as text: MyST roles, math and markup removed (for matching the rendered page)."""
    title = re.sub(r"\{[a-z:]+\}`([^`<]*)(?:<[^>]*>)?`", r"\1", title)
    title = re.sub(r"\$[^$]*\$", "", title)
    return re.sub(r"[`*]", "", title).strip()


def html_problems(html_text: str, titles: dict[str, str], figures: int) -> list[str]:
    """What the single HTML lacks: a page's title, or figures (fewer ``<figure>`` images than the
    online book's).

    Parameters
    ----------
    html_text : str
        The ``singlehtml`` document.
    titles : dict of str to str
        Every page's title (:func:`page_titles`).
    figures : int
        How many figures the chapters show (``{glue:figure}`` directives).
    """
    text = re.sub(r"<[^>]+>", " ", html_text)
    text = re.sub(r"\s+", " ", text.replace("&amp;", "&").replace("&#8217;", "'"))
    problems = [f"the PDF's document lacks the page {page} (title {title!r})"
                for page, title in titles.items() if _plain(title)[:40] not in text]
    shown = len(re.findall(r"<figure[^>]*>\s*(?:<div[^>]*>\s*)*<img", html_text))
    if shown < figures:
        problems.append(f"the PDF's document shows {shown} figures, the chapters have {figures}")
    return problems


def _streams(data: bytes) -> list[bytes]:
    """The PDF's objects with their streams inflated (Chromium writes object streams)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            out.append(zlib.decompress(data[m.end():end]))
        except zlib.error:
            pass
    return out


def pdf_facts(data: bytes) -> dict:
    """Pages, images and outline titles of a PDF written by Chromium (no PDF library: its
    objects are read with ``zlib``).

    Parameters
    ----------
    data : bytes
        The PDF.
    """
    parts = _streams(data)
    pages = sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", p)) for p in parts)
    # an image with transparency is two image objects (its colours and its /SMask alpha)
    masks = {m for p in parts for m in re.findall(rb"/SMask\s+(\d+)\s+0\s+R", p)}
    images = sum(len(re.findall(rb"/Subtype\s*/Image", p)) for p in parts) - len(masks)
    titles = []
    for p in parts:
        for m in re.finditer(rb"/Title\s*(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))", p):
            raw = m.group(1)
            if raw.startswith(b"<"):
                b = bytes.fromhex(re.sub(rb"\s", b"", raw[1:-1]).decode())
                titles.append(b[2:].decode("utf-16-be") if b[:2] == b"\xfe\xff"
                              else b.decode("latin-1"))
            else:
                titles.append(re.sub(rb"\\(.)", rb"\1", raw[1:-1]).decode("latin-1"))
    return {"pages": pages, "images": images, "outline": titles}


def pdf_problems(data: bytes, titles: dict[str, str], figures: int) -> list[str]:
    """What the printed PDF lacks: pages, an outline entry per chapter, the figures' images.

    Parameters
    ----------
    data : bytes
        The PDF.
    titles : dict of str to str
        The chapters' titles, by page.
    figures : int
        How many figures the chapters show.
    """
    facts = pdf_facts(data)
    problems = [] if facts["pages"] else ["the PDF has no pages"]
    outline = " | ".join(facts["outline"])
    problems += [f"the PDF's outline lacks the chapter {page} ({title!r})"
                 for page, title in titles.items() if _plain(title)[:30] not in outline]
    if facts["images"] < figures:
        problems.append(f"the PDF holds {facts['images']} images, the chapters have {figures} "
                        "figures")
    return problems


def figure_count(root: Path = ROOT) -> int:
    """How many figures the chapters show (their ``{glue:figure}`` directives).

    Parameters
    ----------
    root : Path
        The repository (default: this one).
    """
    return sum((root / f"{c}.md").read_text().count("```{glue:figure}") for c in chapters(root))


def build_pdf(scale: str) -> Path:
    """Stage the book at ``scale``, build its single HTML document and print it to
    ``_build/pdf/<scale>/rmtdiff-book-<version>.pdf``; any problem ends the command.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it.
    """
    src = stage(scale)
    out = BUILD / "pdf" / scale
    proc = jupyter_book(src, out, "--builder", "singlehtml")
    # the whole book is the root page's file (index.html only redirects to it)
    index = out / "_build" / "singlehtml" / f"{toc_files()[0]}.html"
    if proc.returncode != 0 or not index.exists():
        fail(f"the single-page build failed (exit {proc.returncode}); log in "
             f"{(out / 'build.log').relative_to(ROOT)}")
    # Sphinx's singlehtml writes the paths of images, styles and scripts relative to the site
    # root while the document sits in book/ (the root page's folder): give it those folders
    site_root = out / "_build" / "singlehtml"
    if index.parent != site_root:
        for folder in site_root.glob("_*"):
            link = index.parent / folder.name
            if folder.is_dir() and not link.exists():
                link.symlink_to(Path("..") / folder.name, target_is_directory=True)
    titles = page_titles()
    chapter_titles = {c: titles[c] for c in chapters()}
    figures = figure_count()
    problems = html_problems(index.read_text(), titles, figures)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        fail("make pdf prints with Chromium: apt-get install chromium (or make setup as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.goto(index.as_uri(), wait_until="load")
        page.evaluate(_READY)
        page.emulate_media(media="print", color_scheme="light")
        page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1400})
        problems += print_layout_problems(page.evaluate(_FIGURES))
        data = page.pdf(format="A4", print_background=True, outline=True, tagged=True,
                        margin={"top": "18mm", "bottom": "18mm", "left": "16mm",
                                "right": "16mm"})
        browser.close()
    problems += pdf_problems(data, chapter_titles, figures)
    if problems:
        fail("the PDF failed its check:\n  " + "\n  ".join(problems))
    path = out / f"rmtdiff-book-{release.package_version()}.pdf"
    write_bytes(path, data)
    facts = pdf_facts(data)
    print(f"PDF: {path.relative_to(ROOT)}: {facts['pages']} pages, {len(chapter_titles)} "
          f"chapters in its outline, {facts['images']} images for {figures} figures "
          f"({len(data) / 1e6:.1f} MB)")
    return path
