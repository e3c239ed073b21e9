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
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..core.linear_diffusion import gaussian_denoiser
from ..core.spectra import Gaussian
from ..util.checks import as_array
from ..util.io import write_json
from ..theory.fluctuations import pixel_variance
from ..theory.kappa import solve_kappa

KINDS = ("kappa", "gallery")
CMAPS = ("gray", "magma", "diverging", "rgb")   #: colour maps the JavaScript knows ("rgb":
                                                #: colour images (3, h, w) in [-1, 1])
CLOSURE_NAMES = {"gaussian": "Gaussian"}        #: how the seed explorer names a closure


def kappa_payload(spectra: dict, n_range: tuple[float, float] = (10.0, 1e5),
                  sigma_range: tuple[float, float] = (1e-3, 10.0),
                  checks_per_spectrum: int = 6, seed: int = 0) -> dict:
    r"""Payload of the kappa explorer: each spectrum's eigenvalues, the slider ranges, and check
    points :math:`(n, s, \kappa)` from :func:`rmtdiff.solve_kappa` that the browser test compares
    the JavaScript solver with.

    Parameters
    ----------
    spectra : dict name -> eigenvalues (1-D, ``>= 0``, at least one positive)
    n_range, sigma_range : (low, high) of the log sliders for ``n`` and ``sigma``
    checks_per_spectrum : int
        Check points per spectrum (the first at ``sigma = 0``, i.e. :math:`\kappa_0`).
    seed : int
        Seed of the generator that draws the check points.

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
                    fields: list[dict] | None = None, group: int = 1) -> dict:
    """Payload of a gallery explorer: one set of grey maps (and numbers) per combination of the
    axes' values, chosen with sliders or menus.

    Parameters
    ----------
    title : str
        Shown above the explorer.
    axes : list of {"name", "values" (labels), "control": "slider" or "select"}
    panels : list of {"title", "cmap" in :data:`CMAPS`}; every map is (h, w), or (3, h, w) for
        ``"rgb"``
    items : dict mapping a tuple of axis indices to {"maps": [one (h, w) array per panel],
        "values": {field key: float}}; every combination must be present
    fields : list of {"key", "label"} or {"key", "label", "reference"}: the numbers shown
        under the maps; a field with a ``reference`` (another key of the items' values) is shown
        with that number beside it, e.g. the MSE between different seeds
    group : int
        Panels that belong together (a model's two splits, say): rows of the gallery hold whole
        groups, so none is split across rows. ``len(panels)`` must be a multiple of it.

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
    if group < 1 or len(panels) % group:
        raise ValueError(f"group must divide the {len(panels)} panels; got {group}")
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
            "values": {k: float(item.get("values", {})[k]) for f in fields
                       for k in (f["key"], f.get("reference")) if k}}
    h, w = next(iter(shapes))
    return {"title": title, "axes": [{"name": a["name"], "values": [str(v) for v in a["values"]],
                                      "control": a.get("control", "select")} for a in axes],
            "panels": [{"title": p["title"], "cmap": p["cmap"]} for p in panels],
            "fields": fields, "shape": [int(h), int(w)], "group": int(group),
            "items": out_items}


def disagreement_payload(pair: Sequence[Gaussian], population: Gaussian, n: int,
                         test_images: np.ndarray, noise: np.ndarray, sigmas: Sequence[float],
                         image_shape: tuple[int, ...]) -> dict:
    r"""Gallery payload of chapter 3's disagreement map: for every noise level and held-out
    image, the noisy input, the difference of two splits' denoised outputs and the predicted
    per-pixel variance of one split's output (:func:`rmtdiff.pixel_variance`, own means).

    Parameters
    ----------
    pair : two Gaussians
        Two splits of ``n`` images in population-mode coordinates, each with its own mean
        (:func:`rmtdiff.experiments.montecarlo.data_splits` with ``own_mean=True``).
    population : Gaussian
        Mean (d,), eigenvalues (d,) and full eigenbasis (d, d) of the population.
    n : int
        Images per split (for the prediction and the title).
    test_images : ndarray, shape (m, d)
        Held-out images, in pixels; the menu's entries.
    noise : ndarray, shape (d,)
        One noise draw, scaled by each noise level.
    sigmas : sequence of float, length S
        Noise levels of the slider.
    image_shape : tuple
        How one row is shown: (h, w) (grey maps).

    Returns
    -------
    dict
        :func:`gallery_payload` with axes (sigma: S, test image: m), three panels and the fields
        ``measured`` (the pair's squared distance per pixel) and ``predicted``
        (:math:`2\sum_p \mathrm{Var}_p / d`).
    """
    test_images = as_array(test_images, "test_images", ndim=2)
    noise = as_array(noise, "noise", ndim=1)
    if len(pair) != 2:
        raise ValueError(f"pair must hold two splits; got {len(pair)}")
    items = {}
    for i, sg in enumerate(sigmas):
        noisy = test_images + sg * noise
        c = (noisy - population.mean) @ population.eigvecs
        outs = [gaussian_denoiser(sp, c, sg) @ population.eigvecs.T for sp in pair]
        var = pixel_variance(sg**2, population.eigvals, n, population.eigvecs, c,
                             mean="estimated")
        for j in range(len(test_images)):
            d_ij = outs[0][j] - outs[1][j]
            maps = [m.reshape(image_shape) for m in (noisy[j], d_ij, var[j])]
            items[i, j] = {"maps": maps,
                           "values": {"measured": float((d_ij**2).mean()),
                                      "predicted": float(2 * var[j].mean())}}
    return gallery_payload(
        f"Two splits of n = {n}: where they disagree",
        [{"name": "σ", "values": [f"{s:.2g}" for s in sigmas], "control": "slider"},
         {"name": "test image",
          "values": [f"test {k}" for k in range(1, len(test_images) + 1)],
          "control": "select"}],
        [{"title": "noisy input", "cmap": "gray"},
         {"title": "split 1 − split 2", "cmap": "diverging"},
         {"title": "predicted variance", "cmap": "magma"}],
        items, fields=[{"key": "measured", "label": "squared distance per pixel"},
                       {"key": "predicted", "label": "predicted"}])


def _image_cmap(image_shape: tuple[int, ...]) -> str:
    return "rgb" if len(image_shape) == 3 else "gray"


def networks_payload(samples: Mapping[tuple[str, int, int], np.ndarray],
                     nearest: Mapping[tuple[str, int, int], np.ndarray],
                     cross: Mapping[str, np.ndarray], predicted: Mapping[str, np.ndarray],
                     n_values: Sequence[int], archs: Sequence[str],
                     image_shape: tuple[int, ...], shown: int = 16) -> dict:
    """Gallery payload of chapter 5's seed explorer: for every ``n`` and each of the first
    ``shown`` seeds, every network's and the linear model's images under both splits beside the
    nearest training image of each sample's own split, with the same-seed MSEs (each beside the
    MSE between the split-1 image of that seed and the split-2 image of the next seed: what
    unrelated samples give) and the linear theory's predictions. A model's four panels form one
    row group; both controls are sliders.

    Parameters
    ----------
    samples : mapping (model, n, split) -> ndarray, shape (S, d)
        The images of the seed bank of each architecture of ``archs`` and of ``"linear"``, for
        split 1 and 2 of every ``n``.
    nearest : mapping (model, n, split) -> ndarray, shape (S, d)
        The nearest training image of each sample in its own split
        (:meth:`rmtdiff.experiments.memorisation.NearestStatistics.nearest_images`).
    cross : mapping model -> ndarray, shape (k, S)
        Same-seed MSE between the two splits' images, for each model, at every ``n``.
    predicted : mapping closure -> ndarray, shape (k, >= shown)
        The theory's same-seed MSE per seed (:func:`rmtdiff.predict_cross_split_mse`), shown as
        ``theory (<closure>)``.
    n_values : sequence of int, length k
    archs : sequence of str
    image_shape : tuple
        (h, w) for grey images, (3, h, w) for colour ones; pixels are clipped to [-1, 1].
    shown : int
        Seeds in the menu (at most S).

    Returns
    -------
    dict
        :func:`gallery_payload` with axes (n: k, seed: ``shown``).
    """
    models = list(archs) + ["linear"]
    cmap = _image_cmap(image_shape)
    panels = []
    for m in models:
        panels += [{"title": f"{m} split {j}", "cmap": cmap} for j in (1, 2)]
        panels += [{"title": f"{m}: nearest in {j}", "cmap": cmap} for j in (1, 2)]
    items = {}
    for k, n in enumerate(n_values):
        for seed in range(shown):
            maps = []
            for m in models:
                maps += [samples[m, n, 1][seed], samples[m, n, 2][seed]]
                maps += [nearest[m, n, j][seed] for j in (1, 2)]
            values = {m: cross[m][k][seed] for m in models}
            other = (seed + 1) % len(samples[models[0], n, 1])     # another seed, other split
            values.update({f"other_{m}": float(np.mean(
                (samples[m, n, 1][seed] - samples[m, n, 2][other]) ** 2)) for m in models})
            values.update({f"theory_{c}": predicted[c][k][seed] for c in predicted})
            maps = [np.clip(x, -1, 1).reshape(image_shape) for x in maps]
            items[k, seed] = {"maps": maps, "values": values}
    seeds = len(samples[models[0], n_values[0], 1])
    ref = (lambda m: {"reference": f"other_{m}"}) if seeds > 1 else (lambda m: {})  # 1 seed: none
    fields = [{"key": m, "label": f"{m} MSE", **ref(m)} for m in models] + [
        {"key": f"theory_{c}", "label": f"theory ({CLOSURE_NAMES.get(c, c)})"}
        for c in predicted]
    return gallery_payload(
        "Trained networks: one seed, two splits",
        [{"name": "n", "values": [str(n) for n in n_values], "control": "slider"},
         {"name": "seed", "values": [str(s) for s in range(shown)], "control": "slider"}],
        panels, items, fields=fields, group=4)


def mismatch_payload(samples: Mapping[tuple[str, str, int, int], np.ndarray],
                     linear: Mapping[str, Mapping[tuple[int, int], np.ndarray]],
                     mse: Mapping[tuple[str, str], np.ndarray], kinds: Sequence[str],
                     archs: Sequence[str], n: int, image_shape: tuple[int, ...],
                     shown: int = 16) -> dict:
    """Gallery payload of chapter 7's seed explorer: for every split kind and each of the first
    ``shown`` seeds, each network's and the linear model's two images, with every model's
    same-seed MSE (beside the MSE between different seeds, as in
    :func:`networks_payload`) and the prediction.

    Parameters
    ----------
    samples : mapping (kind, arch, n, split) -> ndarray, shape (S, d)
        The networks' images of the seed bank (:func:`rmtdiff.experiments.network_grid.train_grid`
        keys).
    linear : mapping kind -> {(n, split): ndarray, shape (S, d)}
        The linear models' images (:func:`rmtdiff.experiments.network_grid.linear_grid`).
    mse : mapping (kind, model) -> ndarray, shape (S,)
        Same-seed MSE per seed for every model of ``archs``, ``"linear"`` and ``"theory"``
        (shown as "predicted").
    kinds : sequence of str, length K
    archs : sequence of str
    n : int
        Images per split.
    image_shape : tuple
        (h, w) for grey images, (3, h, w) for colour ones; pixels are clipped to [-1, 1].
    shown : int
        Seeds on the slider (at most S).

    Returns
    -------
    dict
        :func:`gallery_payload` with axes (split kind: K, seed: ``shown``).
    """
    models = list(archs) + ["linear", "theory"]
    cmap = _image_cmap(image_shape)
    panels = [{"title": f"{a} split {j}", "cmap": cmap} for a in archs for j in (1, 2)]
    panels += [{"title": f"linear split {j}", "cmap": cmap} for j in (1, 2)]
    items = {}
    for i, k in enumerate(kinds):
        for seed in range(shown):
            maps = [samples[k, a, n, j][seed] for a in archs for j in (1, 2)]
            maps += [linear[k][n, j][seed] for j in (1, 2)]
            maps = [np.clip(x, -1, 1).reshape(image_shape) for x in maps]
            values = {m: mse[k, m][seed] for m in models}
            other = (seed + 1) % len(linear[k][n, 1])              # another seed, other split
            values.update({f"other_{a}": float(np.mean(
                (samples[k, a, n, 1][seed] - samples[k, a, n, 2][other]) ** 2)) for a in archs})
            values["other_linear"] = float(np.mean(
                (linear[k][n, 1][seed] - linear[k][n, 2][other]) ** 2))
            items[i, seed] = {"maps": maps, "values": values}
    ref = (lambda m: {"reference": f"other_{m}"}) if len(linear[kinds[0]][n, 1]) > 1 \
        else (lambda m: {})                               # one seed: no other seed to show
    fields = [{"key": m, "label": f"{m} MSE", **ref(m)}
              for m in models if m != "theory"] + [{"key": "theory", "label": "predicted"}]
    return gallery_payload(
        f"Same seed, splits of n = {n} of each kind",
        [{"name": "split kind", "values": list(kinds), "control": "select"},
         {"name": "seed", "values": [str(s) for s in range(shown)], "control": "slider"}],
        panels, items, fields=fields, group=2)


def explorer_html(kind: str, payload: dict, title: str = "") -> str:
    """The explorer's placeholder ``div`` with its payload as inline JSON (what a chapter displays
    with ``IPython.display.HTML``).

    Parameters
    ----------
    kind : one of :data:`KINDS`
        Which explorer the JavaScript draws.
    payload : dict
        From :func:`kappa_payload` or :func:`gallery_payload` (JSON-serialisable, no NaN).
    title : str
        The explorer's accessible name (``aria-label``).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    data = data.replace("</", "<\\/")                  # never close the script element early
    return (f'<div class="rmt-explorer" data-kind="{kind}" aria-label="{html.escape(title)}">'
            f'<script type="application/json" class="rmt-explorer-data">{data}</script>'
            f'<noscript>This explorer needs JavaScript.</noscript></div>')


def write_payload(payload: dict, path: str | os.PathLike) -> Path:
    """Write the payload as JSON (atomically: :func:`rmtdiff.util.io.write_json`).

    Parameters
    ----------
    payload : dict
        JSON-serialisable, no NaN.
    path : str or path
        The file; its folder is created.
    """
    return write_json(path, payload, indent=None)
