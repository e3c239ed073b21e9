"""All figures of the book: a house style and a few plot helpers.

Every helper takes data already computed elsewhere in :mod:`rmtdiff`, labels its axes and returns
the matplotlib ``Figure`` (or draws on a given ``Axes``) so that chapters stay short.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

SPLIT_COLOURS = ("#1f77b4", "#d62728")   # split 1, split 2
REFERENCE_COLOUR = "0.35"


def use_book_style() -> None:
    """Set the book's matplotlib defaults (sizes, grid, colours, resolution)."""
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (6.4, 4.0),
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False, "font.size": 10, "legend.fontsize": 9,
        "legend.frameon": False, "image.cmap": "gray",
    })


def image_grid(images: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
               title: str | None = None, cell: float = 1.25, vrange=(-1.0, 1.0)):
    """Show ``images`` of shape ``(rows, cols, H, W)`` as a labelled grid (grey, fixed range).

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (rows, cols, H, W); got {images.shape}")
    rows, cols = images.shape[:2]
    if len(row_labels) != rows or len(col_labels) != cols:
        raise ValueError(f"need {rows} row labels and {cols} column labels; got "
                         f"{len(row_labels)} and {len(col_labels)}")
    fig, axes = plt.subplots(rows, cols, figsize=(cell * cols + 0.8, cell * rows + 0.6),
                             squeeze=False)
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            ax.imshow(images[i, j], vmin=vrange[0], vmax=vrange[1], cmap="gray")
            ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
            for side in ax.spines.values():
                side.set_visible(False)
            if i == 0:
                ax.set_title(col_labels[j], fontsize=8)
            if j == 0:
                ax.set_ylabel(row_labels[i], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def mean_with_error(ax, x, values, label: str, colour=None, marker="o", linestyle="-"):
    """Plot the mean of ``values`` (shape ``(len(x), m)``) over its last axis against ``x``, with
    error bars of one standard error of that mean."""
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=-1)
    err = values.std(axis=-1, ddof=1) / np.sqrt(values.shape[-1]) if values.shape[-1] > 1 else None
    return ax.errorbar(x, mean, yerr=err, label=label, color=colour, marker=marker,
                       linestyle=linestyle, markersize=4, capsize=2)


def power_law_guide(ax, x, y0: float, slope: float, label: str):
    """A dashed reference line ``y0 * (x / x[0]) ** slope``."""
    x = np.asarray(x, dtype=float)
    ax.plot(x, y0 * (x / x[0]) ** slope, "--", color=REFERENCE_COLOUR, lw=1, label=label)
