"""Execute chapters with papermill, reusing an executed notebook while its cache key holds.

Each chapter runs in ``book/`` with the parameters ``{"scale": scale, **extra}``. Papermill saves
its progress after every cell to ``<chapter>.running-<pid>.ipynb``; a finished run is written
(atomically) to ``<chapter>.ipynb`` with its record ``<chapter>.json`` (cache key, parameters, run
time, commit, versions, data checksums); a failed one to ``<chapter>.failed.ipynb`` with the error.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from rmtdiff.util.io import write_bytes, write_json

from .common import BOOK, ROOT, chapters, commit, executed_dir, fail, versions
from .keys import cache_key, chapter_data
from .train import NETWORK_CHAPTERS, pretrain


def select(only: list[str] | None) -> list[str]:
    """The chapters to execute: all, or those named in ``only`` (in that order).

    Parameters
    ----------
    only : list of str, optional
        Chapter names such as ``"01_same_seed"``; an unknown one ends the command.
    """
    todo = chapters()
    if not only:
        return todo
    names = {Path(c).name: c for c in todo}
    unknown = [o for o in only if o not in names]
    if unknown:
        fail(f"unknown chapter(s) {unknown}; chapters are {sorted(names)}")
    return [names[o] for o in only]


def progress_note(i: int, last: list[float | None]) -> str:
    """What the progress line of the ``i``-th chapter to execute says about the time: its last
    recorded run time and the time left for it and the chapters after it, both from their
    records (training, which has its own progress lines, not included).

    Parameters
    ----------
    i : int
        Position among the chapters to execute.
    last : list of float or None
        Each of those chapters' last recorded run time in seconds (None: never recorded).

    >>> progress_note(0, [30.0, 90.0])
    'chapter 1 of 2; last run 30 s; about 2.0 min left for the chapters, from their last runs'
    >>> progress_note(1, [None, 90.0])
    'chapter 2 of 2; last run 90 s; about 1.5 min left for the chapters, from their last runs'
    >>> progress_note(0, [None, 90.0])
    'chapter 1 of 2; no earlier run recorded, so no time left can be given'
    """
    head = f"chapter {i + 1} of {len(last)}"
    rest = last[i:]
    if any(s is None for s in rest):
        return f"{head}; no earlier run recorded, so no time left can be given"
    return (f"{head}; last run {rest[0]:.0f} s; about {sum(rest) / 60:.1f} min left for the "
            "chapters, from their last runs")


def execute(scale: str, only: list[str] | None, extra: dict, force: bool) -> None:
    """Execute the chapters whose cache key changed (or all with ``force``).

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`, passed to every chapter as its ``scale`` parameter.
    only : list of str, optional
        Execute only these chapters (names such as ``"01_same_seed"``).
    extra : dict
        Further papermill parameters (``{"overrides": {...}}``), without ``scale``.
    force : bool
        Re-execute even chapters that are up to date.
    """
    import jupytext
    import papermill

    out_dir = executed_dir(scale)
    out_dir.mkdir(parents=True, exist_ok=True)
    trained = False
    params = {"scale": scale, **extra}
    pending = []
    for chapter in select(only):
        name = Path(chapter).name
        key = cache_key(chapter, params)
        record_path, nb_path = out_dir / f"{name}.json", out_dir / f"{name}.ipynb"
        record = json.loads(record_path.read_text()) if record_path.exists() else {}
        if not force and nb_path.exists() and record.get("key") == key:
            print(f"[{scale}] {name}: up to date")
            continue
        pending.append((chapter, key, record.get("seconds")))
    last = [seconds for _, _, seconds in pending]      # each chapter's last recorded run time
    for i, (chapter, key, _) in enumerate(pending):
        name = Path(chapter).name
        record_path, nb_path = out_dir / f"{name}.json", out_dir / f"{name}.ipynb"
        failed = out_dir / f"{name}.failed.ipynb"
        if name in NETWORK_CHAPTERS and not trained:
            pretrain(scale, extra)
            trained = True
        print(f"[{scale}] {name}: executing with {params} ({progress_note(i, last)}) ...",
              flush=True)
        nb = jupytext.read(ROOT / f"{chapter}.md")
        running = out_dir / f"{name}.running-{os.getpid()}.ipynb"
        start = time.perf_counter()
        try:
            papermill.execute_notebook(nb, str(running), parameters=params, cwd=str(BOOK),
                                       kernel_name="python3", progress_bar=False)
            write_bytes(nb_path, running.read_bytes())
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
            if running.exists():
                write_bytes(failed, running.read_bytes())
            fail(f"chapter {name} failed at scale={scale}: {exc}\n"
                 f"The executed notebook with the error is {failed.relative_to(ROOT)}")
        finally:
            running.unlink(missing_ok=True)
        seconds = time.perf_counter() - start
        failed.unlink(missing_ok=True)
        record = {"key": key, "chapter": chapter, "parameters": params,
                  "seconds": round(seconds, 1), "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit(),
                  "versions": versions(), "data": chapter_data(params)}
        write_json(record_path, record)
        print(f"[{scale}] {name}: done in {seconds:.1f} s", flush=True)
