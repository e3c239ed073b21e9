"""booktool.pdf: the single-page document must hold every page and figure, and the printed PDF
every chapter (its outline) and figure (its images). The PDF reader is tested on a PDF that
Chromium prints here (skipped without Chromium)."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from booktool import pdf  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
       "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def test_every_page_of_the_book_has_a_title_and_the_figures_are_counted():
    titles = pdf.page_titles()
    assert set(titles) == set(pdf.toc_files()) and all(titles.values())
    assert pdf.figure_count() == sum((ROOT / f"{c}.md").read_text().count("```{glue:figure}")
                                     for c in pdf.chapters())
    assert pdf._plain("The kappa of {doc}`02_kappa` and $\\kappa$") == "The kappa of 02_kappa and"


def test_the_single_page_document_must_hold_every_title_and_figure():
    titles = {"book/a": "First page", "book/b": "Second page"}
    html = (f'<h1>First page</h1><figure class="x"><img src="{PNG}" alt="a"></figure>'
            '<h1>Second page</h1>')
    assert pdf.html_problems(html, titles, 1) == []
    problems = pdf.html_problems(html.replace("Second", "Other"), titles, 2)
    assert problems == ["the PDF's document lacks the page book/b (title 'Second page')",
                        "the PDF's document shows 1 figures, the chapters have 2"]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_a_pdf_printed_by_chromium_is_read_for_pages_outline_and_images(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "doc.html"
    page_file.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>doc</title></head>'
        f'<body><h1>The same seed</h1><img src="{PNG}" width="200" alt="a">'
        '<h1 style="break-before: page">Kappa, the renormalised noise</h1>'
        f'<img src="{PNG}" width="100" alt="b"><p>text</p></body></html>')
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = b.new_page()
        page.goto(page_file.as_uri())
        data = page.pdf(format="A4", outline=True, tagged=True)
        b.close()
    facts = pdf.pdf_facts(data)
    assert facts["pages"] == 2
    assert facts["images"] >= 1
    assert {"The same seed", "Kappa, the renormalised noise"} <= set(facts["outline"])
    chapters = {"book/01": "The same seed", "book/02": "Kappa, the renormalised noise"}
    assert pdf.pdf_problems(data, chapters, 1) == []
    assert pdf.pdf_problems(data, {**chapters, "book/03": "Trajectories"}, 50) == [
        "the PDF's outline lacks the chapter book/03 ('Trajectories')",
        f"the PDF holds {facts['images']} images, the chapters have 50 figures"]
