"""Load pages of the built book in headless Chromium and judge them as a reader would see them.

At each width of :data:`WIDTHS` (1400 px desktop, 400 px phone) a page must load with no console
error, uncaught exception, failed request or request to the network; every image loaded; at least
as many typeset formulas as its TeX source holds (:func:`tex_formulas`); and at 1400 px no display
equation wider than its column or under its number, no figure shown below :data:`MIN_SHOWN` of
its natural width, no code line wider than its box (:func:`page_problems`). The explorers on each
page are driven at 1400 px (:mod:`.browser_explorers`). A screenshot of every page at both widths
is written with :func:`rmtdiff.util.io.write_bytes`.
"""

from __future__ import annotations

import html.parser
import shutil
from pathlib import Path

from rmtdiff.util.io import write_bytes

from .browser_explorers import check_explorers

WIDTHS = {"desktop": 1400, "phone": 400}
MIN_SHOWN = 0.75          # a figure shown below this fraction of its natural width is too small
SLACK_PX = 1.0            # sub-pixel rounding allowed in width comparisons

# Measures one loaded page; returns plain data so that Python decides what is a failure.
_MEASURE = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const main = document.querySelector('main') || document.body;
  const out = {mjx: document.querySelectorAll('mjx-container').length,
               equations: [], images: [], code: []};
  for (const div of main.querySelectorAll('div.math')) {
    const svg = div.querySelector('mjx-container svg');
    const eqno = div.querySelector('.eqno');
    const d = div.getBoundingClientRect();
    const s = svg ? svg.getBoundingClientRect() : null;
    const e = eqno ? eqno.getBoundingClientRect() : null;
    out.equations.push({id: div.id || (div.textContent || '').trim().slice(0, 60),
      column: div.clientWidth, scroll: div.scrollWidth,
      eq_left: s ? s.left - d.left : null, eq_right: s ? s.right - d.left : null,
      eq_width: s ? s.width : null,
      no_left: e ? e.left - d.left : null, no_width: e ? e.width : null});
  }
  for (const img of main.querySelectorAll('img')) {
    const r = img.getBoundingClientRect();
    out.images.push({src: img.getAttribute('src'), complete: img.complete,
                     natural: img.naturalWidth, shown: r.width});
  }
  for (const pre of main.querySelectorAll('pre')) {
    if (pre.offsetParent === null) continue;              // folded (hidden) code is not read
    out.code.push({text: (pre.textContent || '').trim().split('\\n')[0].slice(0, 60),
                   box: pre.clientWidth, scroll: pre.scrollWidth});
  }
  return out;
}
"""


class _MathSource(html.parser.HTMLParser):
    """Counts the TeX formulas (``\\(`` and ``\\[`` openers) inside elements of class ``math``."""

    def __init__(self):
        super().__init__()
        self.depth = 0          # > 0 while inside a math element
        self.formulas = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth or "math" in classes:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.formulas += data.count("\\(") + data.count("\\[")


def tex_formulas(page: Path) -> int:
    """Number of formulas the page's HTML source holds for MathJax to typeset.

    Parameters
    ----------
    page : Path
        A built HTML page.
    """
    parser = _MathSource()
    parser.feed(page.read_text())
    return parser.formulas


def page_problems(name: str, width: str, m: dict, expected_math: int) -> list[str]:
    """What is wrong with a page as measured in the browser (see the module docstring).

    Parameters
    ----------
    name : str
        The page's name, for the messages.
    width : str
        A key of :data:`WIDTHS`; the layout rules apply at ``"desktop"`` only.
    m : dict
        The measurements of the page (``mjx``, ``images``, ``equations``, ``code``) that the
        page's ``_MEASURE`` script returns.
    expected_math : int
        The number of formulas its source holds (:func:`tex_formulas`).
    """
    out = []
    if m["mjx"] < expected_math:
        out.append(f"{name} @{width}: {m['mjx']} typeset formulas, the source holds {expected_math}")
    for img in m["images"]:
        if not img["complete"] or img["natural"] == 0:
            out.append(f"{name} @{width}: image {img['src']} did not load")
        elif width == "desktop" and img["shown"] < MIN_SHOWN * img["natural"] - SLACK_PX:
            out.append(f"{name} @{width}: image {img['src']} shown at "
                       f"{img['shown'] / img['natural']:.0%} of its {img['natural']} px "
                       f"(minimum {MIN_SHOWN:.0%}): make the figure narrower")
    if width != "desktop":
        return out
    for eq in m["equations"]:
        if eq["eq_width"] is None:
            out.append(f"{name}: display equation {eq['id']!r} was not typeset")
            continue
        too_wide = eq["scroll"] > eq["column"] + SLACK_PX or eq["eq_right"] > eq["column"] + SLACK_PX \
            or eq["eq_left"] < -SLACK_PX
        covered = eq["no_left"] is not None and eq["no_width"] > 0 \
            and eq["eq_right"] > eq["no_left"] + SLACK_PX
        if too_wide or covered:
            out.append(f"{name}: display equation {eq['id']!r} is {eq['eq_width']:.0f} px wide in a "
                       f"{eq['column']} px column" + (" and runs under its number" if covered else ""))
    for pre in m["code"]:
        if pre["scroll"] > pre["box"] + SLACK_PX:
            out.append(f"{name}: a line of {pre['scroll']} px in a {pre['box']} px code box "
                       f"(starting {pre['text']!r}): break the line")
    return out


def check_pages(root: Path, pages: list[str], shots: Path) -> list[str] | None:
    """Check ``pages`` in headless Chromium at every width of :data:`WIDTHS`, driving their
    explorers at 1400 px, and keep a screenshot of each.

    Parameters
    ----------
    root : Path
        The built book's HTML folder.
    pages : list of str
        Page paths without ``.html`` under ``root`` (``"book/01_same_seed"``).
    shots : Path
        The folder for the screenshots (created).

    Returns
    -------
    list of str or None
        The problems found, or ``None`` when the check cannot run here (no Chromium or no
        playwright; the reason is printed).
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if not chromium or sync_playwright is None:
        missing = "Chromium (apt-get install chromium)" if not chromium else \
            "the playwright package (pip install -e '.[dev]')"
        print(f"browser check skipped: {missing} is not installed")
        return None
    shots.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for width, px in WIDTHS.items():
            context = browser.new_context(viewport={"width": px, "height": 1000})
            for page_name in pages:
                path = root / f"{page_name}.html"
                name = Path(page_name).name
                page = context.new_page()
                events: list[str] = []
                page.on("console", lambda msg, ev=events: ev.append(f"console {msg.type}: {msg.text}")
                        if msg.type == "error" else None)
                page.on("pageerror", lambda exc, ev=events: ev.append(f"uncaught exception: {exc}"))
                page.on("requestfailed", lambda req, ev=events: ev.append(
                    f"request failed: {req.url} ({req.failure})"))
                page.on("request", lambda req, ev=events: ev.append(f"network request: {req.url}")
                        if not req.url.startswith(("file:", "data:", "blob:", "about:")) else None)
                page.goto(path.as_uri(), wait_until="load")
                measured = page.evaluate(_MEASURE)
                write_bytes(shots / f"{name}-{px}.png", page.screenshot(full_page=True))
                problems += [f"{name} @{width}: {e}" for e in events]
                problems += page_problems(name, width, measured, tex_formulas(path))
                if width == "desktop":
                    seen = len(events)
                    found, report = check_explorers(page, name, shots)
                    problems += found
                    for line in report:
                        print(f"browser {width:7s} {line}")
                    problems += [f"{name} @{width} while driving its explorers: {e}"
                                 for e in events[seen:]]
                print(f"browser {width:7s} {name}: {measured['mjx']} formulas, "
                      f"{len(measured['images'])} images, {len(measured['equations'])} display equations")
                page.close()
            context.close()
        browser.close()
    return problems
