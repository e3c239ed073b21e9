"""Load pages of the built book in headless Chromium and judge them as a reader would see them.

In each colour scheme of :data:`SCHEMES` (the reader's system preference, light and dark) and at
each width of :data:`WIDTHS` (1400 px desktop, 400 px phone) a page must load in that scheme with
no console error, uncaught exception, failed request or request to the network; every image
loaded; at least as many typeset formulas as its TeX source holds (:func:`tex_formulas`); no
serious or critical accessibility violation found by axe-core (:func:`axe_problems`: contrast,
alt text, names of controls, ...); and no display equation wider than its column or under its
number, no code line wider than its box, and at 1400 px no figure shown below
:data:`MIN_SHOWN` of its natural width (:func:`page_problems`). The explorers on each page are
driven at 1400 px in light mode (:mod:`.browser_explorers`). A screenshot of every page in every
scheme and width is written with :func:`rmtdiff.util.io.write_bytes`.
"""

from __future__ import annotations

import html.parser
import os
import shutil
from pathlib import Path

from rmtdiff.util.io import write_bytes

from .browser_explorers import check_explorers

WIDTHS = {"desktop": 1400, "phone": 400}
#: the colour schemes a reader's system may prefer; the theme follows it (``default_mode: auto``)
SCHEMES = ("light", "dark")
#: axe-core's impacts that fail the check (axe's others: minor, moderate)
AXE_FAILS = ("serious", "critical")
AXE_DEFAULT = Path(__file__).resolve().parents[2] / ".venv" / "axe" / "node_modules" / "axe-core" \
    / "axe.min.js"

# axe-core's WCAG 2 A/AA rules and best practices on the loaded page; only what Python needs
_AXE = """
async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return {theme: document.documentElement.dataset.theme || '',
          violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.length, target: v.nodes.length ? String(v.nodes[0].target) : ''}))};
}
"""


