"""Figures are sized for the book's column (the browser test checks the built pages)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rmtdiff.presentation import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def style():
    plotting.use_book_style()
    yield
    plt.close("all")


def test_subplots_fit_the_column():
    fig, _ = plotting.subplots(1, 2)
    assert fig.get_figwidth() * fig.dpi <= plotting.COLUMN_WIDTH * plotting.DPI
    fig, _ = plotting.subplots()
    assert fig.get_figwidth() == plotting.PANEL_WIDTH
    with pytest.raises(ValueError, match="width must be at most COLUMN_WIDTH"):
        plotting.subplots(width=plotting.COLUMN_WIDTH + 1)


def test_image_grid_shrinks_cells_to_fit_the_column():
    fig = plotting.image_grid(np.zeros((2, 12, 8, 8)), ["a", "b"], [str(i) for i in range(12)])
    assert fig.get_figwidth() <= plotting.COLUMN_WIDTH + 1e-9
    with pytest.raises(ValueError, match="need 2 row labels"):
        plotting.image_grid(np.zeros((2, 3, 8, 8)), ["a"], ["x", "y", "z"])


def test_no_text_below_the_minimum_font():
    assert min(plt.rcParams[k] for k in ("font.size", "xtick.labelsize", "ytick.labelsize",
                                         "legend.fontsize")) >= plotting.MIN_FONT


def test_plain_log_labels_on_a_narrow_axis_only():
    fig, (narrow, wide) = plotting.subplots(1, 2)
    narrow.loglog([1.5, 2.5], [1.5, 2.5])
    wide.loglog([1e-3, 1e3], [1e-3, 1e3])
    before = wide.yaxis.get_major_formatter()
    plotting.plain_log_labels(narrow)
    plotting.plain_log_labels(wide)
    assert wide.yaxis.get_major_formatter() is before
    fig.canvas.draw()
    labels = [t.get_text() for t in narrow.get_yticklabels() if t.get_text()]
    assert labels and all("10^" not in t and "times" not in t for t in labels)
    assert "2" in labels


def test_image_grid_shows_colour_images_channel_first():
    imgs = np.zeros((1, 2, 3, 4, 4))
    imgs[0, 1, 0] = 1.0                                  # a red image in [-1, 1]
    fig = plotting.image_grid(imgs, ["a"], ["x", "y"])
    shown = fig.axes[1].images[0].get_array()
    assert shown.shape == (4, 4, 3) and np.allclose(shown[0, 0], [1.0, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"\(rows, cols, 3, H, W\)"):
        plotting.image_grid(np.zeros((1, 2, 2, 4, 4)), ["a"], ["x", "y"])
