"""Benchmark of rmtdiff.predict_cross_split_mse (issues 11 and 20) against the Monte Carlo it
replaces, in the same process.

A synthetic dataset of N = 20000 "images" of d = 3072 values (CIFAR's size: a power-law spectrum
with log-normal image scales), 1000 seeds, 5 split sizes. Prints:
  this machine's float64 matrix-multiply rate (a 4000 x 4000 product, best of 3)
  the statistics, computed once (fit and rotation; cached by the command)
  the prediction for 1000 seeds x 5 n, end to end: Gaussian law, elliptical closure, data closure
  the data closure's stages: the renormalised noise of every n (levels), then the one pass over
  the rows, with its floating-point work and achieved rate against the matrix-multiply rate
  Monte Carlo at one n: wall time per split (draw, fit, sample 1000 seeds), and the time for the
  400 splits per n that bring a seed's variance to a 7% standard error (sqrt(2/400)), as a ratio
  the process's peak resident memory
Run: .venv/bin/python bench/bench_predict.py [--rows N]
"""

import argparse
import resource
import time

import numpy as np

import rmtdiff as rd
from rmtdiff.theory import nongaussian_fluctuations as dfl
from rmtdiff.theory.nongaussian_kappa import data_model

D, SEEDS = 3072, 1000
N_VALUES = (300, 1000, 3000, 10000, 30000)
MC_N, MC_SPLITS, MC_NEEDED = 1000, 6, 400


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def gemm_rate() -> float:
    """Float64 GFLOP/s of one 4000 x 4000 product on this machine (best of 3)."""
    a = np.random.default_rng(1).standard_normal((4000, 4000))
    best = min(timed(lambda: a @ a)[1] for _ in range(3))
    return 2 * 4000**3 / best / 1e9


def closure_flops(model, n_values, S):
    """Floating-point work of the data closure's pass over the rows (the shared-basis products of
    rmtdiff.theory.nongaussian_fluctuations._data_closure_rows), and the basis size R."""
    setups = [dfl._map_setup(model, n, 80.0, "estimated", dfl.PANELS, dfl.ORDER_MAP)
              for n in n_values]
    R = dfl._shared_basis(model, setups)[0].shape[0]
    N, r = model.coords.shape
    work = 2.0 * N * R * r * S + 2.0 * N * r * R * R             # psi, Gamma: once
    for st in setups:
        L = st["F"].shape[0]
        work += N * (4.0 * (L * R * R + L * L * R) + 2.0 * R * R * S + 2.0 * R * S
                     + 2.0 * r * L + 2.0 * L * R)                # per n
    return work, R, [st["F"].shape[0] for st in setups]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000, help="population size N (default 20000)")
    N = ap.parse_args().rows
    rate = gemm_rate()
    print(f"matrix multiply (float64, 4000^3): {rate:.0f} GFLOP/s")
    rng = np.random.default_rng(0)
    lam = np.arange(1, D + 1, dtype=float) ** -1.0
    scale = rng.lognormal(0.0, 0.5, (N, 1))
    X = rng.standard_normal((N, D)) * np.sqrt(lam) * np.sqrt(scale / scale.mean())
    z = rd.seed_noise(range(SEEDS), D)
    model, t_model = timed(lambda: data_model(X))
    print(f"N = {N}, d = {D}, {SEEDS} seeds, n = {N_VALUES}")
    print(f"statistics (fit, rotate; computed once):             {t_model:7.1f} s")
    times = {}
    for m in ("gaussian", "elliptical", "data"):
        _, times[m] = timed(lambda: rd.predict_cross_split_mse(model, N_VALUES, z, model=m))
        print(f"prediction, {m:>10}, {SEEDS} seeds x {len(N_VALUES)} n, end to end: "
              f"{times[m]:7.1f} s")
    (work, R, L), t_setup = timed(lambda: closure_flops(model, N_VALUES, SEEDS))
    t_pass = times["data"] - t_setup
    print(f"  data closure: levels of the {len(N_VALUES)} n (L = {L} nodes) {t_setup:.1f} s; "
          f"pass over the rows (shared basis R = {R}) {t_pass:.1f} s, {work / 1e12:.2f} TFLOP, "
          f"{work / t_pass / 1e9:.0f} GFLOP/s = {work / t_pass / 1e9 / rate:.2f} of the "
          f"matrix-multiply rate")
    pop = model.gaussian
    centred = X - pop.mean

    def one_split():
        rows = centred[rng.integers(0, N, MC_N)]
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
