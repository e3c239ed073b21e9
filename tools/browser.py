"""Load every page of the built book in headless Chromium and check it as a reader would see it.

Usage (``tools/book.py check`` calls :func:`check_pages`; this file also runs on its own):

    python tools/browser.py _build/site/ci/_build/html book/intro book/01_same_seed ...

At each width (1400 px desktop, 400 px phone) every page must load with

* no console error and no uncaught exception;
* no failed request and no request to the network (everything is served from ``file://``);
* every image loaded;
* at least as many typeset formulas (MathJax ``mjx-container``) as the page's TeX source holds;

and at 1400 px, in addition,

* no display equation wider than its column, and no equation number on top of its equation;
* every figure shown at 75% of its natural width or more (so its text stays legible);
* no line of code or printed output wider than its box (a cut line is a line nobody reads).

A screenshot of every page at both widths is kept in ``_build/screenshots/<scale>/``. The check
needs Chromium (Debian: ``apt-get install chromium``) and the ``playwright`` Python package (the
``dev`` extra); without either it is skipped with a message saying how to install it.
"""

from __future__ import annotations

import html.parser
import shutil
import sys
from pathlib import Path

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
    """Number of formulas the page's HTML source holds for MathJax to typeset."""
    parser = _MathSource()
    parser.feed(page.read_text())
    return parser.formulas


def _problems(name: str, width: str, m: dict, expected_math: int) -> list[str]:
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


_EXPLORER_STATE = """
(root) => ({kind: root.dataset.kind, ready: root.dataset.ready === "1",
            spectrum: root.dataset.spectrum, n: Number(root.dataset.n), s: Number(root.dataset.s),
            kappa: Number(root.dataset.kappa), kappa0: Number(root.dataset.kappa0),
            shown: Object.fromEntries([...root.querySelectorAll("[data-field]")].map(
              (e) => [e.dataset.field, e.textContent]))})
"""


def _kappa_problems(name: str, label: str, state: dict, payload: dict) -> list[str]:
    """The state the page shows must be solve_kappa of its own n, s and spectrum (1e-8)."""
    from rmtdiff import solve_kappa

    eigs = next(sp["eigs"] for sp in payload["spectra"] if sp["name"] == state["spectrum"])
    want = float(solve_kappa(state["s"], eigs, state["n"]))
    want0 = float(solve_kappa(0.0, eigs, state["n"]))
    out = []
    for got, ref, what in ((state["kappa"], want, "kappa"), (state["kappa0"], want0, "kappa_0")):
        if abs(got - ref) > 1e-8 * abs(ref) + (0.0 if ref else 1e-300):
            out.append(f"{name}: kappa explorer ({label}) shows {what} = {got!r} at n = "
                       f"{state['n']}, s = {state['s']}, but solve_kappa gives {ref!r}")
    return out


_GALLERY_STATE = """
(root) => ({key: root.dataset.key,
            sums: [...root.querySelectorAll("canvas")].map((c) => Number(c.dataset.sum)),
            shown: Object.fromEntries([...root.querySelectorAll("[data-field]")].map(
              (e) => [e.dataset.field, e.textContent]))})
"""


def _gallery_problems(name: str, label: str, state: dict, payload: dict) -> list[str]:
    """The maps drawn and the numbers shown must be the payload's for the selected setting."""
    import base64

    item = payload["items"].get(state["key"])
    if item is None:
        return [f"{name}: gallery ({label}) selected {state['key']!r}, which its data lacks"]
    out = []
    want = [sum(base64.b64decode(m)) for m in item["maps"]]
    if state["sums"] != want:
        out.append(f"{name}: gallery ({label}, setting {state['key']}) draws maps with byte sums "
                   f"{state['sums']}, its data holds {want}")
    for f in payload["fields"]:
        shown, value = float(state["shown"][f["key"]]), item["values"][f["key"]]
        if abs(shown - value) > 1e-3 * abs(value):
            out.append(f"{name}: gallery ({label}) shows {f['key']} = {shown}, its data holds "
                       f"{value} for setting {state['key']}")
    return out


def _check_gallery(page, root, name: str, i: int, payload: dict, shots: Path):
    states = {"start": page.evaluate(_GALLERY_STATE, root)}
    root.screenshot(path=str(shots / f"{name}-explorer{i}-start.png"))
    controls = root.query_selector_all(".rmt-controls input, .rmt-controls select")
    for ax, control in zip(payload["axes"], controls):
        if len(ax["values"]) < 2:
            continue
        if ax["control"] == "slider":
            control.focus()
            page.keyboard.press("End")
            label = f"End key on {ax['name']}"
        else:
            control.select_option(str(len(ax["values"]) - 1))
            label = f"last {ax['name']}"
        states[label] = page.evaluate(_GALLERY_STATE, root)
    root.screenshot(path=str(shots / f"{name}-explorer{i}-moved.png"))
    problems, prev = [], None
    for label, st in states.items():
        problems += _gallery_problems(name, label, st, payload)
        if prev is not None and st["key"] == prev["key"]:
            problems.append(f"{name}: gallery {payload['title']!r} did not change after {label}")
        prev = st
    line = (f"explorer gallery {payload['title']!r} on {name}: "
            + "; ".join(f"{k}: setting {v['key']}, " + ", ".join(
                f"{f} = {t}" for f, t in v["shown"].items()) for k, v in states.items()))
    return problems, line


