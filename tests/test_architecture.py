"""The layer contract (pyproject.toml, ARCHITECTURE.md) holds, and import-linter would catch a
theory module that imports a network or data module (checked on an edited copy)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter not installed")


def lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def test_the_package_keeps_its_layers():
    out = lint()
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("module, line", [
    ("theory/kappa.py", "from ..nets import training\n"),
    ("theory/fluctuations.py", "from ..data import loading\n"),
    ("core/metrics.py", "from ..theory import kappa\n"),
    ("theory/trajectories.py", "import torch\n"),
])
def test_a_forbidden_import_breaks_the_contract(tmp_path, module, line):
    copy = tmp_path / "rmtdiff"
    shutil.copytree(ROOT / "lib" / "rmtdiff", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    text = target.read_text()
    head, sep, rest = text.partition("\nimport numpy as np\n")
    target.write_text(head + sep + line + rest)
    out = lint(tmp_path)
    assert out.returncode != 0 and "BROKEN" in out.stdout, out.stdout
