"""A verdict per claim of the paper the book tests, built from the numbers the chapters glued
(never typed): the front page and the paper map show the table that :func:`verdict_table`
writes when the book is staged (``tools/booktool/stage.py``).

Each :class:`Claim` names the paper's statement and number, the chapter that tests it, and a
rule that turns that chapter's glued values into one of :data:`VERDICTS` and the book's number
(with its interval where the chapter has one). The paper's numbers are quotations of the paper;
the book's are read from the executed notebooks.
"""

from __future__ import annotations

import ast
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERDICTS = ("reproduced", "partly", "not reproduced", "not tested at this scale")

Glued = Mapping[str, Any]


def read_glued(notebook: str | os.PathLike) -> dict[str, Any]:
    """The values an executed notebook glued (``myst_nb.glue``), by name; figures are left out.

    Parameters
    ----------
    notebook : str or os.PathLike
        An executed ``.ipynb``.

    Returns
    -------
    dict of str to object
        Numbers and strings as Python values (parsed from their text form); other values as
        their text.

    Raises
    ------
    FileNotFoundError
        If the notebook does not exist.
    """
    nb = json.loads(Path(notebook).read_text())
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if not name:
                continue
            data = {k.split("/", 2)[-1] if k.startswith("application/papermill.record/")
                    else k: v for k, v in o.get("data", {}).items()}
            if "image/png" in data or "text/plain" not in data:
                continue
            text = "".join(data["text/plain"])
            try:
                out[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                out[name] = text
    return out


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and how the book judges it.

    Attributes
    ----------
    claim : str
        The paper's statement.
    paper : str
        The paper's number (or "qualitative").
    chapter : str
        The chapter that tests it (its file name, e.g. ``"05_networks"``).
    judge : callable
        ``judge(glued) -> (verdict, book)``: one of :data:`VERDICTS` and the book's number in
        words, from the chapter's glued values.
    decides : str
        The scale that would decide it where this one cannot (or ``""``).
    """

    claim: str
    paper: str
    chapter: str
    judge: Callable[[Glued], tuple[str, str]]
    decides: str = ""


def _finite(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def _linear_consistency(g: Glued) -> tuple[str, str]:
    slope = g["cross_slope"]
    ok = abs(slope + 1) < 0.15
    return ("reproduced" if ok else "not reproduced",
            f"same-seed MSE {g['cross_small']:.3f} at n = {g['n_small']}, "
            f"{g['cross_large']:.4f} at n = {g['n_large']}; slope {slope:.2f} against n")


def _kappa(g: Glued) -> tuple[str, str]:
    ok = g["gain_zmax"] < 4
    return ("reproduced" if ok else "not reproduced",
            f"expected gain against {g['mc_splits']} Monte-Carlo splits: largest |z| "
            f"{g['gain_zmax']:.1f} over {g['gain_entries']} entries")


def _variance_law(g: Glued) -> tuple[str, str]:
    ok = 0.85 < g["aniso_lo"] and g["aniso_hi"] < 1.15 and 0.95 < g["scale_lo"] \
        and g["scale_hi"] < 1.05
    return ("reproduced" if ok else "not reproduced",
            f"Monte Carlo / theory {g['aniso_lo']:.2f}-{g['aniso_hi']:.2f} (anisotropy), "
            f"{g['scale_lo']:.3f}-{g['scale_hi']:.3f} (1/n scaling)")


def _trajectory(g: Glued) -> tuple[str, str]:
    ok = 0.97 < g["traj_lo"] and g["traj_hi"] < 1.03
    return ("reproduced" if ok else "not reproduced",
            f"Monte Carlo / theory {g['traj_lo']:.3f}-{g['traj_hi']:.3f} along the trajectory")


def _bands(g: Glued) -> tuple[str, str]:
    ok = g["band_needed_top"] < g["band_needed_last"]
    return ("reproduced" if ok else "not reproduced",
            f"n for 1% disagreement: {g['band_needed_top']:.0f} (top band), "
            f"{g['band_needed_last']:.0f} (last band)")


def _seeds_linear(g: Glued) -> tuple[str, str]:
    ok = g["rho_fm"] > 0.5
    return ("reproduced" if ok else "not reproduced",
            f"Spearman {g['rho_seed']:.2f} (Gaussian data), {g['rho_fm']:.2f} (images)")


def _network_consistency(g: Glued) -> tuple[str, str]:
    u, far = g["U_unet_large"], g["ceiling_unet_large"]
    ok = _finite(u, far) and u < 0.3 * far
    return ("reproduced" if ok else "not reproduced",
            f"UNet U = {u:.3f} at n = {g['n_large']} against {far:.3f} for unrelated samples")


def _data_part(g: Glued) -> tuple[str, str]:
    words = [g.get(f"verdict_{a}_small", "not measured") for a in ("unet", "dit")]
    hits = sum(w.startswith("consistent") for w in words)
    verdict = ("reproduced" if hits == 2 else "partly" if hits == 1 else "not reproduced")
    book = "; ".join(
        f"{a}: U - F = {g[f'UF_{a}_small']:.4f} [{g[f'UF_{a}_small_lo']:.4f}, "
        f"{g[f'UF_{a}_small_hi']:.4f}] against {g['theory_small']:.4f} at n = {g['n_small']}"
        for a in ("unet", "dit") if _finite(g.get(f"UF_{a}_small")))
    return verdict, book


def _dit_vs_unet(g: Glued) -> tuple[str, str]:
    shares = [g.get(f"floor_share_{a}_large") for a in ("unet", "dit")]
    book = (f"U = {g['U_unet_large']:.3f} (UNet), {g['U_dit_large']:.3f} (DiT); floor F "
            f"{shares[0]:.0%} and {shares[1]:.0%} of U at n = {g['n_large']}")
    if _finite(*shares) and max(shares) > 0.5:
        return "not tested at this scale", book
    ok = g["U_dit_large"] < g["U_unet_large"]
    return ("reproduced" if ok else "not reproduced"), book


def _seed_rank(g: Glued) -> tuple[str, str]:
    parts = [(tag, g[f"rho_unet_{tag}_UF"], g[f"lo_unet_{tag}_UF"]) for tag in ("small", "large")]
    book = "; ".join(f"UNet, theory vs U - F at n = {g[f'n_{tag}']}: {rho:+.2f} "
                     f"[{lo:+.2f}, {g[f'hi_unet_{tag}_UF']:+.2f}]" for tag, rho, lo in parts)
    book += (f"; vs U at n = {g['n_large']}: {g['rho_unet_large_U']:+.2f} (noise ceiling "
             f"{g['ceil_unet_large_U']:.2f})")
    ranked = [lo > 0 for _, _, lo in parts]
    verdict = "reproduced" if all(ranked) else "partly" if any(ranked) else "not reproduced"
    return verdict, book


def _closeness(g: Glued) -> tuple[str, str]:
    r, shared, resid = (g["pearson_unet_large"], g["shared_fraction_unet_large"],
                        g["pearson_residual_unet_large"])
    book = (f"UNet r = {r:+.2f}; deviations shared {shared:.0%}; r with the deviations' "
            f"distance removed {resid:+.2f}")
    if r > 0 and resid <= 0.1:
        return "partly", book + " (the number, which the deviations' distance gives)"
    return ("reproduced" if r > 0 else "not reproduced"), book


def _net_shrinkage(g: Glued) -> tuple[str, str]:
    tail, theory, top = g["tail_gain_unet"], g["tail_gain_theory"], g["top_gain_unet"]
    book = (f"UNet gain / population gain {top:.2f} (top band), {tail:.2f} (last band; "
            f"theory {theory:.2f})")
    if tail < 1 and top < 0.9:
        return "partly", book + ": a broadband deficit"
    return ("reproduced" if tail < 1 else "not reproduced"), book


def _net_bands(g: Glued) -> tuple[str, str]:
    top, last = g["band_UF_unet_small_top"], g["band_UF_unet_small_last"]
    ok = _finite(top, last) and top < last
    return ("reproduced" if ok else "not reproduced",
            f"UNet U - F / band variance {top:.3f} (top), {last:.3f} (last) at n = "
            f"{g['n_small']}")


def _mismatch(g: Glued) -> tuple[str, str]:
    rises = (g["rise_pc1_halves"], g["rise_pc1_middle_tails"])
    ok = min(rises) > 2
    return ("reproduced" if ok else "not reproduced",
            f"UNet U {g['mse_iid_net']:.3f} (i.i.d.) against {g['net_lo']:.3f}-"
            f"{g['net_hi']:.3f} (mismatched): {rises[1]:.1f}x and {rises[0]:.1f}x")


def _mismatch_size(g: Glued) -> tuple[str, str]:
    words = [g["data_verdict_pc1_halves"], g["data_verdict_pc1_middle_tails"]]
    hits = sum(w.startswith("consistent") for w in words)
    return ("reproduced" if hits == 2 else "partly" if hits == 1 else "not reproduced",
            f"data part {g['data_pc1_halves']:.3f} vs theory "
            f"{g['mse_pc1_halves_theory']:.3f} (halves), {g['data_pc1_middle_tails']:.3f} vs "
            f"{g['mse_pc1_middle_tails_theory']:.3f} (middle/tails)")


_GPU = "the `paper` scale on a GPU (`bench/gpu_networks.py`)"

#: the paper's claims the book tests, in the order of the book
CLAIMS = (
    Claim("Linear models on disjoint splits map a seed to nearly the same image, the gap "
          "falling as 1/n", "qualitative (Figure 1)", "01_same_seed", _linear_consistency),
    Claim("The expected learned denoiser is the population's at a renormalised noise "
          "kappa(sigma^2): low-variance modes over-shrunk", "closed form", "02_kappa", _kappa),
    Claim("Split-to-split variance = anisotropy x inhomogeneity x 1/n scaling", "closed form",
          "03_fluctuations", _variance_law),
    Claim("The whole sampling trajectory's mean and variance (fractional matrix powers)",
          "closed form", "04_trajectories", _trajectory),
    Claim("Top eigenbands become consistent at smaller n", "qualitative", "04_trajectories",
          _bands),
    Claim("Seeds aligned with high-variance modes disagree more (linear models)",
          "qualitative", "04_trajectories", _seeds_linear),
    Claim("UNets trained on disjoint splits map a seed to nearly the same image",
          "MSE 0.042 (FFHQ 32 px)", "05_networks", _network_consistency),
    Claim("The networks' cross-split disagreement is the linear theory's", "qualitative",
          "05_networks", _data_part, _GPU),
    Claim("DiTs are more consistent than UNets at equal n", "qualitative", "05_networks",
          _dit_vs_unet, _GPU),
    Claim("The theory ranks the networks' seeds by disagreement", "Spearman 0.33 (FFHQ 64 px)",
          "06_networks_theory", _seed_rank, _GPU),
    Claim("Seeds closer to the linear image are more consistent",
          "Pearson 0.244 (FFHQ 32 px)", "06_networks_theory", _closeness),
    Claim("Networks over-shrink the low-variance modes", "qualitative",
          "06_networks_theory", _net_shrinkage, _GPU),
    Claim("Networks' top eigenbands agree first", "qualitative", "06_networks_theory",
          _net_bands, _GPU),
    Claim("Moment-mismatched splits lose consistency", "MSE 0.042 -> 0.15-0.48 (FFHQ 32 px)",
          "07_mismatched_splits", _mismatch),
    Claim("The linear theory of the two strata predicts how much", "not in the paper "
          "(the book's law)", "07_mismatched_splits", _mismatch_size, _GPU),
)


def verdict_rows(glued: Mapping[str, Glued], claims: tuple[Claim, ...] = CLAIMS
                 ) -> list[dict[str, str]]:
    """One row per claim: its chapter, the paper's number, the verdict and the book's number.

    Parameters
    ----------
    glued : mapping of str to mapping
        Chapter name (``"05_networks"``) to its glued values (:func:`read_glued`).
    claims : tuple of Claim, optional
        The claims (default :data:`CLAIMS`).

    Returns
    -------
    list of dict
        Keys ``claim``, ``chapter``, ``paper``, ``verdict``, ``book``, ``decides``; a claim
        whose chapter has not run, or lacks a value its rule needs, says so as its verdict
        ``"not tested at this scale"``.
    """
    rows = []
    for c in claims:
        values = glued.get(c.chapter)
        try:
            verdict, book = c.judge(values) if values is not None else (
                "not tested at this scale", "chapter not executed")
        except (KeyError, TypeError, ValueError) as exc:
            verdict, book = "not tested at this scale", f"value missing ({exc})"
        if verdict not in VERDICTS:
            raise ValueError(f"{c.judge.__name__} returned {verdict!r}, not one of {VERDICTS}")
        rows.append({"claim": c.claim, "chapter": c.chapter, "paper": c.paper,
                     "verdict": verdict, "book": book,
                     "decides": c.decides if verdict != "reproduced" else ""})
    return rows


def verdict_table(rows: list[dict[str, str]], scale: str) -> str:
    """The rows as a MyST Markdown table (each claim followed by its chapter as a ``{doc}``
    link), with a line saying at which scale they were measured.

    Parameters
    ----------
    rows : list of dict
        From :func:`verdict_rows`.
    scale : str
        The scale the chapters ran at.

    Returns
    -------
    str
    """
    esc = lambda s: str(s).replace("|", "\\|")
    lines = [f"Measured at `scale={scale}`; every number is read from the executed chapter "
             "when the book is built.", "",
             "| the paper's claim (chapter) | paper | verdict | the book's number | decided by |",
             "|---|---|---|---|---|"]
    lines += [f"| {esc(r['claim'])} ({{doc}}`{r['chapter']}`) | {esc(r['paper'])} | "
              f"**{r['verdict']}** | {esc(r['book'])} | {esc(r['decides'])} |" for r in rows]
    return "\n".join(lines) + "\n"
