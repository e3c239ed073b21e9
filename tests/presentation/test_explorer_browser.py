"""The browser test of the explorers (tools/browser.py) on small pages the test writes: it passes
on a working explorer and fails when the page's kappa disagrees with solve_kappa or the explorer
does not start. Needs Chromium and playwright (skipped otherwise, like the book's check)."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from rmtdiff.presentation import explorers

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")]


def run(tmp_path, div: str):
    import browser

    page_file = tmp_path / "page.html"
    page_file.write_text(
        f'<!doctype html><html><head><meta charset="utf-8">'
        f'<script src="{(ROOT / "book/_assets/explorers.js").as_uri()}"></script></head>'
        f"<body><main>{div}</main></body></html>")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(page_file.as_uri())
        found, report = browser.check_explorers(page, "t", tmp_path)
        b.close()
    return found, report, errors


def payload():
    return explorers.kappa_payload({"power law": np.arange(1, 201) ** -1.0,
                                    "steep": np.arange(1, 81) ** -2.0}, checks_per_spectrum=4)


def test_a_working_explorer_passes_and_moves(tmp_path):
    found, report, errors = run(tmp_path, explorers.explorer_html("kappa", payload()))
    assert found == [] and errors == []
    assert "n+150 keys" in report[0] and "(steep)" in report[0]
    assert (tmp_path / "t-explorer0-start.png").exists()
    assert (tmp_path / "t-explorer0-moved.png").exists()


def test_a_wrong_check_value_is_caught(tmp_path):
    p = payload()
    p["checks"][1]["kappa"] *= 1 + 1e-6
    found, _, _ = run(tmp_path, explorers.explorer_html("kappa", p))
    assert any("differs from solve_kappa" in f for f in found)


def test_an_explorer_that_does_not_start_is_caught(tmp_path):
    div = explorers.explorer_html("kappa", payload()).replace('data-kind="kappa"',
                                                               'data-kind="nothing"')
    found, _, errors = run(tmp_path, div)
    assert any("did not start" in f for f in found) and errors


def gallery():
    g = np.random.default_rng(0)
    items = {(i, j): {"maps": [g.uniform(-1, 1, (6, 5)), g.uniform(0, 2, (6, 5))],
                      "values": {"mse": float(g.uniform())}} for i in range(3) for j in range(2)}
    return explorers.gallery_payload(
        "test gallery", [{"name": "n", "values": ["10", "100", "1000"], "control": "slider"},
                         {"name": "seed", "values": ["0", "1"], "control": "select"}],
        [{"title": "image", "cmap": "gray"}, {"title": "variance", "cmap": "magma"}], items,
        fields=[{"key": "mse", "label": "MSE"}])


def test_a_gallery_passes_and_its_controls_move_it(tmp_path):
    found, report, errors = run(tmp_path, explorers.explorer_html("gallery", gallery()))
    assert found == [] and errors == []
    assert "End key on n: setting 2,0" in report[0] and "last seed: setting 2,1" in report[0]


def test_a_gallery_showing_other_data_is_caught(tmp_path):
    """The page draws item 2,0 where the data the test reads says otherwise."""
    p = gallery()
    html = explorers.explorer_html("gallery", p)
    p["items"]["2,0"]["values"]["mse"] *= 2
    import browser
    state = {"key": "2,0", "sums": [0, 0], "shown": {"mse": str(p["items"]["2,0"]["values"]["mse"] / 2)}}
    found = browser._gallery_problems("t", "x", state, p)
    assert any("byte sums" in f for f in found) and any("shows mse" in f for f in found)
    assert html
