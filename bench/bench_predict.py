"""Benchmark of rmtdiff.predict_cross_split_mse (issues 11 and 20) against the Monte Carlo it
replaces, in the same process.

A synthetic dataset of N "images" of d values (default N = 20000, d = 3072, CIFAR's size: a
power-law spectrum with log-normal image scales; generated and kept in float32, as images are),
1000 seeds, 5 split sizes. The command's path: dataset_statistics (the covariance in blocks, one
eigendecomposition), data_model (the rows rotated in blocks), the prediction. Prints:
  this machine's float64 matrix-multiply rate (a 4000 x 4000 product, best of 3)
  the statistics (covariance, eigendecomposition) and the rotation, computed once
  the prediction for the seeds x 5 n, end to end, per model, and as a multiple of the
  eigendecomposition (the floor of every model at large d)
  the data closure's stages: the renormalised noise of every n (levels), then the one pass over
  the rows, with its floating-point work and achieved rate against the matrix-multiply rate
  Monte Carlo at one n: wall time per split (draw, fit, sample the seeds), and the time for the
  400 splits per n that bring a seed's variance to a 7% standard error (sqrt(2/400)), as a ratio
  the process's peak resident memory after each stage
Run: .venv/bin/python bench/bench_predict.py [--rows N] [--dim D] [--models gaussian,elliptical]
     [--device auto|cpu|cuda]
"""

import argparse
import resource
import time

import numpy as np

import rmtdiff as rd
from rmtdiff.data import statistics
from rmtdiff.experiments.row_backend import row_backend
from rmtdiff.theory import nongaussian_fluctuations as dfl
from rmtdiff.theory.nongaussian_kappa import data_model

