"""The chapters' Markdown tables (rmtdiff.presentation.tables)."""

import numpy as np
import pytest
from IPython.display import Markdown

from rmtdiff.presentation.tables import markdown_table


def test_header_separator_and_rows_in_pipe_syntax():
    table = markdown_table(["a", "$n$"], [["x", 3], ["y", 30]])
    assert isinstance(table, Markdown)
    assert table.data.splitlines() == ["| a | $n$ |", "|---|---|", "| x | 3 |", "| y | 30 |"]


def test_alignment_for_all_columns_or_each():
    assert markdown_table(["a", "b"], [], align="right").data.splitlines()[1] == "|---:|---:|"
    line = markdown_table(["a", "b", "c"], [], align=["left", "center", None]).data
    assert line.splitlines()[1] == "|:---|:---:|---|"
    with pytest.raises(ValueError, match="align entries must be one of"):
        markdown_table(["a"], [], align="middle")


def test_formats_apply_to_numbers_not_to_strings():
    rows = [["unet", np.float64(0.123456), 2, "0.5 / 0.25"]]
    table = markdown_table(["m", "loss", "n", "pair"], rows, formats=[None, ".3f", "d", ".1f"])
    assert table.data.splitlines()[2] == "| unet | 0.123 | 2 | 0.5 / 0.25 |"
    # one format for every number cell
    assert markdown_table(["x", "y"], [[0.5, -0.25]], formats="+.2f").data.endswith(
        "| +0.50 | -0.25 |")
    # without a format a number is written with str
    assert markdown_table(["x"], [[0.1]]).data.endswith("| 0.1 |")


def test_a_pipe_inside_a_cell_is_escaped():
    assert markdown_table(["x"], [["a|b"]]).data.endswith("| a\\|b |")


def test_a_row_of_the_wrong_length_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"rows\[1\] has 3 cells for the 2 columns"):
        markdown_table(["a", "b"], [[1, 2], [1, 2, 3]])
    with pytest.raises(ValueError, match="formats must be one value or one per column"):
        markdown_table(["a", "b"], [[1, 2]], formats=[".2f"])
    with pytest.raises(ValueError, match="header must name at least one column"):
        markdown_table([], [])