def check_explorers(page, name: str, shots: Path) -> tuple[list[str], list[str]]:
    """Drive every explorer on ``page`` with real input events and compare what it shows with
    its data; keep a screenshot of each in two states. Returns (problems, report lines)."""
    import json

    problems, report = [], []
    roots = page.query_selector_all(".rmt-explorer")
    for i, root in enumerate(roots):
        kind = root.get_attribute("data-kind")
        raw = root.query_selector("script.rmt-explorer-data").text_content()
        payload = json.loads(raw)
        state = page.evaluate(_EXPLORER_STATE, root)
        if not state["ready"]:
            problems.append(f"{name}: explorer {i} ({kind}) did not start")
            continue
        if kind == "gallery":
            found, line = _check_gallery(page, root, name, i, payload, shots)
            problems += found
            report.append(line + f"; {len(raw) / 1024:.1f} KiB of data")
            continue
        if kind != "kappa":
            problems.append(f"{name}: explorer {i} has no browser test for kind {kind!r}")
            continue
        # 1. the JavaScript solver against solve_kappa at the chapter's check points
        worst = 0.0
        for c in payload["checks"]:
            eigs = next(sp["eigs"] for sp in payload["spectra"] if sp["name"] == c["spectrum"])
            got = page.evaluate("([l, n, s]) => rmtExplorers.solveKappa(l, n, s)",
                                [eigs, c["n"], c["s"]])
            err = abs(got - c["kappa"]) / c["kappa"] if c["kappa"] else abs(got)
            worst = max(worst, err)
        if worst > 1e-8:
            problems.append(f"{name}: JavaScript kappa differs from solve_kappa by {worst:.2e} "
                            f"(relative; allowed 1e-8) at the chapter's check points")
        # 2. real input events: arrow keys on n, a mouse drag on sigma, another spectrum
        states = {"start": state}
        problems += _kappa_problems(name, "start", state, payload)
        root.screenshot(path=str(shots / f"{name}-explorer{i}-start.png"))
        n_input, s_input = root.query_selector_all("input[type=range]")[:2]
        n_input.focus()
        for _ in range(150):
            page.keyboard.press("ArrowRight")
        states["n+150 keys"] = page.evaluate(_EXPLORER_STATE, root)
        box = s_input.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        states["sigma dragged"] = page.evaluate(_EXPLORER_STATE, root)
        select = root.query_selector("select")
        options = [o.get_attribute("value") for o in select.query_selector_all("option")]
        select.select_option(options[-1])
        states["last spectrum"] = page.evaluate(_EXPLORER_STATE, root)
        root.screenshot(path=str(shots / f"{name}-explorer{i}-moved.png"))
        prev = state
        for label, st in list(states.items())[1:]:
            problems += _kappa_problems(name, label, st, payload)
            if st["shown"] == prev["shown"]:
                problems.append(f"{name}: kappa explorer did not change after {label}")
            prev = st
        if not states["n+150 keys"]["n"] > state["n"]:
            problems.append(f"{name}: arrow keys did not raise n in the kappa explorer")
        if not states["sigma dragged"]["s"] < states["n+150 keys"]["s"]:
            problems.append(f"{name}: dragging the sigma slider left did not lower sigma")
        if states["last spectrum"]["spectrum"] == state["spectrum"]:
            problems.append(f"{name}: choosing another spectrum did not change it")
        report.append(f"explorer {kind} on {name}: {len(raw) / 1024:.1f} KiB of data; "
                      + "; ".join(f"{k}: n = {v['n']:.4g}, sigma = {v['s'] ** 0.5:.3g}, "
                                  f"kappa = {v['kappa']:.4g} ({v['spectrum']})"
                                  for k, v in states.items())
                      + f"; JS vs solve_kappa at {len(payload['checks'])} points: {worst:.1e}")
    return problems, report


def check_pages(root: Path, pages: list[str], shots: Path) -> list[str] | None:
    """Check ``pages`` (paths without ``.html`` under ``root``); return the problems found, or
    ``None`` when the browser check cannot run here (the reason is printed)."""
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
                page.screenshot(path=str(shots / f"{name}-{px}.png"), full_page=True)
                problems += [f"{name} @{width}: {e}" for e in events]
                problems += _problems(name, width, measured, tex_formulas(path))
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


if __name__ == "__main__":
    site_root = Path(sys.argv[1]).resolve()
    found = check_pages(site_root, sys.argv[2:], Path("_build/screenshots/manual"))
    print("\n".join(found or ["no problems"]))
    sys.exit(1 if found else 0)
