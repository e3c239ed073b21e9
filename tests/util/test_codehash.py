"""Code fingerprints keyed by what runs: edits that cannot change a result keep every key, edits
that can change it change the key. Each case edits a copy of the package and compares."""


import pytest
from conftest import edit

from rmtdiff.nets.runs import TRAINING_ROOTS
from rmtdiff.util.codehash import PACKAGE_DIR, fingerprint, source_fingerprint

CHAPTER = """
import numpy as np
import rmtdiff as rd
from rmtdiff.experiments import montecarlo as mc
k = rd.solve_kappa(0.1, np.ones(3), 10)
s = list(mc.gaussian_splits(np.ones(3), 5, 2, np.random.default_rng(0)))
"""


def keys(pkg):
    return fingerprint(TRAINING_ROOTS, pkg), source_fingerprint(CHAPTER, pkg)


def test_the_copy_has_the_packages_keys(pkg):
    assert keys(pkg) == keys(PACKAGE_DIR)


def test_docstrings_comments_and_imports_change_no_key(pkg):
    before = keys(pkg)
    edit(pkg / "nets" / "training.py", '"""The weighted denoising loss of one minibatch',
         '"""(edited) The weighted denoising loss of one minibatch')
    edit(pkg / "nets" / "training.py", "    step, history = 0, []",
         "    step, history = 0, []  # a new comment")
    edit(pkg / "theory" / "kappa.py", "r\"\"\"The renormalised ridge", "r\"\"\"Edited. The renormalised ridge")
    edit(pkg / "nets" / "runs.py", "import platform\n", "import platform\nimport itertools\n")
    edit(pkg / "nets" / "training.py", "def train(D: Denoiser,", "def train(D: nn.Module,")
    assert keys(pkg) == before


def test_a_moved_module_changes_no_key(pkg):
    before = keys(pkg)
    (pkg / "core" / "edm.py").rename(pkg / "core" / "sampler.py")
    for f in pkg.rglob("*.py"):
        text = f.read_text()
        new = text.replace("from ..core import edm\n", "from ..core import sampler as edm\n") \
            .replace("from ..core.edm import", "from ..core.sampler import") \
            .replace("from .core.edm import", "from .core.sampler import") \
            .replace("from .edm import", "from .sampler import")
        if new != text:
            f.write_text(new)
    assert keys(pkg) == before


def test_an_unrelated_function_changes_no_key(pkg):
    train, chapter = keys(pkg)
    edit(pkg / "theory" / "kappa.py", "    return (lam**2 / ((lam + k) * (lam + k2))).sum(-1)",
         "    return (lam * lam / ((lam + k) * (lam + k2))).sum(-1)")        # df2, unused by both
    edit(pkg / "presentation" / "plotting.py", "DPI = 100", "DPI = 101")
    assert keys(pkg) == (train, chapter)
    # the kappa solver is not on the training path, but the chapter calls it
    edit(pkg / "theory" / "kappa.py", "RTOL = 1e-13", "RTOL = 1e-12")
    assert keys(pkg)[0] == train and keys(pkg)[1] != chapter


@pytest.mark.parametrize("where, old, new", [
    ("nets/training.py", "        opt.step()\n", "        opt.step()\n        opt.step()\n"),
    ("nets/training.py", "P_MEAN, P_STD = -1.2, 1.2", "P_MEAN, P_STD = -1.0, 1.2"),
    ("nets/training.py", "    per_image = ((d - x0) ** 2).flatten(1).mean(1)",
     "    per_image = ((d - x0).abs()).flatten(1).mean(1)"),
    ("nets/networks.py", "nn.GELU(approximate=\"tanh\")", "nn.GELU()"),
    ("core/edm.py", "RHO = 7.0", "RHO = 5.0"),
    ("nets/runs.py", "        torch.manual_seed(seed)", "        torch.manual_seed(seed + 1)"),
    ("nets/runs.py", "PROBE_SEEDS = 128", "PROBE_SEEDS = 16"),
    ("nets/runs.py", "    D = initial_denoiser(net_cfg, train_cfg.seed, device)",
     "    D = initial_denoiser(net_cfg, train_cfg.seed + 1, device)"),
])
def test_the_training_step_the_loss_the_network_and_the_sampler_change_the_run_key(
        pkg, where, old, new):
    train, _ = keys(pkg)
    edit(pkg / where, old, new)
    assert keys(pkg)[0] != train


def test_a_chapter_key_follows_its_own_code_but_not_its_formatting(pkg):
    base = source_fingerprint(CHAPTER, pkg)
    assert source_fingerprint(CHAPTER.replace("k = ", "k  =  ") + "# note\n", pkg) == base
    assert source_fingerprint(CHAPTER.replace("0.1", "0.2"), pkg) != base


def test_unknown_roots_are_errors():
    with pytest.raises(KeyError, match="not a definition"):
        fingerprint(["rmtdiff.nets.training.no_such_function"])
