"""The paper map names every figure of the book, and the front page and the map carry the
verdict table's marker (filled in from the executed chapters at staging)."""

import re
from pathlib import Path

BOOK = Path(__file__).resolve().parents[2] / "book"


def test_every_figure_is_in_the_paper_map():
    names = {m for f in BOOK.glob("*.md")
             for m in re.findall(r"^:name: (fig-[\w-]+)$", f.read_text(), re.M)}
    mapped = set(re.findall(r"\{numref\}`(fig-[\w-]+)`", (BOOK / "paper_map.md").read_text()))
    assert names and names <= mapped, sorted(names - mapped)


def test_the_map_table_is_one_table():
    text = (BOOK / "paper_map.md").read_text()
    start = text.index("| figure | what it shows |")
    block = text[start:].split("\n\n")[0].splitlines()
    rows = [line for line in block if line.startswith("| {numref}")]
    assert len(rows) == text.count("| {numref}")      # no blank line splits the table


def test_front_page_and_map_hold_the_verdicts_marker():
    import sys

    sys.path.insert(0, str(BOOK.parent / "tools"))
    from booktool.stage import VERDICTS_MARKER

    for page in ("intro.md", "paper_map.md"):
        assert VERDICTS_MARKER in (BOOK / page).read_text(), page
