"""torch is imported only by the network layer: with torch made unimportable, every other module
of the package imports, and every test module but the network ones (tests/conftest.py:
NEEDS_TORCH; the package's doctests: the Makefile's NOTORCH_IGNORE) collects. This is what
`make test-notorch` relies on to run the rest under a Python that has no torch."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the modules that need torch to be imported: the network layer and what trains or reads runs
TORCH_MODULES = re.compile(r"rmtdiff\.(nets(\..*)?|experiments\.(network_\w+|sweep(\..*)?))$")


BLOCK = """import sys


class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch' (blocked)", name=name)
        return None


sys.meta_path.insert(0, NoTorch())
"""


def without_torch(tmp_path: Path, code: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python code...`` with ``import torch`` failing (a sitecustomize puts a finder first
    on the meta path that refuses torch and its submodules)."""
    (tmp_path / "sitecustomize.py").write_text(BLOCK)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {"PYTHONPATH": path, "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_only_the_network_layer_imports_torch(tmp_path):
    script = """
import importlib, json, pkgutil, rmtdiff
try:
    import torch
    raise SystemExit("torch imported")
except ImportError:
    pass
failed = {}
for m in pkgutil.walk_packages(rmtdiff.__path__, "rmtdiff."):
    try:
        importlib.import_module(m.name)
    except ImportError as exc:
        failed[m.name] = str(exc)
print(json.dumps(failed))
"""
    out = without_torch(tmp_path, ["-c", script])
    assert out.returncode == 0, out.stderr
    failed = json.loads(out.stdout.strip().splitlines()[-1])
    assert failed, "blocking torch failed nothing: the check is not blocking it"
    assert all("torch" in why for why in failed.values()), failed
    outside = sorted(m for m in failed if not TORCH_MODULES.match(m))
    assert not outside, f"these modules import torch but are not network modules: {outside}"
    assert "rmtdiff.nets.networks" in failed
    assert "rmtdiff.theory.kappa" not in failed and "rmtdiff.__main__" not in failed


def test_every_other_test_collects_without_torch(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    value = re.search(r"^NOTORCH_IGNORE := ((?:.*\\\n)*.*)$", makefile, re.M).group(1)
    ignore = shlex.split(value.replace("\\\n", " "))
    assert "--deselect" in ignore
    out = without_torch(tmp_path, ["-m", "pytest", "--collect-only", "-q", "-p",
                                   "no:cacheprovider", *ignore, "tests", "lib"])
    assert out.returncode == 0, out.stdout[-3000:]
    collected = int(re.search(r"(\d+) tests? collected", out.stdout).group(1))
    assert collected >= 400, out.stdout[-500:]
    assert "tests/nets/" not in out.stdout and "tests/theory/test_kappa.py" in out.stdout
