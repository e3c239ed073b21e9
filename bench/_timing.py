"""Shared timing helpers for the benchmarks (run them as `python bench/<name>.py`)."""

import time


def best_of(fn, repeats: int = 5) -> float:
    """Smallest wall time of ``repeats`` calls of ``fn`` (seconds): the least disturbed run."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def training_images_per_second(D, x, device: str, steps: int = 10, lr: float = 1e-4,
                               bf16: bool = False, model=None) -> float:
    """Images per second of ``steps`` EDM training steps (forward, backward, Adam) of the
    denoiser ``D`` on the batch ``x``, after 3 warm-up steps. ``model`` (default ``D``) is what
    the loss calls (a compiled ``D``); ``bf16`` runs the forward pass under bfloat16 autocast on
    ``device``'s type."""
    import torch

    from rmtdiff.nets import training

    model = D if model is None else model
    opt = torch.optim.Adam(D.parameters(), lr)
    g = torch.Generator().manual_seed(0)
    kind = "cuda" if str(device).startswith("cuda") else "cpu"

    def step():
        with torch.autocast(kind, dtype=torch.bfloat16, enabled=bf16):
            loss = training.edm_loss(model, x, g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    if kind == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if kind == "cuda":
        torch.cuda.synchronize()
    return x.shape[0] * steps / (time.perf_counter() - t0)
