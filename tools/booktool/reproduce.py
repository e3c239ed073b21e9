"""Reproduced, not just reproducible: every number the chapters glued, per scale, against the
record of the book's own run in ``data/expected/<scale>.json``.

A record (:func:`record`) holds each chapter's glued values (figures left out) with the
environment that computed them (:func:`environment`: machine, CPU, BLAS, Python, the lock). A
comparison (:func:`compare`) takes each recorded value and the rebuilt one and applies the
chapter's tolerance (:data:`TOLERANCES`): the ``same`` one when the rebuild's environment is the
record's (the book's numbers are then bit-for-bit repeatable: every draw is seeded and the
thread counts are fixed), the ``other`` one otherwise, each with its reason. A number missing
on either side (a chapter not executed included) is a deviation at any tolerance; whole numbers
and strings must be equal in the record's environment, and in another a whole number gets the
chapter's tolerance and a string must keep its words, its numbers within that tolerance.

``make compare SCALE=ci`` rebuilds and prints the summary (:func:`summary`); the build's check
fails on any deviation (:func:`problems`), so a change that moves a number must update the record
(``make record SCALE=ci``) in the same commit, with a line in ``CHANGELOG.md`` saying why. The
book's "Reproduction report" page (:func:`report_markdown`) lists every number.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from rmtdiff.util.io import write_json

from .common import ROOT, chapters, commit, executed_dir, versions
from .lock import lock_digest

EXPECTED = ROOT / "data" / "expected"                #: the committed records, one per scale


@dataclass(frozen=True)
class Tolerance:
    """How far a rebuilt number may lie from its record: ``|new - old| <= atol + rtol * |old|``.

    Attributes
    ----------
    rtol, atol : float
        Relative and absolute tolerance.
    why : str
        The reason for this tolerance, shown on the report page.
    """

    rtol: float
    atol: float
    why: str

    def allows(self, old: float, new: float) -> bool:
        """Whether ``new`` is within this tolerance of ``old`` (NaN matches only NaN).

        >>> Tolerance(1e-8, 0.0, "").allows(1.0, 1.0 + 1e-9)
        True
        >>> Tolerance(1e-8, 0.0, "").allows(1.0, 1.0 + 1e-7)
        False
        """
        if old == new:
            return True
        if math.isnan(old) or math.isnan(new):
            return math.isnan(old) and math.isnan(new)
        return abs(new - old) <= self.atol + self.rtol * abs(old)


SAME = Tolerance(1e-12, 1e-15, "same environment as the record (machine, CPU, BLAS, Python and "
                 "lock): every draw is seeded and the thread counts are fixed, so the numbers "
                 "repeat to rounding (1e-12 relative leaves room for nothing else)")
LINEAR_OTHER = Tolerance(1e-8, 1e-12, "another machine or BLAS: the linear chapters are "
                         "deterministic double-precision linear algebra whose summation order "
                         "depends on the BLAS; 1e-8 relative is far above that rounding "
                         "(about 1e-13 for these sizes) and far below any effect the chapter "
                         "reports")
NETWORK_OTHER = Tolerance(0.5, 1e-3, "another machine, BLAS or torch build: the networks are "
                          "retrained (or the cached runs differ) and their numbers move by "
                          "optimisation noise. At book scale the 95% intervals of the data part "
                          "U - F span 21% to 60% of their values (chapter 5), so a number may "
                          "move by half its value, or by 1e-3 for the near-zero ones, before "
                          "the difference says more than a retrain's seed-to-seed spread")

RANK_CORRELATION_OTHER = Tolerance(0.5, 0.03, "another machine, BLAS or torch build, for the "
                                   "network chapters' seed-rank correlations and the ends of "
                                   "their 95% intervals (names rho_*, lo_*, hi_*, band_*): "
                                   "those intervals are about +-0.06 wide at book scale, and "
                                   "retraining on another CPU (an Intel Xeon against the "
                                   "record's AMD EPYC) moved them by at most 0.011; 0.03 is half "
                                   "the intervals' half-width. A verdict on such an interval "
                                   "(words_*) may change when the recorded interval ends within "
                                   "0.03 of 0")
_RANK_CORRELATION = re.compile(r"^(band_)?(rho|lo|hi)_")

#: glued values that measure the machine, not the science (wall-clock times): recorded and
#: listed, never compared (a fresh clone trains the ci runs in half the time a busy machine took)
NOT_COMPARED = {"05_networks": {"train_minutes": "the training's wall-clock minutes"}}

#: per chapter, the tolerance for the same and for another environment
TOLERANCES = {
    "01_same_seed": (SAME, LINEAR_OTHER),
    "02_kappa": (SAME, LINEAR_OTHER),
    "03_fluctuations": (SAME, LINEAR_OTHER),
    "04_trajectories": (SAME, LINEAR_OTHER),
    "05_networks": (SAME, NETWORK_OTHER),
    "06_networks_theory": (SAME, NETWORK_OTHER),
    "07_mismatched_splits": (SAME, NETWORK_OTHER),
    "08_non_gaussian": (SAME, LINEAR_OTHER),
}


def _blas() -> str:
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # numpy without show_config(mode=...): a fingerprint, not a requirement
        return "unknown"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment() -> dict[str, str]:
    """What a number's last bits depend on: the machine, CPU model and core count, numpy's BLAS,
    the package versions and the lock's digest.
    """
    return {"machine": f"{platform.system()} {platform.machine()}", "cpu": _cpu(),
            "cores": str(os.cpu_count()), "blas": _blas(), "lock": lock_digest(),
            **versions()}


def _executed(scale: str, suffix: str, read) -> dict:
    """``read(path)`` of each chapter's executed file ``<chapter><suffix>`` that exists."""
    paths = {Path(c).name: executed_dir(scale) / f"{Path(c).name}{suffix}" for c in chapters()}
    return {name: read(path) for name, path in paths.items() if path.exists()}


