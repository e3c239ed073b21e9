"""Sweeps: the local executor runs a grid, skips finished runs, resumes a killed one; the SLURM
path is checked through the sbatch script submitit would submit (no SLURM needed)."""

import dataclasses
import io
import json
import os
import signal
import time

import numpy as np
import pytest

from rmtdiff.experiments import network_grid as nc
from rmtdiff.data.train_test import prepare_data
from rmtdiff.experiments import sweep
from rmtdiff.experiments.sweep.cli import main as sweep_main

# one training seed per split (split 1 with seed 1, split 2 with seed 2): four runs
OVERRIDES = {"n_values": [10], "steps": 20, "checkpoint_every": 10, "n_seeds": 4,
             "held_out": 20, "train_seeds": ((1,), (2,))}


@pytest.fixture
def tiny(tmp_path):
    """A 120-image 8x8 grey dataset as a .npz the loaders read (the last 20 are held out)."""
    x = np.random.default_rng(0).integers(0, 256, (120, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "tiny.npz", images=x)
    return tmp_path / "tiny.npz"


def configs(tiny, store, **extra):
    return sweep.sweep_configs("ci", ["networks"], [tiny], {**OVERRIDES, **extra}, store)


@pytest.mark.slow
def test_local_sweep_runs_four_jobs_then_skips_them(tiny, tmp_path):
    jobs = sweep.plan(configs(tiny, tmp_path / "runs"))
    assert len(jobs) == 4 and len({j.key for j in jobs}) == 4      # 2 archs x 2 splits
    out = io.StringIO()
    subs = sweep.launch(jobs, "local", parallel=2, out=out)
    assert len(subs) == 4 and all(j.done for j in jobs), out.getvalue()
    rows = sweep.status(tmp_path / "runs", jobs)
    assert [r["state"] for r in rows] == ["done"] * 4
    assert "4 done" in sweep.format_table(rows)
    logs = sorted((tmp_path / "runs" / "_sweep" / "logs").rglob("*"))
    again = io.StringIO()
    assert sweep.launch(sweep.plan(configs(tiny, tmp_path / "runs")), "local", out=again) == []
    assert "4 already done, 0 to run" in again.getvalue()
    assert sorted((tmp_path / "runs" / "_sweep" / "logs").rglob("*")) == logs
    # the chapters find the same runs by key
    cfg = dataclasses.replace(configs(tiny, tmp_path / "runs")[0], train_missing=False)
    found = nc.train_grid(cfg, prepare_data(cfg))
    assert {r.path.name for r in found.values()} == {j.key for j in jobs}


def signal_after_first_checkpoint(job, store, signum):
    """Launch one job locally, wait until its first checkpoint exists, send ``signum`` to its
    training process (the pid in the job's state file) and wait until the job has ended."""
    (sub,) = sweep.launch([job], "local", wait=False, out=io.StringIO())
    ckpt = job.folder / "checkpoint.pt"
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline and not sub.done():
        time.sleep(0.05)
    assert ckpt.exists() and not sub.done(), "the job ended before its first checkpoint"
    state = json.loads((store / "_sweep" / f"{job.key}.json").read_text())
    os.kill(state["pid"], signum)
    while not sub.done():
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_job_resumes_from_its_checkpoint(tiny, tmp_path):
    """Tolerance: the resumed run continues the same random stream from the same weights, in a
    process with the same thread count as the reference, so its samples agree to float32
    round-off (1e-5 leaves room for a different summation order, and catches a restart from
    step 0 with a fresh generator, which changes samples by O(0.1))."""
    extra = {"archs": ["dit"], "steps": 600, "checkpoint_every": 20}
    jobs = sweep.plan(configs(tiny, tmp_path / "runs", **extra))[:1]
    # kill the training process as a crash or the kernel's OOM killer would (SIGKILL: no
    # handler runs; SIGINT could be ignored, as in a shell's background jobs)
    signal_after_first_checkpoint(jobs[0], tmp_path / "runs", signal.SIGKILL)
    (row,) = sweep.status(tmp_path / "runs", jobs)
    assert not jobs[0].done and row["state"] == "interrupted", row
    assert row["detail"].startswith("checkpoint at step")
    sweep.launch(jobs, "local", out=io.StringIO())
    record = json.loads((jobs[0].folder / "run.json").read_text())
    assert record["steps_done"] == 600 and record["resumed_from"] > 0
    # an uninterrupted run of the same job, in this process, to another store
    cfg = configs(tiny, tmp_path / "reference", **extra)[0]
    data = prepare_data(cfg)
    ref = nc.run_job(cfg, data, nc.grid_jobs(cfg, data)[0])
    assert ref.path.name == jobs[0].key
    np.testing.assert_allclose(np.load(jobs[0].folder / "samples.npy"), ref.samples, atol=1e-5)


@pytest.mark.slow
def test_a_preempted_or_timed_out_job_is_requeued_and_resumes(tiny, tmp_path):
    """SLURM warns a job with SIGUSR2 before its time limit or on preemption (submitit's local
    executor sends the same signal ``signal_delay_s`` before ``timeout_min``). Sent here to the
    training process once its first checkpoint exists: submitit requeues the job, which resumes
    the run from that checkpoint and finishes it."""
    extra = {"archs": ["dit"], "steps": 3000, "checkpoint_every": 50}
    jobs = sweep.plan(configs(tiny, tmp_path / "runs", **extra))[:1]
    signal_after_first_checkpoint(jobs[0], tmp_path / "runs", signal.SIGUSR2)
    record = json.loads((jobs[0].folder / "run.json").read_text())
    assert record["steps_done"] == 3000 and record["resumed_from"] > 0
    log = next((tmp_path / "runs" / "_sweep" / "logs").glob("*_0_log.out")).read_text()
    assert "Requeued job" in log, log[-2000:]


def test_slurm_parameters_build_the_expected_sbatch_script(tmp_path):
    from submitit.slurm.slurm import _make_sbatch_string

    params = sweep.slurm_parameters(partition="gpu", gpus_per_node=4, timeout_min=240,
                                    mem_gb=64, account="lab", setup=["module load cuda"])
    text = _make_sbatch_string(command="python -m x", folder=tmp_path, map_count=30, **params)
    for line in ("#SBATCH --partition=gpu", "#SBATCH --gpus-per-node=4",
                 "#SBATCH --ntasks-per-node=4", "#SBATCH --time=240", "#SBATCH --mem=64GB",
                 "#SBATCH --account=lab", "#SBATCH --signal=USR2@120", "#SBATCH --array=0-29%30",
                 "#SBATCH --nodes=1", "module load cuda"):
        assert line in text, line
    with pytest.raises(ValueError, match="gpus_per_node must be >= 1"):
        sweep.slurm_parameters(gpus_per_node=0)


def test_dry_run_and_status_commands(tiny, tmp_path, capsys):
    argv = ["launch", "--scale", "ci", "--presets", "networks", "--dataset", str(tiny),
            "--overrides", json.dumps(OVERRIDES), "--run-dir", str(tmp_path / "runs")]
    assert sweep_main(argv + ["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("to run") == 4 and "4 jobs, 0 done" in out
    assert not (tmp_path / "runs").exists()                         # nothing written
    assert sweep_main(argv + ["--overrides", "[1, 2]", "--dry-run"]) == 2
    assert "--overrides must be a JSON object" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown parameter"):
        sweep_main(argv[:-2] + ["--overrides", '{"stepz": 3}', "--dry-run"])
    assert sweep_main(["status", "--run-dir", str(tmp_path / "nowhere")]) == 2


def test_status_reports_failures_with_the_errors_last_lines(tmp_path):
    store = tmp_path / "runs"
    (store / "_sweep").mkdir(parents=True)
    (store / "_sweep" / "abc.json").write_text(json.dumps(
        {"state": "failed", "label": "unet n=10 split 1",
         "error": "Traceback\n  File x\nValueError: images must have shape (n, 1, 8, 8)"}))
    (store / "def").mkdir()
    (row_a, row_b) = sweep.status(store)
    assert row_a["state"] == "failed" and "ValueError: images must have shape" in row_a["detail"]
    assert row_b["state"] == "pending"


def test_missing_run_is_an_error_when_training_is_off(tiny, tmp_path):
    cfg = dataclasses.replace(configs(tiny, tmp_path / "empty")[0], train_missing=False)
    with pytest.raises(FileNotFoundError, match="is not in .*python -m rmtdiff sweep"):
        nc.train_grid(cfg, prepare_data(cfg))
