"""The link check over a built site (tools/booktool/links.py) finds a missing page, a missing
anchor and a link out of the site, and lists external links without fetching them."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from booktool.links import link_problems  # noqa: E402


def test_broken_links_and_anchors_are_found(tmp_path):
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "LICENSE.txt").write_text("MIT")
    (site / "book" / "intro.html").write_text(
        '<h1 id="top">x</h1><a href="a.html#eq-1">ok</a> <a href="#top">ok</a> '
        '<a href="../LICENSE.txt">ok</a> <a href="https://arxiv.org/abs/2602.02908">out</a>')
    (site / "book" / "a.html").write_text(
        '<span id="eq-1"></span><a href="intro.html#nowhere">bad anchor</a> '
        '<a href="missing.html">bad page</a>')
    (site / "search.html").write_text('<a href="../LICENSE.txt">out of the site</a>')
    problems, external = link_problems(site)
    assert external == ["https://arxiv.org/abs/2602.02908"]
    assert len(problems) == 3, problems
    assert "book/a.html: intro.html#nowhere (no id 'nowhere' in intro.html)" in problems
    assert "book/a.html: missing.html (no file book/missing.html)" in problems
    assert any(p.startswith("search.html: ../LICENSE.txt") and "outside the site" in p
               for p in problems)


def test_the_footer_is_rebased_on_pages_at_the_site_root(tmp_path):
    from booktool.build import rebase_root_pages

    footer = ('<div class="extra_footer"><p><a href="../LICENSE.txt">MIT</a> '
              '<a href="intro.html#cite">cite</a> <a href="https://x.org">out</a></p></div>')
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "LICENSE.txt").write_text("MIT")
    (site / "book" / "intro.html").write_text(f'<h2 id="cite">Cite</h2>{footer}')
    (site / "search.html").write_text(f'<a href="book/intro.html">home</a>{footer}')
    assert link_problems(site)[0] != []                  # the footer as written, at the root
    assert rebase_root_pages(site) == [site / "search.html"]
    assert link_problems(site) == ([], ["https://x.org"])
    text = (site / "search.html").read_text()
    assert 'href="LICENSE.txt"' in text and 'href="book/intro.html#cite"' in text
    assert 'href="book/intro.html">home' in text          # outside the footer: unchanged
    assert rebase_root_pages(site) == []                  # nothing left to change
