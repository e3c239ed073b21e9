"""Drive the book's interactive explorers in headless Chromium and compare what they show with
their data: the kappa explorer against :func:`rmtdiff.solve_kappa` (its JavaScript solver at the
chapter's check points, and the state after arrow keys, a mouse drag and another spectrum), a
gallery against its payload for each setting chosen. Screenshots of each explorer in two states
are written with :func:`rmtdiff.util.io.write_bytes`.
"""

from __future__ import annotations

import json
from pathlib import Path

from rmtdiff.util.io import write_bytes


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
            columns: Number((root.querySelector(".rmt-gallery") || {dataset: {}}).dataset.columns),
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
    for key in [k for f in payload["fields"] for k in (f["key"], f.get("reference")) if k]:
        shown, value = float(state["shown"][key]), item["values"][key]
        if abs(shown - value) > 1e-3 * abs(value):
            out.append(f"{name}: gallery ({label}) shows {key} = {shown}, its data holds "
                       f"{value} for setting {state['key']}")
    group, columns = payload.get("group", 1), state.get("columns")
    if columns and columns >= group and columns % group:
        out.append(f"{name}: gallery ({label}) lays out {columns} panels a row, splitting its "
                   f"groups of {group}")
    return out


def _check_gallery(page, root, name: str, i: int, payload: dict, shots: Path):
    states = {"start": page.evaluate(_GALLERY_STATE, root)}
    write_bytes(shots / f"{name}-explorer{i}-start.png", root.screenshot())
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
    write_bytes(shots / f"{name}-explorer{i}-moved.png", root.screenshot())
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
    its data; keep a screenshot of each in two states.

    Parameters
    ----------
    page : playwright.sync_api.Page
        A loaded page (the explorers' script has run).
    name : str
        The page's name, for messages and screenshot file names.
    shots : Path
        The folder for the screenshots (``<name>-explorer<i>-start.png`` and ``-moved.png``).

    Returns
    -------
    tuple of (list of str, list of str)
        The problems found, and one report line per explorer.
    """
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
        write_bytes(shots / f"{name}-explorer{i}-start.png", root.screenshot())
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
        write_bytes(shots / f"{name}-explorer{i}-moved.png", root.screenshot())
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
