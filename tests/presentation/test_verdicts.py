"""Verdicts per paper claim: read from glued values, never typed; a missing chapter or value is
'not tested', and the table has one row per claim."""

import json

import pytest

from rmtdiff.presentation import verdicts as v


def claim(chapter, rule):
    return v.Claim("a claim", "paper's 0.3", chapter, rule, "a GPU")


def test_rules_turn_glued_values_into_verdicts():
    rule = lambda g: ("reproduced" if g["x"] > 0 else "not reproduced", f"x = {g['x']:.2f}")
    rows = v.verdict_rows({"ch": {"x": 0.5}, "other": {"x": -1.0}},
                          (claim("ch", rule), claim("other", rule), claim("absent", rule)))
    assert [r["verdict"] for r in rows] == ["reproduced", "not reproduced",
                                            "not tested at this scale"]
    assert rows[0]["book"] == "x = 0.50" and rows[0]["decides"] == ""
    assert rows[1]["decides"] == "a GPU" and rows[2]["book"] == "chapter not executed"
    # a value the rule needs is missing: said, not raised
    (row,) = v.verdict_rows({"ch": {}}, (claim("ch", rule),))
    assert row["verdict"] == "not tested at this scale" and "missing" in row["book"]
    with pytest.raises(ValueError, match="not one of"):
        v.verdict_rows({"ch": {}}, (claim("ch", lambda g: ("maybe", "")),))


def test_the_table_has_a_row_per_claim_and_escapes_pipes():
    rows = v.verdict_rows({}, v.CLAIMS)
    table = v.verdict_table(rows, "ci")
    body = [line for line in table.splitlines() if line.startswith("| ") and "**" in line]
    assert len(body) == len(v.CLAIMS) and "scale=ci" in table
    rows[0]["book"] = "a | b"
    assert "a \\| b" in v.verdict_table(rows, "ci")


def test_read_glued_parses_numbers_and_strings_and_skips_figures(tmp_path):
    def out(name, mime, value):
        return {"output_type": "display_data", "metadata": {"scrapbook": {"name": name}},
                "data": {mime: value}}
    nb = {"cells": [{"cell_type": "code", "outputs": [
        out("x", "text/plain", "0.25"), out("s", "text/plain", "'words'"),
        out("fig", "image/png", "abc"),
        out("y", "application/papermill.record/text/plain", "3")]}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert v.read_glued(path) == {"x": 0.25, "s": "words", "y": 3}


def test_every_claim_names_a_chapter_of_the_book():
    from pathlib import Path

    book = Path(__file__).resolve().parents[2] / "book"
    assert all((book / f"{c.chapter}.md").exists() for c in v.CLAIMS)
