"""Build the HTML book with Jupyter Book from the staged sources (:func:`.stage.stage`).

Warnings are errors (``-W --keep-going``): the build fails on any WARNING, ERROR or CRITICAL line,
and the full log is kept in ``_build/site/<scale>/build.log``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rmtdiff.util.io import write_bytes

from .common import BUILD, ROOT, fail, site
from .stage import stage


def build(scale: str) -> None:
    """Stage the book and build its HTML into ``_build/site/<scale>/``.

    Parameters
    ----------
    scale : str
        One of :data:`rmtdiff.SCALES`; every chapter must have been executed at it.
    """
    src = stage(scale)
    out = BUILD / "site" / scale
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(src),
           "--path-output", str(out), "-W", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    write_bytes(out / "build.log", log.encode())
    problems = [ln for ln in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", ln)]
    if proc.returncode != 0 or problems:
        print(log[-6000:], file=sys.stderr)
        fail(f"the book build failed (exit {proc.returncode}, {len(problems)} warning/error "
             f"lines); full log in {(out / 'build.log').relative_to(ROOT)}")
    print(f"Book built: file://{site(scale) / 'index.html'}")
