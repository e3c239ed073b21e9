"""tools/book.py prepares executed notebooks for readers and keys them by what they depend on;
tools/browser.py judges pages."""

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import edit

from rmtdiff.util.codehash import PACKAGE_DIR

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import book  # noqa: E402
import browser  # noqa: E402
from booktool import keys, stage  # noqa: E402

KAPPA = "book/02_kappa"          # calls rd.solve_kappa, never plotting.power_law_guide
PARAMS = {"scale": "ci"}


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
    found = browser.page_problems("page", "desktop", m, 1)
    assert len(found) == len(expected)
    for text, want in zip(found, expected):
        assert want in text


def test_image_and_code_rules():
    m = {"mjx": 0, "equations": [],
         "images": [{"src": "a.png", "complete": True, "natural": 1000, "shown": 700},
                    {"src": "b.png", "complete": True, "natural": 700, "shown": 700},
                    {"src": "c.png", "complete": True, "natural": 0, "shown": 0}],
         "code": [{"text": "x = 1", "box": 780, "scroll": 900}]}
    found = browser.page_problems("page", "desktop", m, 2)
    assert any("2 typeset formulas" in f or "0 typeset formulas" in f for f in found)
    assert any("a.png shown at 70%" in f for f in found)
    assert not any("b.png" in f for f in found)
    assert any("c.png did not load" in f for f in found)
    assert any("900 px in a 780 px code box" in f for f in found)
    # on a phone a figure is not shrunk either (it scrolls sideways instead) and code still fits
    phone = browser.page_problems("page", "phone", m, 0)
    assert any("a.png shown at 70%" in f and "scroll sideways instead" in f for f in phone)
    assert any("900 px in a 780 px code box" in f for f in phone)
    # a figure wider than the column needs the sideways scroll and its cue
    wide = {"src": "w.png", "complete": True, "natural": 760, "shown": 760, "column": 360}
    m = {"mjx": 0, "equations": [], "code": [], "images": [wide]}
    assert "without a sideways scroll" in browser.page_problems("p", "phone", m, 0)[0]
    m["images"] = [{**wide, "scrolls": True, "cue": True}]
    assert browser.page_problems("p", "phone", m, 0) == []


def test_table_rules():
    t = {"id": "chapter", "width": 700, "column": 360, "scrolls": True, "cue": True,
         "sticky": True}
    m = {"mjx": 0, "equations": [], "code": [], "images": [], "tables": [t]}
    assert browser.page_problems("p", "phone", m, 0) == []
    m["tables"] = [{**t, "cue": False, "sticky": False}]
    [found] = browser.page_problems("p", "phone", m, 0)
    assert found.endswith("without a scroll cue, its first column kept in view")
    m["tables"] = [{**t, "width": 300, "scrolls": False, "cue": False, "sticky": False}]
    assert browser.page_problems("p", "phone", m, 0) == []       # it fits: nothing needed


def test_on_a_phone_a_wide_equation_may_scroll_with_its_number_on_its_own_line():
    eq = {"id": "eq", "eq_width": 500, "eq_left": 0, "eq_right": 500, "no_left": 300,
          "no_width": 30, "scroll": 500, "column": 360, "scrolls": True, "beside": False}
    m = {"mjx": 1, "images": [], "code": [], "equations": [eq]}
    assert browser.page_problems("p", "phone", m, 1) == []
    assert "500 px wide" in browser.page_problems("p", "desktop", m, 1)[0]
    m["equations"] = [{**eq, "beside": True}]                 # the number drawn over it
    assert "runs under its number" in browser.page_problems("p", "phone", m, 1)[0]
    m["equations"] = [{**eq, "scrolls": False}]               # cut off
    assert "500 px wide" in browser.page_problems("p", "phone", m, 1)[0]


