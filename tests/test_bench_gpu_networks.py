"""bench/gpu_networks.py at a tiny size on the CPU: it trains the crossed design, writes the
table, the figure and the overrides, and a second call finds every run by its key."""

import json
import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_networks.py"


@pytest.mark.slow
def test_the_gpu_script_runs_tiny_on_cpu_and_reuses_its_runs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.syspath_prepend(str(SCRIPT.parent))          # as `python bench/...` runs it
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--out", str(out), "--tiny"])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert done.value.code == 0
    record = json.loads((out / "components.json").read_text())
    assert {r["arch"] for r in record["rows"]} == {"unet", "dit"}
    for row in record["rows"]:
        assert len(row["replicates"]["F"]) == 2 and len(row["U-F"]) == 3
        assert row["U"][0] == pytest.approx(row["F"][0] + row["U-F"][0])
    assert (out / "components.png").stat().st_size > 1000
    assert "| unet | 30 |" in (out / "components.md").read_text()
    overrides = json.loads((out / "overrides.json").read_text())["overrides"]
    assert overrides["run_dir"] == str((out / "runs").resolve())
    runs = sorted(p.name for p in (out / "runs").iterdir() if (p / "run.json").exists())
    assert len(runs) == 8                                  # 2 architectures x 2 splits x 2 seeds
    capsys.readouterr()
    with pytest.raises(SystemExit):
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert "training" not in capsys.readouterr().out       # found by key, nothing retrained
