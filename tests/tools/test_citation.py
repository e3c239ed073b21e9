"""The book's citation metadata: CITATION.cff is well formed and agrees with the front page's
BibTeX, with references.bib and with the package version; every reference links out."""

import re
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

import rmtdiff

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from booktool import release, stage  # noqa: E402


def bibtex_entries(text: str) -> dict[str, dict[str, str]]:
    """``{key: {field: value}}`` for the BibTeX entries in ``text`` (one field per line)."""
    entries = {}
    for m in re.finditer(r"@(\w+)\{([^,\s]+),\n(.*?)\n\}", text, re.S):
        fields = dict(re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", m.group(3), re.M))
        entries[m.group(2)] = {"type": m.group(1).lower(), **fields}
    return entries


@pytest.fixture(scope="module")
def cff():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


@pytest.fixture(scope="module")
def front_page():
    return bibtex_entries((ROOT / "book" / "intro.md").read_text())


@pytest.fixture(scope="module")
def bib():
    return bibtex_entries((ROOT / "references.bib").read_text())


def test_cff_has_the_required_fields(cff):
    # CFF 1.2.0 requires cff-version, message, title and authors (each a person or an entity)
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"]
    assert cff["authors"] and all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["type"] == "software"
    date.fromisoformat(str(cff["date-released"]))


def test_cff_version_and_licence_match_the_package(cff):
    assert cff["version"] == rmtdiff.__version__
    assert release.citation_problems() == []         # its links follow the repository setting
    assert cff["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_front_page_bibtex_of_the_book_matches_cff(cff):
    # the front page gets the book's entry at staging, in place of the marker
    assert stage.CITATION_MARKER in (ROOT / "book" / "intro.md").read_text()
    book = bibtex_entries(stage.citation_markdown())["rmtdiff_book"]
    assert book["type"] == "software"
    assert book["title"] == cff["title"]
    assert book["version"] == cff["version"]
    assert book["year"] == str(date.fromisoformat(str(cff["date-released"])).year)
    assert book["license"] == cff["license"]
    assert book["author"] == "{" + cff["authors"][0]["name"] + "}"


def test_front_page_bibtex_of_the_paper_matches_cff_and_references(cff, front_page, bib):
    paper, ref, pc = front_page["wang2026rmt"], bib["wang2026rmt"], cff["preferred-citation"]
    for field in ("title", "author", "year", "eprint", "booktitle"):
        assert paper[field] == ref[field], field
    assert paper["title"] == pc["title"]
    assert paper["year"] == str(pc["year"])
    families = [a["family-names"] for a in pc["authors"]]
    assert [a.split(",")[0].strip() for a in paper["author"].split(" and ")] == families
    assert f"arXiv:{paper['eprint']}" in [i["value"] for i in pc["identifiers"]]


def test_every_reference_has_a_doi_or_an_arxiv_id(bib):
    assert len(bib) >= 10
    for key, entry in bib.items():
        assert "doi" in entry or "eprint" in entry, f"{key} has neither a DOI nor an arXiv id"
        if "eprint" in entry:
            assert re.fullmatch(r"\d{4}\.\d{4,5}", entry["eprint"]), key
            assert entry.get("archiveprefix") == "arXiv", key
        if "doi" in entry:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", entry["doi"]), key


def test_every_cited_key_exists(bib):
    cited = set()
    for page in (ROOT / "book").glob("*.md"):
        for group in re.findall(r"\{cite\}`([\w,\s-]+)`", page.read_text()):
            cited.update(k.strip() for k in group.split(","))
    assert cited <= set(bib), sorted(cited - set(bib))