def test_a_markdown_table_left_as_text_is_found():
    raw = "<p>| a | b | |\u2014|\u2014| | 1 | 2 |</p>"
    assert book.raw_tables(raw) == 1
    assert book.raw_tables("<p>| a | b | |---|---| | 1 | 2 |</p>") == 1
    assert book.raw_tables("<table><tr><td>a</td></tr></table><p>x | y</p>") == 0


# ---- the chapter cache key ----------------------------------------------------------------------

GUIDE_CHAPTER = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter that draws a guide line

```{code-cell} ipython3
:tags: [parameters]

scale = "book"
```

```{code-cell} ipython3
from rmtdiff.presentation import plotting

plotting.power_law_guide(None, [1, 2], 1.0, -1.0, "guide")
```
"""


def test_the_key_of_a_copy_of_the_package_is_the_packages(tmp_path):
    before = book.cache_key(KAPPA, PARAMS)
    copy = shutil.copytree(PACKAGE_DIR, tmp_path / "elsewhere" / "rmtdiff",
                           ignore=shutil.ignore_patterns("__pycache__"))
    if book.cache_key(KAPPA, PARAMS) != before:
        pytest.skip("the package or the chapter was edited while the test ran")
    assert book.cache_key(KAPPA, PARAMS, copy) == before


def test_edits_the_chapter_cannot_see_keep_its_key(pkg, tmp_path):
    guide = tmp_path / "guide"
    (guide.with_suffix(".md")).write_text(GUIDE_CHAPTER)
    kappa, drawn = book.cache_key(KAPPA, PARAMS, pkg), book.cache_key(str(guide), PARAMS, pkg)
    edit(pkg / "theory" / "kappa.py", 'r"""Noise renormalisation:', 'r"""(edited) Noise renormalisation:')
    edit(pkg / "theory" / "kappa.py", "#: target bound on the relative error of kappa",
         "#: an edited comment")
    edit(pkg / "presentation" / "plotting.py", '"""A dashed reference line', '"""A reference line')
    assert book.cache_key(KAPPA, PARAMS, pkg) == kappa
    assert book.cache_key(str(guide), PARAMS, pkg) == drawn
    edit(pkg / "presentation" / "plotting.py",
         'ax.plot(x, y0 * (x / x[0]) ** slope, "--", color=REFERENCE_COLOUR, lw=1, label=label)',
         'ax.plot(x, y0 * (x / x[0]) ** slope, ":", color=REFERENCE_COLOUR, lw=2, label=label)')
    assert book.cache_key(KAPPA, PARAMS, pkg) == kappa
    # ... while the chapter that draws the guide sees the body's edit
    assert book.cache_key(str(guide), PARAMS, pkg) != drawn


def test_an_edit_of_code_the_chapter_calls_changes_its_key(pkg):
    before = book.cache_key(KAPPA, PARAMS, pkg)
    edit(pkg / "theory" / "kappa.py", "RTOL = 1e-13", "RTOL = 1e-12")
    assert book.cache_key(KAPPA, PARAMS, pkg) != before


def test_a_changed_parameter_changes_the_key():
    keys_ = {book.cache_key(KAPPA, p) for p in
             (PARAMS, {"scale": "book"}, {"scale": "ci", "overrides": {"seed": 1}})}
    assert len(keys_) == 3


def test_every_chapter_has_its_own_key():
    chapters = book.chapters()
    assert len({book.cache_key(c, PARAMS) for c in chapters}) == len(chapters) > 0


def test_the_datasets_of_a_chapter():
    assert book.chapter_datasets(PARAMS) == ["fashion-mnist", "photo-patches"]
    assert book.chapter_datasets({"scale": "ci", "overrides": {"dataset": "digits"}}) \
        == ["digits", "photo-patches"]
    assert book.chapter_data(PARAMS)["photo-patches"][0][0] == "scikit-learn"


def test_the_data_are_keyed_by_content_not_by_place(monkeypatch):
    import rmtdiff.data

    def sums(content, folder="/data"):
        return lambda name, root=None: [(f"{folder}/{name}.gz", content)]

    monkeypatch.setattr(rmtdiff.data, "data_checksums", sums("aaaa"))
    before = book.cache_key(KAPPA, PARAMS)
    monkeypatch.setattr(rmtdiff.data, "data_checksums", sums("aaaa", "/elsewhere"))
    assert book.cache_key(KAPPA, PARAMS) == before
    monkeypatch.setattr(rmtdiff.data, "data_checksums", sums("bbbb"))
    assert book.cache_key(KAPPA, PARAMS) != before


def test_staging_checks_staleness_with_the_same_key():
    assert stage.cache_key is keys.cache_key is book.cache_key


def test_the_status_page_lists_the_data_the_chapters_read(tmp_path, monkeypatch):
    data = {"fashion-mnist": [["/data/train.gz", "0123456789abcdef"]],
            "photo-patches": [["scikit-learn", "9.9"]]}
    for name in ("01_a", "02_b"):
        (tmp_path / f"{name}.json").write_text(json.dumps({
            "parameters": {"scale": "ci"}, "seconds": 1.5, "finished": "now", "commit": "abc",
            "data": data}))
    monkeypatch.setattr(stage, "chapters", lambda: ["book/01_a", "book/02_b"])
    monkeypatch.setattr(stage, "executed_dir", lambda scale: tmp_path)
    page = stage.status_page("ci").decode()
    assert "| {doc}`01_a` |" in page and "| {doc}`02_b` |" in page
    assert "| fashion-mnist | `/data/train.gz` | `0123456789abcdef` |" in page
    assert page.count("/data/train.gz") == 1
    assert "| photo-patches | `scikit-learn` | `9.9` |" in page
    assert "| scikit-learn |" in page          # among the package versions


def test_copy_if_changed_writes_atomically_and_only_changes(tmp_path):
    dst = tmp_path / "sub" / "f.txt"
    book.copy_if_changed(b"one", dst)
    os.utime(dst, ns=(1, 1))
    book.copy_if_changed(b"one", dst)
    assert dst.stat().st_mtime_ns == 1                      # same bytes: not rewritten
    src = tmp_path / "src.txt"
    src.write_bytes(b"two")
    book.copy_if_changed(src, dst)
    assert dst.read_bytes() == b"two"
    assert sorted(p.name for p in dst.parent.iterdir()) == ["f.txt"]    # no temporary left


def test_the_scales_come_from_the_package(capsys):
    import rmtdiff

    with pytest.raises(SystemExit) as exc:
        book.main(["execute", "--scale", "huge"])
    assert exc.value.code == 2
    assert str(list(rmtdiff.SCALES))[1:-1] in capsys.readouterr().err


def test_progress_lines_give_the_time_left_from_the_last_runs():
    from booktool.execute import progress_note

    assert progress_note(0, [60.0, 120.0, 30.0]) == (
        "chapter 1 of 3; last run 60 s; about 3.5 min left for the chapters, from their last runs")
    assert progress_note(2, [60.0, 120.0, 30.0]).startswith("chapter 3 of 3; last run 30 s; "
                                                            "about 0.5 min")
    assert "no earlier run recorded" in progress_note(1, [60.0, None, 30.0])


def test_every_figure_has_alt_text():
    """Screen readers read a figure's alt text; without it docutils falls back to the file name.
    Every ``{glue:figure}`` of the book has one ``:alt:`` line of plain words."""
    import re

    for chapter in book.chapters():
        text = (book.ROOT / f"{chapter}.md").read_text()
        for m in re.finditer(r"```\{glue:figure\} (\S+)\n((?::[a-z]+:.*\n)*)", text):
            alts = re.findall(r"^:alt: (.+)$", m.group(2), re.M)
            assert len(alts) == 1 and len(alts[0].split()) >= 8, (chapter, m.group(1))
            assert not re.search(r"[$`{}\\]", alts[0]), (chapter, m.group(1), "markup in alt")
