"""Data for the book's interactive explorers (plain JavaScript in ``book/_assets/explorers.js``).

A chapter computes an explorer's payload while it executes and displays :func:`explorer_html`:
a ``<div class="rmt-explorer">`` that carries the payload as JSON inside the page. The static HTML
then needs no kernel, no network and no second file (pages opened from ``file://`` cannot fetch
files), and the payload is part of the executed notebook, so it is rebuilt whenever the chapter
is and cannot go stale. :func:`write_payload` also writes it as a JSON file for other uses.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import os
from pathlib import Path

import numpy as np

from ..util.checks import as_array
from ..util.io import write_json
from ..theory.kappa import solve_kappa

KINDS = ("kappa", "gallery")
CMAPS = ("gray", "magma", "diverging", "rgb")   #: colour maps the JavaScript knows ("rgb":
                                                #: colour images (3, h, w) in [-1, 1])


def kappa_payload(spectra: dict, n_range=(10.0, 1e5), sigma_range=(1e-3, 10.0),
                  checks_per_spectrum: int = 6, seed: int = 0) -> dict:
    r"""Payload of the kappa explorer: each spectrum's eigenvalues, the slider ranges, and check
    points :math:`(n, s, \kappa)` from :func:`rmtdiff.solve_kappa` that the browser test compares
    the JavaScript solver with.

    Parameters
    ----------
    spectra : dict name -> eigenvalues (1-D, ``>= 0``, at least one positive)
    n_range, sigma_range : (low, high) of the log sliders for ``n`` and ``sigma``

    Examples
    --------
    >>> p = kappa_payload({"flat": [1.0, 1.0]}, checks_per_spectrum=2)
    >>> sorted(p), len(p["checks"])
    (['checks', 'n_range', 'sigma_range', 'spectra'], 2)
    """
    if not spectra:
        raise ValueError("spectra must hold at least one named spectrum")
    lo_n, hi_n = (float(v) for v in n_range)
    lo_s, hi_s = (float(v) for v in sigma_range)
    if not (0 < lo_n < hi_n and 0 < lo_s < hi_s):
        raise ValueError(f"n_range and sigma_range must be increasing positive pairs; got "
                         f"{n_range}, {sigma_range}")
    rng = np.random.default_rng(seed)
    out = {"spectra": [], "n_range": [lo_n, hi_n], "sigma_range": [lo_s, hi_s], "checks": []}
    for name, eigs in spectra.items():
        lam = np.sort(as_array(eigs, f"spectra[{name!r}]", ndim=1))[::-1]
        if np.any(lam < 0) or not np.any(lam > 0):
            raise ValueError(f"spectra[{name!r}] must be >= 0 with at least one positive value")
        out["spectra"].append({"name": str(name), "eigs": lam.tolist()})
        n = np.exp(rng.uniform(np.log(lo_n), np.log(hi_n), checks_per_spectrum))
        sg = np.exp(rng.uniform(np.log(lo_s), np.log(hi_s), checks_per_spectrum))
        sg[0] = 0.0                                             # kappa_0 as well
        for ni, si in zip(n, sg):
            out["checks"].append({"spectrum": str(name), "n": float(ni), "s": float(si**2),
                                  "kappa": float(solve_kappa(si**2, lam, ni))})
    return out


def _encode(img: np.ndarray, cmap: str) -> tuple[str, list[float]]:
    """A grey map as base64 uint8 and its value range: [-1, 1] for ``gray`` (pixels), [0, max]
    for ``magma``, [-m, m] for ``diverging``."""
    img = np.asarray(img, dtype=np.float64)
    if cmap == "rgb":
        img = np.moveaxis(img, 0, -1)                   # (h, w, 3): bytes in pixel order
    if cmap in ("gray", "rgb"):
        lo, hi = -1.0, 1.0
    elif cmap == "magma":
        lo, hi = 0.0, float(img.max()) or 1.0
    else:
        hi = float(np.abs(img).max()) or 1.0
        lo = -hi
    q = np.clip(np.round((img - lo) / (hi - lo) * 255), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii"), [lo, hi]


def gallery_payload(title: str, axes: list[dict], panels: list[dict], items: dict,
                    fields: list[dict] | None = None) -> dict:
    """Payload of a gallery explorer: one set of grey maps (and numbers) per combination of the
    axes' values, chosen with sliders or menus.

    Parameters
    ----------
    axes : list of {"name", "values" (labels), "control": "slider" or "select"}
    panels : list of {"title", "cmap" in :data:`CMAPS`}; every map is (h, w), or (3, h, w) for
        ``"rgb"``
    items : dict mapping a tuple of axis indices to {"maps": [one (h, w) array per panel],
        "values": {field key: float}}; every combination must be present
    fields : list of {"key", "label"}: the numbers shown under the maps

    Examples
    --------
    >>> p = gallery_payload("t", [{"name": "n", "values": ["1", "2"], "control": "slider"}],
    ...                     [{"title": "a", "cmap": "gray"}],
    ...                     {(0,): {"maps": [np.zeros((2, 2))]}, (1,): {"maps": [np.ones((2, 2))]}})
    >>> sorted(p["items"]), p["items"]["1"]["maps"][0]
    (['0', '1'], '/////w==')
    """
    fields = fields or []
    for ax in axes:
        if ax.get("control", "select") not in ("slider", "select") or not ax.get("values"):
            raise ValueError(f"axis {ax.get('name')!r} needs values and a control 'slider' or "
                             "'select'")
    for p in panels:
        if p.get("cmap") not in CMAPS:
            raise ValueError(f"panel {p.get('title')!r}: cmap must be one of {CMAPS}")
    out_items = {}
    for combo in itertools.product(*(range(len(ax["values"])) for ax in axes)):
        if combo not in items:
            raise ValueError(f"gallery {title!r} has no item for axis indices {combo}")
        item = items[combo]
        if len(item["maps"]) != len(panels):
            raise ValueError(f"item {combo} has {len(item['maps'])} maps for {len(panels)} panels")
        shapes = {np.shape(m)[-2:] for m in item["maps"]}
        bad = [np.shape(m) for m, p in zip(item["maps"], panels)
               if np.ndim(m) != (3 if p["cmap"] == "rgb" else 2)
               or (p["cmap"] == "rgb" and np.shape(m)[0] != 3)]
        if len(shapes) != 1 or bad:
            raise ValueError(f"item {combo}: maps must be (h, w) ((3, h, w) for rgb panels) of "
                             f"one size; got {[np.shape(m) for m in item['maps']]}")
        enc = [_encode(m, p["cmap"]) for m, p in zip(item["maps"], panels)]
        out_items[",".join(map(str, combo))] = {
            "maps": [e[0] for e in enc], "ranges": [e[1] for e in enc],
            "values": {f["key"]: float(item.get("values", {})[f["key"]]) for f in fields}}
    h, w = next(iter(shapes))
    return {"title": title, "axes": [{"name": a["name"], "values": [str(v) for v in a["values"]],
                                      "control": a.get("control", "select")} for a in axes],
            "panels": [{"title": p["title"], "cmap": p["cmap"]} for p in panels],
            "fields": fields, "shape": [int(h), int(w)], "items": out_items}


def explorer_html(kind: str, payload: dict, title: str = "") -> str:
    """The explorer's placeholder ``div`` with its payload as inline JSON (what a chapter displays
    with ``IPython.display.HTML``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    data = data.replace("</", "<\\/")                  # never close the script element early
    return (f'<div class="rmt-explorer" data-kind="{kind}" aria-label="{html.escape(title)}">'
            f'<script type="application/json" class="rmt-explorer-data">{data}</script>'
            f'<noscript>This explorer needs JavaScript.</noscript></div>')


def write_payload(payload: dict, path: str | os.PathLike) -> Path:
    """Write the payload as JSON (atomically: :func:`rmtdiff.util.io.write_json`)."""
    return write_json(path, payload, indent=None)
