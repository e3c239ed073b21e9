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

The work is done by ``tools/booktool/browser_pages.py`` (page checks) and
``tools/booktool/browser_explorers.py`` (driving the explorers); this module re-exports them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from booktool.browser_explorers import _gallery_problems, _kappa_problems, check_explorers  # noqa: F401
from booktool.browser_pages import (MIN_SHOWN, SLACK_PX, WIDTHS, check_pages, page_problems,
                                    tex_formulas)

__all__ = ["MIN_SHOWN", "SLACK_PX", "WIDTHS", "check_explorers", "check_pages", "page_problems",
           "tex_formulas"]


if __name__ == "__main__":
    site_root = Path(sys.argv[1]).resolve()
    found = check_pages(site_root, sys.argv[2:], Path("_build/screenshots/manual"))
    print("\n".join(found or ["no problems"]))
    sys.exit(1 if found else 0)
