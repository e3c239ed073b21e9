"""The networks' F / U / P experiment at the paper's recipe on one GPU, in a fixed time budget.

Trains, on the book's data, the crossed design of chapter 5 (two disjoint splits x two training
seeds, per architecture and split size) with the `paper` preset's networks and optimiser
(rmtdiff.experiments.config: 32 px, the paper's UNet and DiT, Adam at 1e-4, batch 256), for as
many steps as the budget allows: a short timed run measures images/s first, and the steps are
set so that every run of the grid, with its sampling, fits in ``--minutes``. Then it writes,
under ``--out``:

    runs/                 the run folders (keyed as the book keys them: the key does not depend
                          on the device, so the chapters render from them)
    components.json       F, U, P, U - F (means over seeds, 95% intervals, replicates), the
                          linear model of the same splits and the theory, per architecture and n
    components.md         the same as a Markdown table
    components.png        F, U, U - F, the linear model and the theory against n
    overrides.json        the chapter overrides that find these runs, e.g.
                          make chapter NAME=05_networks SCALE=paper PARAMS="$(cat overrides.json)"

Run:  .venv/bin/python bench/gpu_networks.py --out /path/to/out [--minutes 8]
Test: .venv/bin/python bench/gpu_networks.py --out /tmp/x --tiny   (CPU, about a minute)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

from _timing import training_images_per_second
import rmtdiff as rd
from rmtdiff.experiments import network_components as ncomp
from rmtdiff.experiments import network_grid as ng
from rmtdiff.nets import networks
from rmtdiff.nets.runs import initial_denoiser
from rmtdiff.util.io import atomic_write, write_json


def images_per_second(cfg, data, arch: str, device: str, steps: int = 10) -> float:
    """Training images per second of one architecture at the configuration's batch size."""
    net_cfg = networks.network_preset(arch, cfg.net_size, image_size=cfg.image_size,
                                      channels=data.train.shape[1])
    D = initial_denoiser(net_cfg, 0, device)
    x = torch.as_tensor(data.train[:cfg.batch_size], dtype=torch.float32, device=device)
    return training_images_per_second(D, x, device, steps, lr=cfg.lr, bf16=device == "cuda")


def plan_steps(cfg, rates: dict[str, float], minutes: float, sampling_share: float = 0.25) -> int:
    """Steps per run so that the grid's training fits ``(1 - sampling_share)`` of the budget
    (the rest is left for sampling the seed bank, the probes and the losses)."""
    runs_per_arch = len(cfg.n_values) * sum(len(t) for t in cfg.train_seeds)
    seconds_per_step = sum(runs_per_arch * cfg.batch_size / rates[a] for a in cfg.archs)
    steps = int(minutes * 60 * (1 - sampling_share) / seconds_per_step)
    return max(8, steps - steps % 4)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--minutes", type=float, default=8.0, help="time budget (default 8)")
    p.add_argument("--n-values", default="1000,3000", help="split sizes (default 1000,3000)")
    p.add_argument("--dataset", default="fashion-mnist")
    p.add_argument("--tiny", action="store_true",
                   help="the ci preset's tiny networks at 8 px, 16 seeds: a CPU test")
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    device = rd.default_device()
    n_values = tuple(int(v) for v in a.n_values.split(","))
    if a.tiny:
        base = rd.preset("networks", "ci", n_values=(30,), n_seeds=16, held_out=40,
                         eval_images=32, dataset=a.dataset)
    else:
        base = rd.preset("networks", "paper", n_values=n_values, dataset=a.dataset)
    cfg = dataclasses.replace(base, run_dir=str((out / "runs").resolve()), train_missing=True)
    data = rd.prepare_data(cfg)
    t_start = time.perf_counter()
    rates = {arch: images_per_second(cfg, data, arch, device) for arch in cfg.archs}
    steps = 16 if a.tiny else plan_steps(cfg, rates, a.minutes - 0.5)
    cfg = dataclasses.replace(cfg, steps=steps, checkpoint_every=max(1, steps // 4),
                              warmup=min(cfg.warmup, steps // 10))
    print(f"device {device}: " + ", ".join(f"{k} {v:.0f} images/s" for k, v in rates.items())
          + f"; {steps} steps per run", flush=True)
    runs = ng.train_grid(cfg, data, device=device)
    parts = ncomp.decompose(runs)
    rows = ncomp.component_rows(parts)
    linear = ng.linear_grid(cfg, data)
    theory = ncomp.theory_prediction(cfg, data)
    table = [{"arch": r.arch, "n": r.n, **{k: list(v) for k, v in r.values.items()},
              "replicates": r.replicates,
              "linear": float(ncomp.linear_cross_split(linear, r.n).mean()),
              "theory": float(theory[r.n].mean()),
              "final_losses": [runs[r.arch, r.n, s, w].record["final"]
                               for s in (1, 2) for w in cfg.train_seeds[s - 1]]}
             for r in rows]
    record = {"device": device, "torch": torch.__version__, "images_per_second": rates,
              "steps": steps, "batch_size": cfg.batch_size, "image_size": cfg.image_size,
              "seconds": round(time.perf_counter() - t_start, 1),
              "config": json.loads(rd.to_json(cfg)), "rows": table}
    write_json(out / "components.json", record)
    lines = ["| network | n | F | U | P | U - F | linear | theory |", "|---|---|---|---|---|---|---|---|"]
    for t in table:
        cell = lambda k: f"{t[k][0]:.4f} [{t[k][1]:.4f}, {t[k][2]:.4f}]"
        lines.append(f"| {t['arch']} | {t['n']} | {cell('F')} | {cell('U')} | {cell('P')} | "
                     f"{cell('U-F')} | {t['linear']:.4f} | {t['theory']:.4f} |")
    atomic_write(out / "components.md", lambda tmp: Path(tmp).write_text("\n".join(lines) + "\n"))
    overrides = {"overrides": {"steps": steps, "checkpoint_every": cfg.checkpoint_every,
                               "warmup": cfg.warmup, "n_values": list(cfg.n_values),
                               "run_dir": cfg.run_dir, "dataset": cfg.dataset}}
    write_json(out / "overrides.json", overrides)
    _figure(table, cfg, out / "components.png")
    print("\n".join(lines), flush=True)
    print(f"wrote {out} in {record['seconds']:.0f} s", flush=True)
    return 0


def _figure(table, cfg, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for i, arch in enumerate(cfg.archs):
        rows = [t for t in table if t["arch"] == arch]
        n = [t["n"] for t in rows]
        for k, ls in (("F", ":"), ("U", "-"), ("U-F", "--")):
            ax.plot(n, [t[k][0] for t in rows], ls, marker="o", color=f"C{i}", label=f"{arch} {k}")
    rows = [t for t in table if t["arch"] == cfg.archs[0]]
    ax.plot([t["n"] for t in rows], [t["linear"] for t in rows], "k^-", label="linear model")
    ax.plot([t["n"] for t in rows], [t["theory"] for t in rows], "k--", label="theory")
    ax.set(xscale="log", yscale="log", xlabel="images per split n",
           ylabel="same-seed MSE per pixel")
    ax.legend(fontsize=8)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
