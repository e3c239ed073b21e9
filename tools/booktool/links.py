"""Every internal link of the built book resolves: a relative ``href`` names a file of the site
(and, with ``#anchor``, an element of that page with that ``id``), and a bare ``#anchor`` an
element of its own page. External links (a scheme such as ``https:``, or ``mailto:``) are listed,
not fetched: the machines that build the book reach no network.

Part of the build's check (:func:`.check.check`). The footer's relative links are written for the
pages in ``book/``; :func:`.build.rebase_root_pages` fixes them on ``search.html``, at the root.
"""

from __future__ import annotations

import html.parser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag in ("a", "link") and a.get("href"):
            self.hrefs.append(a["href"])


def _parse(path: Path, cache: dict[Path, _Refs]) -> _Refs:
    if path not in cache:
        refs = _Refs()
        refs.feed(path.read_text(errors="replace"))
        cache[path] = refs
    return cache[path]


def link_problems(root: Path) -> tuple[list[str], list[str]]:
    """The broken internal links of every HTML page under ``root``, and the external links.

    Parameters
    ----------
    root : Path
        The built site (``_build/site/<scale>/_build/html``).

    Returns
    -------
    problems : list of str
        ``"<page>: <href> (why)"`` for each link that does not resolve.
    external : list of str
        Each distinct external URL, sorted.
    """
    cache: dict[Path, _Refs] = {}
    problems, external = [], set()
    for page in sorted(root.rglob("*.html")):
        if "_sources" in page.parts or "_static" in page.parts:
            continue
        for href in _parse(page, cache).hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                if parts.scheme in ("http", "https"):
                    external.add(href)
                continue
            rel = page.relative_to(root)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if parts.path and target.is_dir():
                target = target / "index.html"
            if not target.exists():
                where = (target.relative_to(root.resolve()) if target.is_relative_to(root.resolve())
                         else f"{target}, outside the site")
                problems.append(f"{rel}: {href} (no file {where})")
                continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target, cache).ids:
                    problems.append(f"{rel}: {href} (no id '{parts.fragment}' in {target.name})")
    return problems, sorted(external)
