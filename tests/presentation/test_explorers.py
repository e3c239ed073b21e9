"""Explorer payloads: what the page receives is exactly what the chapter computed."""

import json
import re

import numpy as np
import pytest

from rmtdiff import solve_kappa

from rmtdiff.presentation import explorers


def embedded(html: str) -> dict:
    m = re.search(r'<script type="application/json" class="rmt-explorer-data">(.*?)</script>',
                  html, re.S)
    return json.loads(m.group(1))


def test_kappa_payload_round_trips_through_the_page_and_holds_solve_kappa_checks():
    eigs = np.arange(1, 51) ** -1.0
    payload = explorers.kappa_payload({"power law": eigs, "flat </script>": np.ones(5)},
                                      checks_per_spectrum=4)
    page = explorers.explorer_html("kappa", payload, "kappa explorer")
    assert page.count("</script>") == 1                 # a name cannot close the element
    assert embedded(page) == json.loads(json.dumps(payload))
    for c in payload["checks"]:
        sp = next(s for s in payload["spectra"] if s["name"] == c["spectrum"])
        assert c["kappa"] == float(solve_kappa(c["s"], sp["eigs"], c["n"]))
    assert any(c["s"] == 0.0 for c in payload["checks"])          # kappa_0 is checked too


def test_payload_changes_with_the_chapter_inputs():
    """A re-executed chapter with other inputs embeds other data (nothing is cached here)."""
    a = explorers.kappa_payload({"p": np.arange(1, 41) ** -1.0})
    b = explorers.kappa_payload({"p": np.arange(1, 41) ** -2.0})
    assert a["spectra"] != b["spectra"] and a["checks"] != b["checks"]


def test_write_payload_is_atomic(tmp_path):
    path = explorers.write_payload({"x": [1, 2]}, tmp_path / "d" / "k.json")
    assert json.loads(path.read_text()) == {"x": [1, 2]}
    with pytest.raises(ValueError):
        explorers.write_payload({"x": float("nan")}, tmp_path / "d" / "bad.json")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["k.json"]


def test_bad_input():
    with pytest.raises(ValueError, match="kind must be one of"):
        explorers.explorer_html("seeds", {})
    with pytest.raises(ValueError, match="at least one named spectrum"):
        explorers.kappa_payload({})
    with pytest.raises(ValueError, match=">= 0"):
        explorers.kappa_payload({"bad": [-1.0, 1.0]})
    with pytest.raises(ValueError, match="increasing positive"):
        explorers.kappa_payload({"p": [1.0]}, n_range=(10, 1))
