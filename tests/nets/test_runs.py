"""Training runs are found by their key and never retrained; the experiment's data and splits."""

import json

import numpy as np
import pytest

from rmtdiff.nets import runs
from rmtdiff.data.splits import contiguous_pair as split_indices
from rmtdiff.nets.networks import network_preset
from rmtdiff.nets.training import TrainConfig

NET = network_preset("dit", "tiny", image_size=8)
TRAIN = TrainConfig(steps=4, batch_size=4, checkpoint_every=2, eval_images=4)


def images(seed=0, n=12):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 1, 8, 8)).astype(np.float32)


def test_a_finished_run_is_found_by_its_key_and_not_retrained(tmp_path):
    meta = {"dataset": "test", "n": 12}
    first = runs.train_run(tmp_path, NET, TRAIN, images(), images(1, 4), range(3), meta)
    assert first.samples.shape == (3, 1, 8, 8) and first.samples.dtype == np.float32
    record = json.loads((first.path / "run.json").read_text())
    assert record["steps_done"] == 4 and record["seeds"] == [0, 1, 2]
    assert {"train_loss", "held_out_loss", "ema_train_loss"} <= set(record["final"])
    assert sorted(runs.probe_samples(first)) == [2, 4]
    stamp = (first.path / "run.json").stat().st_mtime_ns
    again = runs.train_run(tmp_path, NET, TRAIN, images(), images(1, 4), range(3), meta)
    assert again.path == first.path and (again.path / "run.json").stat().st_mtime_ns == stamp
    assert np.array_equal(again.samples, first.samples)
    # the trained denoiser reproduces the stored samples
    redo = runs.sample_seed_bank(first.denoiser(), range(3), (1, 8, 8))
    assert np.allclose(redo, first.samples, atol=1e-5)


def test_the_key_covers_data_configuration_and_seeds_only():
    key = runs.run_key(NET, TRAIN, images(), None, range(3), 35, {"n": 12})
    assert key == runs.run_key(NET, TRAIN, images(), None, range(3), 35, {"n": 12})
    changed = [runs.run_key(NET, TRAIN, images(seed=5), None, range(3), 35, {"n": 12}),
               runs.run_key(NET, TrainConfig(steps=5), images(), None, range(3), 35, {"n": 12}),
               runs.run_key(NET, TRAIN, images(), None, range(4), 35, {"n": 12}),
               runs.run_key(NET, TRAIN, images(), None, range(3), 18, {"n": 12})]
    assert key not in changed and len(set(changed)) == len(changed)


def test_an_unfinished_run_resumes_from_its_checkpoint(tmp_path):
    meta = {"n": 12}
    key = runs.run_key(NET, TRAIN, images(), None, range(2), 35, meta)
    folder = tmp_path / key
    # a run killed after its first checkpoint: train 2 steps into the run's own folder
    folder.mkdir()
    import torch
    from rmtdiff.nets import networks
    from rmtdiff.nets import training
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TRAIN.seed)
        D = training.Denoiser(networks.build_network(NET))
    short = TrainConfig(**{**TRAIN.__dict__, "steps": 2})
    training.train(D, torch.as_tensor(images()), short, folder / "checkpoint.pt")
    resumed = runs.train_run(tmp_path, NET, TRAIN, images(), None, range(2), meta)
    assert resumed.record["resumed_from"] == 2
    fresh = runs.train_run(tmp_path / "other", NET, TRAIN, images(), None, range(2), meta)
    assert fresh.record["resumed_from"] == 0
    assert np.array_equal(resumed.samples, fresh.samples)


def test_bad_input():
    with pytest.raises(ValueError, match=r"images must have shape \(n, 1, 8, 8\)"):
        runs.train_run("/nonexistent", NET, TRAIN, np.zeros((3, 1, 16, 16)), None, range(2), {})
    with pytest.raises(ValueError, match="exceeds the 100 samples"):
        split_indices(100, 60)
    with pytest.raises(FileNotFoundError, match="not a finished run"):
        runs.load_run("/nonexistent")


def test_samples_are_not_clipped():
    # a denoiser that always answers 3.0: the flow ends at 3.0, outside an image's [-1, 1]
    x = runs.sample_seed_bank(lambda x, sigma: np.full_like(x, 3.0) if isinstance(x, np.ndarray)
                              else x * 0 + 3.0, range(2), (1, 4, 4), heun_steps=8)
    assert np.allclose(x, 3.0, atol=1e-3)


def test_a_second_trainer_waits_for_the_lock_and_finds_the_run(tmp_path):
    import subprocess
    import sys
    import time

    meta = {"n": 12}
    key = runs.run_key(NET, TRAIN, images(), None, range(2), 35, meta)
    folder = tmp_path / key
    folder.mkdir()
    assert not runs.is_training(folder)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\n"
         f"f = open({str(folder / '.lock')!r}, 'a'); fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('held', flush=True); time.sleep(3)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    assert runs.is_training(folder)
    t0 = time.perf_counter()
    run = runs.train_run(tmp_path, NET, TRAIN, images(), None, range(2), meta)
    assert time.perf_counter() - t0 > 1.0             # it waited for the holder
    holder.wait()
    assert run.record["steps_done"] == 4 and not runs.is_training(folder)
