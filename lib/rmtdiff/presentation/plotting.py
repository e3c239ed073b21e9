"""All figures of the book: a house style and a few plot helpers.

Every helper takes data already computed elsewhere in :mod:`rmtdiff`, labels its axes and returns
the matplotlib ``Figure`` (or draws on a given ``Axes``) so that chapters stay short.

Figures are designed for the width they are shown at. The book's text column is 784 px wide in a
1400 px browser window; at ``DPI`` = 100 a figure of ``COLUMN_WIDTH`` inches fills it at its natural
size, so a 10-pt label is 14 px high on screen. No text in a figure is smaller than ``MIN_FONT``
points. The browser test of the book fails on a figure shown below 75% of its natural width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:                  # annotations only
    from matplotlib.axes import Axes
    from matplotlib.container import ErrorbarContainer
    from matplotlib.figure import Figure

SPLIT_COLOURS = ("#1f77b4", "#d62728")   # split 1, split 2
REFERENCE_COLOUR = "0.35"
DPI = 100                 # pixels per inch of every figure
COLUMN_WIDTH = 7.6        # inches: 760 px, the book's 784 px text column less a margin
PANEL_WIDTH = 5.6         # inches: a single-panel figure
MIN_FONT = 9              # points: the smallest text in any figure


def use_book_style() -> None:
    """Set the book's matplotlib defaults (sizes, fonts, grid, colours, resolution).

    Updates ``matplotlib.pyplot.rcParams`` in place (the book's house style,
    ``book/house_style.md``).

    Returns
    -------
    None
    """
    plt.rcParams.update({
        "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (PANEL_WIDTH, 3.6),
        "figure.constrained_layout.use": True,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False, "font.size": 11, "axes.titlesize": 11,
        "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10,
        "legend.fontsize": 10, "legend.frameon": False, "image.cmap": "gray",
        "lines.linewidth": 1.8,
    })


def subplots(nrows: int = 1, ncols: int = 1, height: float = 3.4, width: float | None = None,
             **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` sized for the book's column: ``width`` defaults to the full column for
    several panels side by side and to ``PANEL_WIDTH`` for one panel (inches).

    Parameters
    ----------
    nrows, ncols : int, optional
        Panels down and across (default 1 each).
    height : float, optional
        Figure height in inches (default 3.4).
    width : float, optional
        Figure width in inches, at most :data:`COLUMN_WIDTH` (default: :data:`COLUMN_WIDTH` for
        ``ncols > 1``, else :data:`PANEL_WIDTH`).
    **kwargs
        Passed to ``plt.subplots``.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or ndarray of them
        As ``plt.subplots`` returns them (an array of shape (nrows, ncols), squeezed by default).

    Raises
    ------
    ValueError
        If ``width`` exceeds :data:`COLUMN_WIDTH`.
    """
    if width is None:
        width = COLUMN_WIDTH if ncols > 1 else PANEL_WIDTH
    if width > COLUMN_WIDTH:
        raise ValueError(f"width must be at most COLUMN_WIDTH = {COLUMN_WIDTH} in; got {width}")
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


