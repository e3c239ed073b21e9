"""The browser check's page rules (tools/booktool/browser_pages.py) in Chromium, on small pages
the test writes: a page that follows the reader's colour scheme and passes axe-core, and one
with an unlabelled image, illegible text and a wide table without a scroll, which fail. Needs
Chromium, playwright and axe-core (skipped otherwise, like the book's check)."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from booktool import browser_pages  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
              pytest.mark.skipif(not browser_pages.AXE_DEFAULT.is_file(),
                                 reason="axe-core is not installed (make setup)")]

# the theme's start-up in miniature: data-theme follows the reader's preference
THEME = ('<script>document.documentElement.dataset.theme = '
         'matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";</script>'
         '<style>html[data-theme=dark] body {background: #121212; color: #eee}'
         ' body {background: #fff; color: #222}</style>')
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
       "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def page(tmp_path: Path, name: str, body: str, head: str = THEME) -> str:
    (tmp_path / f"{name}.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        f'{head}</head><body><main><h1>{name}</h1>{body}</main></body></html>')
    return name


def test_a_good_page_passes_in_both_schemes_and_widths(tmp_path):
    name = page(tmp_path, "good", f'<p>Text.</p><figure><img src="{PNG}" alt="a dot"></figure>')
    assert browser_pages.check_pages(tmp_path, [name], tmp_path / "shots") == []
    shots = sorted(p.name for p in (tmp_path / "shots").iterdir())
    assert shots == ["good-1400-dark.png", "good-1400.png", "good-400-dark.png", "good-400.png"]


def test_missing_alt_low_contrast_a_fixed_scheme_and_a_wide_table_fail(tmp_path):
    table = "<table><tr>" + "".join(f"<td>column {i} with words</td>" for i in range(12)) + \
        "</tr></table>"
    name = page(tmp_path, "bad", f'<img src="{PNG}"><p style="color:#bbb;background:#fff">'
                f'faint</p>{table}', head="")
    found = browser_pages.check_pages(tmp_path, [name], tmp_path / "shots")
    text = "\n".join(found)
    assert "axe image-alt (critical)" in text
    assert "axe color-contrast (serious)" in text
    assert "the page is in no mode, the reader prefers dark" in text
    assert "without a sideways scroll, a scroll cue, its first column kept in view" in text
