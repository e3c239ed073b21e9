"""Benchmark of the trajectory functions (issue 5): a d = 3072 power-law spectrum, n = 300.

Prints wall times (best of repeats) and their ratio to one vectorised df1 evaluation on the same
spectrum at 300 points (the quadrature's node count is of that order), run in this process:
  the full gain vector (sampling_map_gain), sigma = 0, sigma_T = inf and 80   (target: a few s)
  the variance of one output mode for 1000 seeds (sampling_map_variance)     (target: a few s)
  the total variance over all modes for 1000 seeds
Run: .venv/bin/python bench/bench_trajectories.py
"""

import numpy as np

from _timing import best_of
from rmtdiff.theory.trajectories import (map_nodes, sampling_map_gain, sampling_map_total_variance,
                                         sampling_map_variance)

D, N, SEEDS = 3072, 300, 1000




def main():
    eigs = np.arange(1, D + 1, dtype=float) ** -1.0
    z = np.random.default_rng(0).standard_normal((SEEDS, D))
    v = np.eye(D)[10]
    k = np.logspace(-6, 2, 300)
    t_df1 = best_of(lambda: (eigs / (eigs + k[:, None])).sum(1))
    print(f"d = {D}, n = {N}, {SEEDS} seeds; one df1 pass at 300 points: {t_df1 * 1e3:.1f} ms")
    for sigma_T in (np.inf, 80.0):
        nodes = map_nodes(eigs, N, sigma=0.0, sigma_T=sigma_T)[0].size
        t_gain = best_of(lambda: sampling_map_gain(eigs, N, sigma=0.0, sigma_T=sigma_T))
        t_var = best_of(lambda: sampling_map_variance(eigs, N, v, z, sigma=0.0, sigma_T=sigma_T), repeats=3)
        t_tot = best_of(lambda: sampling_map_total_variance(eigs, N, z, sigma=0.0, sigma_T=sigma_T), repeats=3)
        print(f"sigma_T = {sigma_T:>4}: {nodes} nodes | gain {t_gain * 1e3:7.1f} ms ({t_gain / t_df1:5.1f} x df1)"
              f" | variance, one mode, {SEEDS} seeds {t_var:6.3f} s | total variance {t_tot:6.3f} s")


if __name__ == "__main__":
    main()