def plain_log_labels(ax: Axes, axis: str = "y") -> None:
    """Label a narrow log axis with plain numbers (0.5, 2, 30) instead of matplotlib's
    "1.9x10^0" minor-tick labels, which overlap. Call it after plotting: it reads the axis range.
    Ticks sit at 1-9 times powers of ten for a range under 0.7 decades, at 1, 2 and 5 times for
    up to 2 decades; a wider axis keeps matplotlib's powers of ten.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes, with a log ``axis``.
    axis : {"y", "x"}, optional
        Which axis (default ``"y"``; anything else means x).

    Returns
    -------
    None
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    span = np.log10(hi / lo)
    if span > 2:
        return
    subs = tuple(range(1, 10)) if span < 0.7 else (1.0, 2.0, 5.0)
    target.set_major_locator(LogLocator(base=10, subs=subs))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    target.set_minor_formatter(NullFormatter())


def n_ticks(ax: Axes, values: Sequence[float], axis: str = "x") -> None:
    """Put the ticks of a log axis exactly at ``values`` (e.g. the split sizes), labelled as
    plain integers, with no minor labels.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    values : sequence of float
        Tick positions, labelled with ``format(v, "g")`` (plain integers for whole numbers below
        a million).
    axis : {"x", "y"}, optional
        Which axis (default ``"x"``; anything else means y).

    Returns
    -------
    None
    """
    from matplotlib.ticker import NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    values = [float(v) for v in values]
    (ax.set_xticks if axis == "x" else ax.set_yticks)(values, [f"{v:g}" for v in values])
    target.set_minor_formatter(NullFormatter())


def image_grid(images: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
               title: str | None = None, cell: float = 1.1,
               vrange: tuple[float, float] = (-1.0, 1.0)) -> Figure:
    """Show ``images`` of shape ``(rows, cols, H, W)`` (grey) or ``(rows, cols, 3, H, W)``
    (colour, channel first) as a labelled grid with the fixed range ``vrange``. Cells are
    ``cell`` inches, or smaller so that the grid fits the book's column.

    Parameters
    ----------
    images : ndarray, shape (rows, cols, H, W) or (rows, cols, 3, H, W), float
        The images, in ``vrange`` (values outside are clipped in the display).
    row_labels : sequence of str, length rows
        Labels left of each row.
    col_labels : sequence of str, length cols
        Titles above each column.
    title : str, optional
        A title above the grid.
    cell : float, optional
        Largest side of a cell in inches (default 1.1).
    vrange : (float, float), optional
        The values shown as black and white (default ``(-1, 1)``).

    Raises
    ------
    ValueError
        A wrong shape, or label counts that do not match it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = np.asarray(images)
    colour = images.ndim == 5 and images.shape[2] == 3
    if images.ndim != 4 and not colour:
        raise ValueError("images must have shape (rows, cols, H, W) or (rows, cols, 3, H, W); "
                         f"got {images.shape}")
    if colour:     # imshow wants (H, W, 3) in [0, 1]
        lo, hi = vrange
        images = np.clip((np.moveaxis(images, 2, -1) - lo) / (hi - lo), 0.0, 1.0)
    rows, cols = images.shape[:2]
    if len(row_labels) != rows or len(col_labels) != cols:
        raise ValueError(f"need {rows} row labels and {cols} column labels; got "
                         f"{len(row_labels)} and {len(col_labels)}")
    cell = min(cell, (COLUMN_WIDTH - 0.7) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cell * cols + 0.7, cell * rows + 0.7),
                             squeeze=False, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01, wspace=0.02, hspace=0.02)
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            if colour:
                ax.imshow(images[i, j])
            else:
                ax.imshow(images[i, j], vmin=vrange[0], vmax=vrange[1], cmap="gray")
            ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
            for side in ax.spines.values():
                side.set_visible(False)
            if i == 0:
                ax.set_title(col_labels[j], fontsize=MIN_FONT)
            if j == 0:
                ax.set_ylabel(row_labels[i], fontsize=MIN_FONT)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def mean_with_error(ax: Axes, x: ArrayLike, values: ArrayLike, label: str, colour: Any = None,
                    marker: str = "o", linestyle: str = "-") -> ErrorbarContainer:
    r"""Plot the mean of ``values`` (shape ``(len(x), m)``) over its last axis against ``x``, with
    error bars of one standard error of that mean.

    :math:`\bar v = \frac1m\sum_j v_j`, error :math:`s/\sqrt m` with :math:`s` the standard
    deviation (ddof = 1); no error bars when ``m = 1``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    x : array_like, shape (K,)
        The abscissae.
    values : array_like, shape (K, m), float
        ``m`` values per abscissa.
    label : str
        The legend entry.
    colour : matplotlib colour, optional
        Default: the axes' next colour.
    marker : str, optional
        Matplotlib marker (default ``"o"``).
    linestyle : str, optional
        Matplotlib line style (default ``"-"``).

    Returns
    -------
    matplotlib.container.ErrorbarContainer
        What ``ax.errorbar`` returns.
    """
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=-1)
    err = values.std(axis=-1, ddof=1) / np.sqrt(values.shape[-1]) if values.shape[-1] > 1 else None
    return ax.errorbar(x, mean, yerr=err, label=label, color=colour, marker=marker,
                       linestyle=linestyle, markersize=4, capsize=2)


def power_law_guide(ax: Axes, x: ArrayLike, y0: float, slope: float, label: str) -> None:
    r"""A dashed reference line ``y0 * (x / x[0]) ** slope``, :math:`y = y_0 (x/x_0)^{p}`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    x : array_like, shape (K,)
        The abscissae (``x[0] != 0``).
    y0 : float
        The line's value at ``x[0]``.
    slope : float
        The exponent :math:`p`.
    label : str
        The legend entry.

    Returns
    -------
    None
    """
    x = np.asarray(x, dtype=float)
    ax.plot(x, y0 * (x / x[0]) ** slope, "--", color=REFERENCE_COLOUR, lw=1, label=label)