N_VALUES = (300, 1000, 3000, 10000, 30000)
MC_N, MC_SPLITS, MC_NEEDED = 1000, 6, 400
BLOCK = 2048


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def peak_gib() -> float:
    """The process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def gemm_rate() -> float:
    """Float64 GFLOP/s of one 4000 x 4000 product on this machine (best of 3)."""
    a = np.random.default_rng(1).standard_normal((4000, 4000))
    best = min(timed(lambda: a @ a)[1] for _ in range(3))
    return 2 * 4000**3 / best / 1e9


def synthetic(N: int, D: int, rng) -> np.ndarray:
    """N rows of D float32 values, sqrt(scale_j) lambda^(1/2) g_j, lambda_k = 1/k, in blocks."""
    root = np.sqrt(np.arange(1, D + 1, dtype=float) ** -1.0)
    scale = rng.lognormal(0.0, 0.5, (N, 1))
    scale = np.sqrt(scale / scale.mean())
    X = np.empty((N, D), dtype=np.float32)
    for a in range(0, N, BLOCK):
        X[a:a + BLOCK] = rng.standard_normal((min(BLOCK, N - a), D)) * root * scale[a:a + BLOCK]
    return X


def closure_flops(model, n_values, S):
    """Floating-point work of the data closure's pass over the rows (the shared-basis products of
    rmtdiff.theory.nongaussian_fluctuations._data_closure_rows), and the basis size R."""
    setups = [dfl._map_setup(model, n, 80.0, "estimated", dfl.PANELS, dfl.ORDER_MAP)
              for n in n_values]
    R = dfl._shared_basis(model, setups)[0].shape[0]
    N, r = model.size, model.eigvals.size
    work = 2.0 * N * R * r * S + 2.0 * N * r * R * R             # psi, Gamma: once
    for st in setups:
        L = st["F"].shape[0]
        work += N * (4.0 * (L * R * R + L * L * R) + 2.0 * R * R * S + 2.0 * R * S
                     + 2.0 * r * L + 2.0 * L * R)                # per n
    return work, R, [st["F"].shape[0] for st in setups]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000, help="population size N (default 20000)")
    ap.add_argument("--dim", type=int, default=3072, help="values per image d (default 3072)")
    ap.add_argument("--seeds", type=int, default=1000, help="seeds (default 1000)")
    ap.add_argument("--models", default="gaussian,elliptical,data",
                    help="comma-separated models to time (default all three)")
    ap.add_argument("--device", default="auto", help="the data closure's pass: auto, cpu, cuda")
    args = ap.parse_args()
    N, D, SEEDS, models = args.rows, args.dim, args.seeds, args.models.split(",")
    backend = row_backend(args.device)
    rate = gemm_rate()
    print(f"matrix multiply (float64, 4000^3): {rate:.0f} GFLOP/s")
    rng = np.random.default_rng(0)
    X = synthetic(N, D, rng)
    z = rd.seed_noise(range(SEEDS), D)
    print(f"N = {N}, d = {D} (float32 rows, {X.nbytes / 2**30:.2f} GiB), {SEEDS} seeds, "
          f"n = {N_VALUES}; data closure's pass on {backend or 'NumPy (CPU)'}")
    print(f"  peak memory after generating the data: {peak_gib():.2f} GiB")
    eig_time = []
    decompose = statistics.nonzero_eigh

    def timed_eigh(C):                                  # instrument the one eigendecomposition
        out, t = timed(lambda: decompose(C))
        eig_time.append(t)
        return out

    statistics.nonzero_eigh = timed_eigh
    try:
        stats, t_stats = timed(lambda: statistics.dataset_statistics(X, cache_dir=False,
                                                                     show_progress=False))
    finally:
        statistics.nonzero_eigh = decompose
    t_eig = eig_time[0]
    print(f"statistics: covariance {t_stats - t_eig:7.1f} s, eigendecomposition {t_eig:7.1f} s "
          f"(peak {peak_gib():.2f} GiB)")
    pop = stats
    if set(models) - {"gaussian"}:
        pop, t_rot = timed(lambda: data_model(X, stats))
        print(f"rotation of the rows (computed once):  {t_rot:7.1f} s (peak {peak_gib():.2f} GiB)")
    times = {}
    for m in models:
        _, times[m] = timed(lambda: rd.predict_cross_split_mse(pop, N_VALUES, z, model=m,
                                                               device=args.device))
        print(f"prediction, {m:>10}, {SEEDS} seeds x {len(N_VALUES)} n, end to end: "
              f"{times[m]:7.1f} s = {times[m] / t_eig:.2f} x the eigendecomposition "
              f"(peak {peak_gib():.2f} GiB)")
    if "data" in models:
        (work, R, L), t_setup = timed(lambda: closure_flops(pop, N_VALUES, SEEDS))
        t_pass = times["data"] - t_setup
        print(f"  data closure: levels of the {len(N_VALUES)} n (L = {L} nodes) {t_setup:.1f} s; "
              f"pass over the rows (shared basis R = {R}) {t_pass:.1f} s, "
              f"{work / 1e12:.2f} TFLOP, {work / t_pass / 1e9:.0f} GFLOP/s = "
              f"{work / t_pass / 1e9 / rate:.2f} of the CPU's matrix-multiply rate")

    def one_split():
        rows = X[rng.integers(0, N, MC_N)].astype(np.float64) - stats.mean
        return rd.linear_theory_image(rd.fit_gaussian(rows), z, sigma_T=80.0)

    _, t_mc = timed(lambda: [one_split() for _ in range(MC_SPLITS)])
    per_split = t_mc / MC_SPLITS
    mc_total = per_split * MC_NEEDED * len(N_VALUES)
    print(f"Monte Carlo: {per_split:.2f} s per split (n = {MC_N}, {SEEDS} seeds); "
          f"{MC_NEEDED} splits = {per_split * MC_NEEDED:.0f} s per n, "
          f"{mc_total:.0f} s for the {len(N_VALUES)} n")
    for m, t in times.items():
        print(f"ratio Monte Carlo ({len(N_VALUES)} n) / prediction ({m}): {mc_total / t:,.1f}"
              f"   (one n: {per_split * MC_NEEDED / t:,.1f})")
    print(f"peak resident memory: {peak_gib():.2f} GiB")


if __name__ == "__main__":
    main()
