"""Benchmark of network training throughput (issue 9): images per second of EDM training steps
(forward, backward, Adam) for the UNet and the DiT at the book and paper presets, eager against
``torch.compile`` (and channels-last memory for the UNet), all measured in this process.

Prints one line per (architecture, preset, variant) with images/s and the ratio to eager.
Run: .venv/bin/python bench/bench_training.py [--quick]   (--quick: book presets only)
On a GPU the paper presets run in bf16 autocast (as training would there).
"""

import argparse
import time

import torch

from rmtdiff.nets import networks

from rmtdiff.nets import training


def throughput(arch: str, size: str, variant: str, batch: int, steps: int, device: str) -> float:
    """Images per second of ``steps`` timed training steps after 3 warm-up steps."""
    image = 16 if size == "book" else 32
    cfg = networks.network_preset(arch, size, image_size=image)
    D = training.Denoiser(networks.build_network(cfg)).to(device)
    x = torch.rand(batch, cfg.channels, image, image, device=device) * 2 - 1
    if variant == "channels_last":
        D = D.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    model = torch.compile(D) if variant == "compile" else D
    if variant == "compile":
        model.sigma_data = D.sigma_data
    opt = torch.optim.Adam(D.parameters(), 1e-4)
    g = torch.Generator().manual_seed(0)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" \
        else torch.autocast("cpu", enabled=False)

    def step():
        with autocast:
            loss = training.edm_loss(model, x, g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="book presets only")
    p.add_argument("--steps", type=int, default=20)
    a = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sizes = ["book"] if a.quick else ["book", "paper"]
    print(f"device: {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    for size in sizes:
        batch = 64 if size == "book" else (256 if device == "cuda" else 8)
        steps = a.steps if size == "book" or device == "cuda" else 3
        for arch in ("unet", "dit"):
            variants = ["eager", "compile"] + (["channels_last"] if arch == "unet" else [])
            base = None
            for variant in variants:
                ips = throughput(arch, size, variant, batch, steps, device)
                base = base or ips
                print(f"{arch:5s} {size:6s} {variant:14s} batch {batch:4d}: {ips:9.1f} images/s "
                      f"({ips / base:.2f}x eager)", flush=True)


if __name__ == "__main__":
    main()
