"""tools/book.py prepares executed notebooks for readers; tools/browser.py judges pages."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import book  # noqa: E402
import browser  # noqa: E402


def executed_notebook(tmp_path: Path) -> Path:
    cells = [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "(x)=\n# Title\n\nClaim."},
        {"cell_type": "code", "id": "b", "metadata": {"tags": ["parameters"]}, "outputs": [],
         "execution_count": 1,
         "source": 'scale = "book"   # the scale\noverrides = {}   # fields to replace'},
        {"cell_type": "code", "id": "c", "metadata": {"tags": ["injected-parameters"]},
         "outputs": [], "execution_count": 2,
         "source": '# Parameters\nscale = "ci"\noverrides = {"n_seeds": 8}\n'},
        {"cell_type": "code", "id": "d", "metadata": {}, "execution_count": 3, "source": "f()",
         "outputs": [{"output_type": "stream", "name": "stderr", "text": "splits: 40%|####"},
                     {"output_type": "stream", "name": "stdout", "text": "kept"}]},
    ]
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def test_reader_notebook_shows_the_run_parameters_once(tmp_path):
    record = {"parameters": {"scale": "ci", "overrides": {"n_seeds": 8}}, "seconds": 12.3}
    nb = json.loads(book.reader_notebook(executed_notebook(tmp_path), "book/01_x", record))
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
    params = next(s for s in sources if s.startswith("scale"))
    assert params == "scale = \"ci\"   # the scale\noverrides = {'n_seeds': 8}   # fields to replace"
    # the rerun box comes right after the title cell, with the command and both downloads
    box = sources[1]
    assert "Rerun this chapter" in box
    assert "make chapter NAME=01_x SCALE=ci PARAMS='{\"overrides\": {\"n_seeds\": 8}}'" in box
    assert "{download}`executed notebook <01_x.ipynb>`" in box
    assert "{download}`source <_sources_md/01_x.md>`" in box
    # progress bars (stderr) are gone, other output stays
    outputs = nb["cells"][-1]["outputs"]
    assert [o["name"] for o in outputs] == ["stdout"]


def test_tex_formulas_counts_inline_and_display_math(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<p>a <span class="math notranslate">\\(x\\)</span> and '
                    '<span class="math">\\(y^2\\)</span></p>'
                    '<div class="math notranslate"><span class="eqno">(1)</span>'
                    '\\[\\int f\\]</div><p>not math: \\(z\\)</p>')
    assert browser.tex_formulas(page) == 3


@pytest.mark.parametrize("measure, expected", [
    ({"eq_width": 500, "eq_left": 100, "eq_right": 600, "no_left": 700, "no_width": 40,
      "scroll": 784, "column": 784}, []),
    ({"eq_width": 700, "eq_left": 40, "eq_right": 740, "no_left": 700, "no_width": 40,
      "scroll": 784, "column": 784}, ["runs under its number"]),
    ({"eq_width": 900, "eq_left": 0, "eq_right": 900, "no_left": None, "no_width": None,
      "scroll": 900, "column": 784}, ["900 px wide in a 784 px column"]),
], ids=["fits", "under-number", "too-wide"])
def test_display_equation_rules(measure, expected):
    m = {"mjx": 1, "images": [], "code": [], "equations": [{"id": "eq", **measure}]}
    found = browser._problems("page", "desktop", m, 1)
    assert len(found) == len(expected)
    for text, want in zip(found, expected):
        assert want in text


def test_image_and_code_rules():
    m = {"mjx": 0, "equations": [],
         "images": [{"src": "a.png", "complete": True, "natural": 1000, "shown": 700},
                    {"src": "b.png", "complete": True, "natural": 700, "shown": 700},
                    {"src": "c.png", "complete": True, "natural": 0, "shown": 0}],
         "code": [{"text": "x = 1", "box": 780, "scroll": 900}]}
    found = browser._problems("page", "desktop", m, 2)
    assert any("2 typeset formulas" in f or "0 typeset formulas" in f for f in found)
    assert any("a.png shown at 70%" in f for f in found)
    assert not any("b.png" in f for f in found)
    assert any("c.png did not load" in f for f in found)
    assert any("900 px in a 780 px code box" in f for f in found)
    # at phone width only loading and typesetting count
    phone = browser._problems("page", "phone", m, 0)
    assert phone == ["page @phone: image c.png did not load"]


def test_a_markdown_table_left_as_text_is_found():
    raw = "<p>| a | b | |\u2014|\u2014| | 1 | 2 |</p>"
    assert book.raw_tables(raw) == 1
    assert book.raw_tables("<p>| a | b | |---|---| | 1 | 2 |</p>") == 1
    assert book.raw_tables("<table><tr><td>a</td></tr></table><p>x | y</p>") == 0