def axe_problems(name: str, where: str, result: dict, scheme: str) -> list[str]:
    """The serious and critical accessibility violations axe-core found on a page, and a page
    that did not take the reader's colour scheme.

    Parameters
    ----------
    name : str
        The page's name, for the messages.
    where : str
        Width and scheme (``"phone/dark"``), for the messages.
    result : dict
        What ``_AXE`` returned: ``theme`` (the theme's ``data-theme``) and ``violations``.
    scheme : str
        The colour scheme the browser prefers.

    >>> axe_problems("02_kappa", "desktop/dark", {"theme": "light", "violations": [
    ...     {"id": "color-contrast", "impact": "serious", "help": "Contrast", "nodes": 2,
    ...      "target": "#x"}, {"id": "region", "impact": "moderate", "help": "", "nodes": 1,
    ...      "target": ""}]}, "dark")   # doctest: +NORMALIZE_WHITESPACE
    ['02_kappa @desktop/dark: the page is in light mode, the reader prefers dark',
     '02_kappa @desktop/dark: axe color-contrast (serious): Contrast; 2 element(s), e.g. #x']
    """
    out = []
    if result["theme"] != scheme:
        out.append(f"{name} @{where}: the page is in {result['theme'] or 'no'} mode, the reader "
                   f"prefers {scheme}")
    out += [f"{name} @{where}: axe {v['id']} ({v['impact']}): {v['help']}; {v['nodes']} "
            f"element(s), e.g. {v['target']}" for v in result["violations"]
            if v["impact"] in AXE_FAILS]
    return out

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
      scrolls: ['auto', 'scroll'].includes(getComputedStyle(div).overflowX),
      eq_left: s ? s.left - d.left : null, eq_right: s ? s.right - d.left : null,
      eq_width: s ? s.width : null,
      no_left: e ? e.left - d.left : null, no_width: e ? e.width : null,
      // the number beside the equation (same lines) rather than above or below it
      beside: !!(s && e && e.top < s.bottom - 1 && e.bottom > s.top + 1)});
  }
  const scroller = (el) => {          // the nearest ancestor that scrolls sideways, if any
    for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return p;
    }
    return null;
  };
  for (const img of main.querySelectorAll('img')) {
    const r = img.getBoundingClientRect();
    const box = scroller(img);
    out.images.push({src: img.getAttribute('src'), complete: img.complete,
                     natural: img.naturalWidth, shown: r.width, column: main.clientWidth,
                     scrolls: !!box,
                     cue: !!box && getComputedStyle(box).backgroundImage !== 'none'});
  }
  out.tables = [];
  for (const t of main.querySelectorAll('table')) {
    if (t.offsetParent === null) continue;                // in a closed dropdown
    const box = scroller(t);
    const first = t.querySelector('tbody tr > :first-child, tr > :first-child');
    out.tables.push({id: (t.querySelector('th, td') || t).textContent.trim().slice(0, 40),
      width: t.getBoundingClientRect().width, column: main.clientWidth,
      scrolls: !!box, cue: !!box && getComputedStyle(box).backgroundImage !== 'none',
      sticky: !!first && getComputedStyle(first).position === 'sticky'});
  }
  for (const pre of main.querySelectorAll('pre')) {
    if (pre.offsetParent === null) continue;              // folded (hidden) code is not read
    out.code.push({text: (pre.textContent || '').trim().split('\\n')[0].slice(0, 60),
                   box: pre.clientWidth, scroll: pre.scrollWidth,
                   scrolls: ['auto', 'scroll'].includes(getComputedStyle(pre).overflowX)});
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

    At both widths: the formulas typeset, the images loaded, no equation under its number, and
    anything wider than the column (an equation, a table, a figure, a line of code) in a box
    that scrolls sideways; a wide table or figure also shows a scroll cue, and
    a wide table keeps its first (key) column in view. At 1400 px no equation or code line may
    need that scroll and no figure is shrunk below :data:`MIN_SHOWN`; at 400 px a figure is not shrunk below it
    either (its legend would be illegible) but scrolls instead.

    Parameters
    ----------
    name : str
        The page's name, for the messages.
    width : str
        A key of :data:`WIDTHS`.
    m : dict
        The measurements of the page (``mjx``, ``images``, ``equations``, ``code``, ``tables``)
        that the page's ``_MEASURE`` script returns.
    expected_math : int
        The number of formulas its source holds (:func:`tex_formulas`).
    """
    out = []
    desktop = width == "desktop"
    if m["mjx"] < expected_math:
        out.append(f"{name} @{width}: {m['mjx']} typeset formulas, the source holds {expected_math}")
    for img in m["images"]:
        if not img["complete"] or img["natural"] == 0:
            out.append(f"{name} @{width}: image {img['src']} did not load")
        elif img["shown"] < MIN_SHOWN * img["natural"] - SLACK_PX:
            out.append(f"{name} @{width}: image {img['src']} shown at "
                       f"{img['shown'] / img['natural']:.0%} of its {img['natural']} px "
                       f"(minimum {MIN_SHOWN:.0%})"
                       + (": make the figure narrower" if desktop else
                          ": on a phone it should scroll sideways instead"))
        elif img["shown"] > img.get("column", img["shown"]) + SLACK_PX and \
                not (img.get("scrolls") and img.get("cue")):
            out.append(f"{name} @{width}: image {img['src']} is {img['shown']:.0f} px wide in a "
                       f"{img['column']} px column without a sideways scroll and its cue")
    for eq in m["equations"]:
        if eq["eq_width"] is None:
            out.append(f"{name} @{width}: display equation {eq['id']!r} was not typeset")
            continue
        wide = eq["scroll"] > eq["column"] + SLACK_PX or eq["eq_right"] > eq["column"] + SLACK_PX \
            or eq["eq_left"] < -SLACK_PX
        covered = eq["no_left"] is not None and eq["no_width"] > 0 and eq.get("beside", True) \
            and eq["eq_right"] > eq["no_left"] + SLACK_PX
        too_wide = wide and (desktop or not eq.get("scrolls"))
        if too_wide or covered:
            out.append(f"{name} @{width}: display equation {eq['id']!r} is {eq['eq_width']:.0f} px "
                       f"wide in a {eq['column']} px column"
                       + (" and runs under its number" if covered else ""))
    for pre in m["code"]:       # on a phone a line of code may scroll sideways (not be cut)
        if pre["scroll"] > pre["box"] + SLACK_PX and (desktop or not pre.get("scrolls")):
            out.append(f"{name} @{width}: a line of {pre['scroll']} px in a {pre['box']} px code "
                       f"box (starting {pre['text']!r}): break the line")
    for t in m.get("tables", []):
        if t["width"] <= t["column"] + SLACK_PX:
            continue
        missing = [what for what, ok in (("a sideways scroll", t["scrolls"]),
                                         ("a scroll cue", t["cue"]),
                                         ("its first column kept in view", t["sticky"])) if not ok]
        if missing:
            out.append(f"{name} @{width}: table {t['id']!r} is {t['width']:.0f} px wide in a "
                       f"{t['column']} px column without " + ", ".join(missing))
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
    axe = Path(os.environ.get("RMTDIFF_AXE", AXE_DEFAULT))
    if not axe.is_file():
        return [f"axe-core not found at {axe}: run `make setup` (npm install of axe-core) or set "
                "RMTDIFF_AXE to a copy of axe.min.js"]
    shots.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for scheme in SCHEMES:
            for width, px in WIDTHS.items():
                context = browser.new_context(viewport={"width": px, "height": 1000},
                                              color_scheme=scheme)
                for page_name in pages:
                    problems += _check_page(context, root / f"{page_name}.html", width, scheme,
                                            shots, axe)
                context.close()
        browser.close()
    return problems


def _check_page(context, path: Path, width: str, scheme: str, shots: Path, axe: Path) -> list[str]:
    """Load one page in ``context`` and judge it (see :func:`check_pages`)."""
    name, px = path.stem, WIDTHS[width]
    where = f"{width}/{scheme}"
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
    suffix = "" if scheme == "light" else f"-{scheme}"
    write_bytes(shots / f"{name}-{px}{suffix}.png", page.screenshot(full_page=True))
    problems = [f"{name} @{where}: {e}" for e in events]
    problems += page_problems(name, width, measured, tex_formulas(path))
    if width == "desktop" and scheme == "light":
        seen = len(events)
        found, report = check_explorers(page, name, shots)
        problems += found
        for line in report:
            print(f"browser {width:7s} {line}")
        problems += [f"{name} @{where} while driving its explorers: {e}" for e in events[seen:]]
    page.add_script_tag(path=str(axe))
    problems += axe_problems(name, where, page.evaluate(_AXE), scheme)
    print(f"browser {where:13s} {name}: {measured['mjx']} formulas, "
          f"{len(measured['images'])} images, {len(measured['equations'])} display equations")
    page.close()
    return problems
