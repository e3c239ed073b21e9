"""Markdown tables for the chapters: one helper, :func:`markdown_table`.

A chapter's table cell ends with ``markdown_table(header, rows, formats=...)``; the object it
returns displays as Markdown in the notebook (and in the built book) and its ``.data`` is the
table's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Number

from IPython.display import Markdown

ALIGNMENTS = {None: "---", "left": ":---", "center": ":---:", "right": "---:"}


def markdown_table(header: Sequence[str], rows: Iterable[Sequence],
                   formats: str | Sequence[str | None] | None = None,
                   align: str | Sequence[str | None] | None = None) -> Markdown:
    """A Markdown (pipe) table of ``rows`` under ``header``.

    Parameters
    ----------
    header : sequence of str, length k
        The column titles (Markdown allowed, e.g. ``"$n$"``).
    rows : iterable of sequences, each of length k
        The cells. A string is written as it is; any other cell (a number) is written with its
        column's format, or with ``str`` where the column has none. A ``|`` inside a cell is
        escaped so that it cannot split the cell.
    formats : str or sequence of (str or None), length k, optional
        Format specifications (:func:`format`, e.g. ``".4f"``, ``"+.2f"``, ``".3g"``) for the
        number cells: one for every column, or one per column (``None``: ``str``).
    align : {None, "left", "center", "right"} or a sequence of them, length k, optional
        Alignment of every column, or of each column; ``None`` leaves it to the renderer.

    Returns
    -------
    IPython.display.Markdown
        Displays as the table; ``.data`` is its text, one line per row after the header and
        separator lines.

    Raises
    ------
    ValueError
        A row, ``formats`` or ``align`` whose length is not the header's (the row is named by
        its index and shown), or an unknown alignment.

    Examples
    --------
    >>> print(markdown_table(["model", "MSE"], [["unet", 0.01234]], formats=[None, ".3f"],
    ...                      align=[None, "right"]).data)
    | model | MSE |
    |---|---:|
    | unet | 0.012 |
    """
    header = [str(h) for h in header]
    k = len(header)
    if k == 0:
        raise ValueError("header must name at least one column")
    formats = _per_column(formats, k, "formats")
    align = _per_column(align, k, "align")
    bad = [a for a in align if a not in ALIGNMENTS]
    if bad:
        raise ValueError(f"align entries must be one of {sorted(ALIGNMENTS, key=str)}; got {bad}")
    lines = [_line(header), "|" + "|".join(ALIGNMENTS[a] for a in align) + "|"]
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != k:
            raise ValueError(f"rows[{i}] has {len(row)} cells for the {k} columns of header "
                             f"{header}: {row}")
        lines.append(_line(_cell(v, f) for v, f in zip(row, formats)))
    return Markdown("\n".join(lines))


def _per_column(value, k: int, name: str) -> list:
    """``value`` for each of ``k`` columns: one value for all, or a sequence of ``k``."""
    if value is None or isinstance(value, str):
        return [value] * k
    value = list(value)
    if len(value) != k:
        raise ValueError(f"{name} must be one value or one per column ({k}); got {len(value)}: "
                         f"{value}")
    return value


def _cell(value, spec: str | None) -> str:
    if isinstance(value, str):
        text = value
    elif spec is not None and isinstance(value, Number):
        text = format(value, spec)
    else:
        text = str(value)
    return text.replace("|", "\\|")


def _line(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"
