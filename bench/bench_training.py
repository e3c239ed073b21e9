"""Benchmark of network training throughput (issue 9, issue 18): images per second of EDM
training steps (forward, backward, Adam) for the UNet and the DiT, eager against bf16 autocast,
``torch.compile`` (and channels-last memory for the UNet), the achieved GFLOP/s against this
machine's measured matmul rate, and two one-thread runs side by side against one two-thread run,
all measured in this process (and its children).

Prints one line per (architecture, preset, variant) with images/s, the ratio to eager and the
GFLOP/s, then the parallel comparison.
Run: .venv/bin/python bench/bench_training.py [--quick] [--no-parallel]
     (--quick: book presets only; --no-parallel: skip the side-by-side runs)
On a GPU the paper presets run in bf16 autocast (as training would there).
"""

import argparse
import subprocess
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from _timing import training_images_per_second
from rmtdiff.nets import networks, training


def build(arch: str, size: str, batch: int, device: str, channels_last: bool = False):
    """A denoiser of the preset and a random batch for it."""
    image = 16 if size == "book" else 32
    cfg = networks.network_preset(arch, size, image_size=image)
    torch.manual_seed(0)
    D = training.Denoiser(networks.build_network(cfg)).to(device)
    x = torch.rand(batch, cfg.channels, image, image, device=device) * 2 - 1
    if channels_last:
        D = D.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return D, x


def flops_per_image(D, x) -> float:
    """FLOPs of one training step's forward and backward pass per image (torch's counter;
    Adam's element-wise update is not counted)."""
    g = torch.Generator().manual_seed(0)
    with FlopCounterMode(display=False) as counter:
        training.edm_loss(D, x, g).backward()
    D.zero_grad(set_to_none=True)
    return counter.get_total_flops() / x.shape[0]


def matmul_gflops(device: str, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a float32 n x n matrix product, the best of ``repeats``."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def side_by_side(arch: str, steps: int) -> tuple[float, float]:
    """Images/s of one run with all threads, and of two runs at once with one thread each (the
    sum), each a child process of this one."""
    code = ("import sys, torch; sys.path.insert(0, 'bench'); torch.set_num_threads({t});"
            "from bench_training import build; from _timing import training_images_per_second;"
            f"D, x = build('{arch}', 'book', 64, 'cpu', {arch == 'unet'});"
            f"print(training_images_per_second(D, x, 'cpu', {steps}))")
    one = subprocess.run([sys.executable, "-c", code.format(t=torch.get_num_threads())],
                         capture_output=True, text=True, check=True)
    procs = [subprocess.Popen([sys.executable, "-c", code.format(t=1)], stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    two = sum(float(p.communicate()[0]) for p in procs)
    return float(one.stdout), two


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="book presets only")
    p.add_argument("--no-parallel", action="store_true", help="skip the side-by-side runs")
    p.add_argument("--steps", type=int, default=20)
    a = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sizes = ["book"] if a.quick else ["book", "paper"]
    peak = matmul_gflops(device)
    print(f"device: {device}, torch {torch.__version__}, threads {torch.get_num_threads()}; "
          f"float32 matmul {peak:.0f} GFLOP/s")
    for size in sizes:
        batch = 64 if size == "book" else (256 if device == "cuda" else 8)
        steps = a.steps if size == "book" or device == "cuda" else 3
        for arch in ("unet", "dit"):
            variants = ["eager", "bf16", "compile"] + (["channels_last"] if arch == "unet"
                                                       else [])
            D, x = build(arch, size, batch, device)
            per_image = flops_per_image(D, x)
            base = None
            for variant in variants:
                D, x = build(arch, size, batch, device, channels_last=variant == "channels_last")
                model = None
                if variant == "compile":
                    model = torch.compile(D)
                    model.sigma_data = D.sigma_data
                ips = training_images_per_second(D, x, device, steps, bf16=variant == "bf16"
                                                 or device == "cuda", model=model)
                base = base or ips
                gflops = per_image * ips / 1e9
                print(f"{arch:5s} {size:6s} {variant:14s} batch {batch:4d}: {ips:9.1f} images/s "
                      f"({ips / base:.2f}x eager), {gflops:6.1f} GFLOP/s "
                      f"({gflops / peak:.0%} of matmul)", flush=True)
    if device == "cpu" and not a.no_parallel and torch.get_num_threads() > 1:
        for arch in ("unet", "dit"):
            one, two = side_by_side(arch, a.steps)
            print(f"{arch:5s} book: one run with {torch.get_num_threads()} threads {one:.0f} "
                  f"images/s; two one-thread runs side by side {two:.0f} images/s "
                  f"({two / one:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