def glued_values(scale: str) -> dict[str, dict]:
    """Every executed chapter's glued numbers and strings at ``scale``, by chapter name.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    from rmtdiff.presentation.verdicts import read_glued

    return _executed(scale, ".ipynb", lambda nb: {
        k: v for k, v in read_glued(nb).items() if isinstance(v, (bool, int, float, str))})


def chapter_parameters(scale: str) -> dict[str, dict]:
    """The papermill parameters each chapter executed at ``scale`` ran with, by chapter name.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    return _executed(scale, ".json", lambda p: json.loads(p.read_text()).get("parameters"))


def record(scale: str, path: Path | None = None) -> Path:
    """Write the record of the chapters executed at ``scale`` (atomically).

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it.
    path : Path, optional
        Where (default ``data/expected/<scale>.json``).
    """
    values = glued_values(scale)
    missing = [Path(c).name for c in chapters() if Path(c).name not in values]
    if missing:
        raise FileNotFoundError(f"chapters {missing} have not been executed at scale={scale}; "
                                f"run `python tools/book.py execute --scale {scale}` first")
    path = path or EXPECTED / f"{scale}.json"
    write_json(path, {"scale": scale, "commit": commit(), "environment": environment(),
                      "parameters": chapter_parameters(scale), "values": values})
    return path


def load_record(scale: str, path: Path | None = None) -> dict | None:
    """The record at ``scale``, or None when there is none.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    path : Path, optional
        Where (default ``data/expected/<scale>.json``).
    """
    path = path or EXPECTED / f"{scale}.json"
    return json.loads(path.read_text()) if path.exists() else None


@dataclass(frozen=True)
class Row:
    """One number against its record."""

    chapter: str
    name: str
    recorded: object
    rebuilt: object
    deviation: float | None     #: |rebuilt - recorded| / |recorded| (:func:`_deviation`); None if not numeric
    ok: bool


