"""Benchmark of rmtdiff.predict_cross_split_mse (issue 11) against the Monte Carlo it replaces.

A synthetic dataset of N = 20000 "images" of d = 3072 values (CIFAR's size: a power-law spectrum
with log-normal image scales), 1000 seeds, 5 split sizes. Prints:
  the statistics, computed once (fit and rotation; cached by the command)
  the prediction for 1000 seeds x 5 n: Gaussian law, elliptical closure   (target: seconds)
  the data closure: its cost per n and per seed (it is O(nodes x N x d) per seed)
  Monte Carlo at one n: wall time per split (draw, fit, sample 1000 seeds), and the time for the
  400 splits that bring a seed's variance to a 7% standard error (sqrt(2/400)), as a ratio
Run: .venv/bin/python bench/bench_predict.py
"""

import time

import numpy as np

import rmtdiff as rd
from rmtdiff.theory.nongaussian_kappa import data_model

D, N, SEEDS = 3072, 20000, 1000
N_VALUES = (300, 1000, 3000, 10000, 30000)
MC_N, MC_SPLITS, MC_NEEDED = 1000, 6, 400


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main():
    rng = np.random.default_rng(0)
    lam = np.arange(1, D + 1, dtype=float) ** -1.0
    scale = rng.lognormal(0.0, 0.5, (N, 1))
    X = rng.standard_normal((N, D)) * np.sqrt(lam) * np.sqrt(scale / scale.mean())
    z = rd.seed_noise(range(SEEDS), D)
    model, t_model = timed(lambda: data_model(X))
    print(f"N = {N}, d = {D}, {SEEDS} seeds, n = {N_VALUES}")
    print(f"statistics (fit, rotate; computed once):           {t_model:7.1f} s")
    times = {}
    for m in ("gaussian", "elliptical"):
        _, times[m] = timed(lambda: rd.predict_cross_split_mse(model, N_VALUES, z, model=m))
        print(f"prediction, {m:>10}, {SEEDS} seeds x {len(N_VALUES)} n:     {times[m]:7.1f} s")
    t_data = {}
    for few in (2, 12):
        _, t_data[few] = timed(lambda: rd.predict_cross_split_mse(model, MC_N, z[:few],
                                                                  model="data"))
        print(f"prediction, data closure, {few:>2} seeds x 1 n:           {t_data[few]:7.1f} s")
    per_seed = (t_data[12] - t_data[2]) / 10
    fixed = t_data[2] - 2 * per_seed
    print(f"  data closure: {fixed:.1f} s per n + {per_seed:.2f} s per seed and n; "
          f"{SEEDS} seeds x {len(N_VALUES)} n would take {len(N_VALUES) * (fixed + SEEDS * per_seed):.0f} s")
    pop = model.gaussian
    centred = X - pop.mean

    def one_split():
        rows = centred[rng.integers(0, N, MC_N)]
        return rd.linear_theory_image(rd.fit_gaussian(rows), z, sigma_T=80.0)

    _, t_mc = timed(lambda: [one_split() for _ in range(MC_SPLITS)])
    per_split = t_mc / MC_SPLITS
    mc_total = per_split * MC_NEEDED * len(N_VALUES)
    print(f"Monte Carlo: {per_split:.2f} s per split (n = {MC_N}, {SEEDS} seeds); "
          f"{MC_NEEDED} splits x {len(N_VALUES)} n = {mc_total:.0f} s")
    for m, t in times.items():
        print(f"ratio Monte Carlo / prediction ({m}): {mc_total / t:,.0f}")


if __name__ == "__main__":
    main()
