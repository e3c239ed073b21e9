"""One run over two processes (DDP, gloo backend on the CPU) equals the single-process run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rmtdiff.nets import distributed

HELPER = Path(__file__).parent / "helpers" / "ddp_train.py"


def _launch(store, processes):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("WORLD_SIZE", None)
    cmd = ([sys.executable, str(HELPER), str(store)] if processes == 1 else
           [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={processes}", str(HELPER), str(store)])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    (folder,) = [p for p in Path(store).iterdir() if p.is_dir()]
    return folder, out.stdout


@pytest.mark.slow
def test_two_processes_train_the_same_run_as_one(tmp_path):
    """Same key, same losses, same weights and samples up to summation order.

    Tolerance: the two ranks' gradients are averaged by an all-reduce, a different order of the
    same float32 sums as one process's batch mean (relative error ~1e-7 per gradient entry). Over
    12 Adam steps of learning rate 1e-3 this moves weights by at most a few 1e-7 (measured 4.9e-7),
    so 1e-5 on weights and 1e-4 on the [-1, 1] samples and the losses (which pass the weights
    through a network and 35 sampler steps) leave a margin of 20 or more and still catch a rank
    training on the wrong share, or on the whole batch (differences of 1e-3 or more)."""
    one, _ = _launch(tmp_path / "one", 1)
    two, log = _launch(tmp_path / "two", 2)
    assert one.name == two.name                      # the key does not depend on the processes
    assert "rank 0 done" in log and "rank 1 done" in log
    rec1, rec2 = (json.loads((f / "run.json").read_text()) for f in (one, two))
    assert (rec1["processes"], rec2["processes"]) == (1, 2)
    for a, b in zip(rec1["history"], rec2["history"]):
        assert a["step"] == b["step"]
        for k in ("train_loss", "held_out_loss", "ema_train_loss"):
            assert abs(a[k] - b[k]) < 1e-4, (k, a[k], b[k])
    w1, w2 = (torch.load(f / "model.pt", weights_only=False)["model"] for f in (one, two))
    assert max(float((w1[k] - w2[k]).abs().max()) for k in w1) < 1e-5
    import numpy as np
    s1, s2 = np.load(one / "samples.npy"), np.load(two / "samples.npy")
    assert np.abs(s1 - s2).max() < 1e-4
    # rank 0 alone wrote the folder: one of each file, no temporary left
    assert not list(two.glob("*.tmp"))


def test_single_process_is_rank_zero_of_one():
    assert distributed.world() == (0, 1) and distributed.is_main()
    assert distributed.share(64) == slice(0, 64)
    distributed.barrier()


def test_uneven_batch_share_is_refused(monkeypatch):
    monkeypatch.setattr(distributed, "world", lambda: (1, 3))
    with pytest.raises(ValueError, match="divisible by the number of processes"):
        distributed.share(64)
    assert distributed.share(63) == slice(21, 42)


def test_incomplete_environment_is_refused(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    for v in ("RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(v, raising=False)
    with pytest.raises(RuntimeError, match="RANK, MASTER_ADDR, MASTER_PORT not set"):
        distributed.init_from_env()