def _numeric(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _deviation(old: float, new: float) -> float:
    """``|new - old| / |old|``; ``|new|`` when ``old`` is 0; 0 when equal; inf when only one is
    NaN."""
    if old == new or (math.isnan(old) and math.isnan(new)):
        return 0.0
    if math.isnan(old) or math.isnan(new):
        return math.inf
    return abs(new - old) / abs(old) if old != 0 else abs(new)


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _same_text(old: str, new: str, tol: "Tolerance", same: bool) -> bool:
    """Whether two glued strings agree: exactly in the record's environment; in another, the
    words exactly and each number in them within ``tol`` (a sentence such as "0.0256 against
    0.0449" moves with its numbers)."""
    if same or old == new:
        return old == new
    old_nums, new_nums = _NUMBER.findall(old), _NUMBER.findall(new)
    return (_NUMBER.split(old) == _NUMBER.split(new) and len(old_nums) == len(new_nums)
            and all(tol.allows(float(a), float(b)) for a, b in zip(old_nums, new_nums)))


def compare(recorded: dict, rebuilt: dict, same: bool) -> list[Row]:
    """Each recorded number against the rebuilt one, and each rebuilt number the record lacks.

    Parameters
    ----------
    recorded, rebuilt : dict
        Chapter name to its glued values (:func:`glued_values`).
    same : bool
        Whether the rebuild ran in the record's environment (selects the tolerance).

    >>> rows = compare({"02_kappa": {"a": 1.0, "n": 3}}, {"02_kappa": {"a": 1.0 + 1e-9, "n": 3}},
    ...                same=False)
    >>> [(r.name, r.ok) for r in rows]
    [('a', True), ('n', True)]
    >>> [r.ok for r in compare({"02_kappa": {"a": 1.0}}, {"02_kappa": {"a": 1.0 + 1e-9}}, True)]
    [False]
    """
    rows = []
    for chapter in sorted(set(recorded) | set(rebuilt)):
        tol = TOLERANCES.get(chapter, (SAME, LINEAR_OTHER))[0 if same else 1]
        skip = NOT_COMPARED.get(chapter, {})
        old_values = {k: v for k, v in recorded.get(chapter, {}).items() if k not in skip}
        new_values = {k: v for k, v in rebuilt.get(chapter, {}).items() if k not in skip}
        for name in list(old_values) + [n for n in new_values if n not in old_values]:
            old, new = old_values.get(name), new_values.get(name)
            if tol is NETWORK_OTHER and name.startswith("words_") and name in new_values \
                    and _interval_at_zero(old_values, name[len("words_"):]):
                rows.append(Row(chapter, name, old, new, None, True))     # a verdict at noise level
                continue
            t = (RANK_CORRELATION_OTHER if tol is NETWORK_OTHER and _RANK_CORRELATION.match(name)
                 else tol)
            if name not in old_values or name not in new_values:
                rows.append(Row(chapter, name, old, new, None, False))
            elif _numeric(old) and _numeric(new):
                both_int = isinstance(old, int) and isinstance(new, int)
                ok = old == new if both_int and same else t.allows(float(old), float(new))
                rows.append(Row(chapter, name, old, new, _deviation(old, new), ok))
            elif isinstance(old, str) and isinstance(new, str):
                rows.append(Row(chapter, name, old, new, None, _same_text(old, new, t, same)))
            else:
                rows.append(Row(chapter, name, old, new, None, old == new))
    return rows


def _interval_at_zero(values: dict, suffix: str) -> bool:
    """Whether the recorded 95% interval ``lo_<suffix>``..``hi_<suffix>`` has an end within
    :data:`RANK_CORRELATION_OTHER`'s ``atol`` of 0 (its verdict may then change with a retrain).

    >>> _interval_at_zero({"lo_a": -0.13, "hi_a": -0.0025}, "a"), _interval_at_zero({}, "a")
    (True, False)
    """
    ends = [values.get(f"{side}_{suffix}") for side in ("lo", "hi")]
    return any(_numeric(e) and abs(e) <= RANK_CORRELATION_OTHER.atol for e in ends)


def same_environment(rec: dict) -> bool:
    """Whether this process runs in the environment the record was made in.

    Parameters
    ----------
    rec : dict
        A record (:func:`load_record`).
    """
    return rec.get("environment") == environment()


def rebuild_rows(scale: str) -> tuple[dict | None, list[Row], list[str]]:
    """The record at ``scale``, the rows comparing the executed chapters with it, and the
    chapters left out because they ran with other parameters than the record's (another
    dataset, say). No rows when there is no record.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    rec = load_record(scale)
    if rec is None:
        return None, [], []
    params, recorded_params = chapter_parameters(scale), rec.get("parameters", {})
    # a chapter run with other parameters is left out; one not executed at all is compared
    # (every number of it missing)
    other = sorted(c for c in rec["values"]
                   if c in params and params[c] != recorded_params.get(c))
    keep = lambda values: {c: v for c, v in values.items() if c not in other}  # noqa: E731
    rows = compare(keep(rec["values"]), keep(glued_values(scale)), same_environment(rec))
    return rec, rows, other


def per_chapter(rows: list[Row]) -> dict[str, tuple[int, int, float]]:
    """Per chapter: how many numbers, how many within tolerance, the largest relative deviation
    (0 when every number is identical).

    Parameters
    ----------
    rows : list of Row
        From :func:`compare`.
    """
    out: dict[str, tuple[int, int, float]] = {}
    for r in rows:
        n, ok, worst = out.get(r.chapter, (0, 0, 0.0))
        dev = r.deviation if r.deviation is not None else (0.0 if r.ok else math.inf)
        out[r.chapter] = (n + 1, ok + r.ok, max(worst, dev))
    return out


def summary(scale: str, rec: dict | None, rows: list[Row], other: list[str] = ()) -> str:
    """The text ``make compare`` prints.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    rec : dict or None
        The record (None: there is none).
    rows : list of Row
        From :func:`compare`.
    other : list of str
        Chapters not compared (other parameters than the record's).
    """
    if rec is None:
        return (f"No record of scale={scale} (data/expected/{scale}.json); make one with "
                f"`make record SCALE={scale}`.")
    same = same_environment(rec)
    lines = [f"scale={scale} against data/expected/{scale}.json (recorded at commit "
             f"{rec.get('commit')}), {'the same' if same else 'another'} environment:"]
    for chapter, (n, ok, worst) in per_chapter(rows).items():
        tol = TOLERANCES.get(chapter, (SAME, LINEAR_OTHER))[0 if same else 1]
        lines.append(f"  {chapter:22s} {ok:4d} of {n:4d} within tolerance (rtol {tol.rtol:g}); "
                     f"largest relative deviation {worst:.2e}")
    total, ok = len(rows), sum(r.ok for r in rows)
    lines.append(f"  all: {ok} of {total} numbers within tolerance")
    if other:
        lines.append(f"  not compared (other parameters than the record's): {', '.join(other)}")
    lines += [f"  outside: {r.chapter} {r.name}: recorded {r.recorded!r}, rebuilt {r.rebuilt!r}"
              for r in rows if not r.ok][:40]
    return "\n".join(lines)


def problems(scale: str) -> list[str]:
    """The numbers of the chapters executed at ``scale`` that left their record's tolerance
    (none when there is no record), for the build's check.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    _, rows, _ = rebuild_rows(scale)
    bad = [r for r in rows if not r.ok]
    if not bad:
        return []
    return [f"{len(bad)} of {len(rows)} numbers differ from data/expected/{scale}.json beyond "
            f"their tolerance (first: {bad[0].chapter} {bad[0].name}: recorded "
            f"{bad[0].recorded!r}, rebuilt {bad[0].rebuilt!r}); if the change is meant, run "
            f"`make record SCALE={scale}` and say why in CHANGELOG.md"]


def _cell(v) -> str:
    """A value as a table cell of the report: cut to 80 characters, then Markdown escaped."""
    if v is None:
        return "(missing)"
    text = (f"{v:.10g}" if isinstance(v, float) else str(v)).replace("\n", " ")
    text = text[:80] + ("..." if len(text) > 80 else "")
    return re.sub(r"([\\|$*_`<>\[\]])", r"\\\1", text)


def report_markdown(scale: str) -> str:
    """The "Reproduction report" page (MyST Markdown): per chapter the count within tolerance,
    the largest deviation and the tolerance with its reason, then every number with its recorded
    and rebuilt value.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`.
    """
    rec, rows, other = rebuild_rows(scale)
    head = ["# Reproduction report", ""]
    if rec is None:
        return "\n".join(head + [
            f"There is no record of the book's numbers at `scale={scale}` "
            f"(`data/expected/{scale}.json`), so this build is not compared with one. Records "
            "exist for the scales the repository's own runs cover; make one with "
            f"`make record SCALE={scale}`.", ""])
    same = same_environment(rec)
    env = rec.get("environment", {})
    lines = head + [
        f"Every number this build's chapters glued into the text at `scale={scale}`, against "
        f"the record `data/expected/{scale}.json`, made from the book's own run at commit "
        f"`{rec.get('commit')}` on {env.get('machine')} ({env.get('cpu')}, {env.get('cores')} "
        f"cores, BLAS {env.get('blas')}, Python {env.get('python')}). This build ran in "
        f"{'the same' if same else 'another'} environment, so the "
        f"{'tight' if same else 'looser'} tolerance of each chapter applies. "
        f"`make compare SCALE={scale}` prints this comparison; the build's check fails when a "
        "number leaves its tolerance.", "",
        f"**{sum(r.ok for r in rows)} of {len(rows)} numbers are within tolerance.**", "",
        "| chapter | numbers | within tolerance | largest relative deviation | tolerance |",
        "|---|---|---|---|---|"]
    chapter_rows = per_chapter(rows)
    for chapter, (n, ok, worst) in chapter_rows.items():
        tol = TOLERANCES.get(chapter, (SAME, LINEAR_OTHER))[0 if same else 1]
        lines.append(f"| {{doc}}`{chapter}` | {n} | {ok} | {worst:.1e} | "
                     f"rtol {tol.rtol:g}, atol {tol.atol:g} |")
    if other:
        lines += ["", f"Not compared, because they ran with other parameters than the record's "
                  f"(another dataset, say): {', '.join(other)}."]
    lines += ["", "Not compared, because they measure the machine rather than the science: "
              + "; ".join(f"`{n}` of {c} ({why})" for c, names in NOT_COMPARED.items()
                          for n, why in names.items()) + "."]
    lines += ["", "Why these tolerances:", ""]
    used = [TOLERANCES[c][0 if same else 1] for c in chapter_rows if c in TOLERANCES]
    if NETWORK_OTHER in used:
        used.append(RANK_CORRELATION_OTHER)
    for tol in dict.fromkeys(used):
        lines.append(f"- rtol {tol.rtol:g}, atol {tol.atol:g}: {tol.why}.")
    lines.append("")
    for chapter in chapter_rows:
        mine = [r for r in rows if r.chapter == chapter]
        lines += [f":::{{dropdown}} {chapter}: every number", "",
                  "| name | recorded | rebuilt | within |", "|---|---|---|---|"]
        lines += [f"| `{r.name}` | {_cell(r.recorded)} | {_cell(r.rebuilt)} | "
                  f"{'yes' if r.ok else '**no**'} |" for r in mine]
        lines += ["", ":::", ""]
    return "\n".join(lines)
