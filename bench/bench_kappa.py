"""Benchmark of solve_kappa (issue 3): a d = 12288 power-law spectrum and a 2000-point s-grid.

Prints two ratios, each measured in this process (best of several repeats):
  solve_kappa / one vectorised df1 evaluation at all grid points   (target: <= 4)
  solve_kappa / a per-point scipy.optimize.brentq loop              (target: < 1)
Run: .venv/bin/python bench/bench_kappa.py
"""

import numpy as np
from scipy.optimize import brentq

from _timing import best_of
from rmtdiff.theory.kappa import solve_kappa

D, GRID, N = 12288, 2000, 3000




def main():
    eigs = np.arange(1, D + 1, dtype=float) ** -1.0
    s = np.r_[0.0, np.logspace(-8, 4, GRID - 1)]
    t_df1 = best_of(lambda: (eigs / (eigs + s[:, None])).sum(1))
    t_solve = best_of(lambda: solve_kappa(s, eigs, N))
    kappa = solve_kappa(s, eigs, N)

    def brentq_loop():
        out = np.empty_like(s)
        for i, si in enumerate(s):
            f = lambda k: k - si - k / N * (eigs / (eigs + k)).sum()
            lo = si if si > 0 else 1e-12
            out[i] = brentq(f, lo, si + eigs.sum() / N + 1.0, xtol=1e-300, rtol=1e-14)
        return out

    t_brent = best_of(brentq_loop, repeats=1)
    ref = brentq_loop()
    rel = np.max(np.abs(kappa - ref) / ref)
    print(f"d = {D}, grid = {GRID}, n = {N} (gamma = {D / N:.2f})")
    print(f"one vectorised df1 pass : {t_df1 * 1e3:8.1f} ms")
    print(f"solve_kappa             : {t_solve * 1e3:8.1f} ms   ratio to df1 pass  = {t_solve / t_df1:.2f} (target <= 4)")
    print(f"brentq loop             : {t_brent * 1e3:8.1f} ms   ratio solve/brentq = {t_solve / t_brent:.4f} (target < 1)")
    print(f"max relative difference solve_kappa vs brentq: {rel:.2e}")


if __name__ == "__main__":
    main()
