"""Benchmark of the Monte-Carlo engine (issue 3): d = 3072, n = 300, power-law spectrum.

Prints, measured in this process (best of repeats):
  dense d x d eigh of the covariance / per-split cost   (target: >= 20)
  per-split cost / floor                                (target: <= 2)
where the floor is one n x n eigh plus one (d x n)(n x n) matrix product, and the per-split cost
is the decomposition of one split (eig_from_rows), shown also with the sampling of the split's
data included (gaussian_split).
Run: .venv/bin/python bench/bench_montecarlo.py
"""

import numpy as np

from _timing import best_of
from rmtdiff.experiments.montecarlo import gaussian_split
from rmtdiff.core.spectra import eig_from_rows

D, N = 3072, 300




def main():
    rng = np.random.default_rng(0)
    eigs = np.arange(1, D + 1, dtype=float) ** -1.0
    X = rng.standard_normal((N, D)) * np.sqrt(eigs)
    G = X @ X.T / N
    V = np.linalg.eigh(G)[1]
    t_dense = best_of(lambda: np.linalg.eigh(X.T @ X / N), repeats=2)
    t_floor = best_of(lambda: (np.linalg.eigh(G), X.T @ V))
    t_split = best_of(lambda: eig_from_rows(X))
    t_sampled = best_of(lambda: gaussian_split(eigs, N, rng))
    print(f"d = {D}, n = {N}")
    print(f"dense d x d eigh            : {t_dense * 1e3:9.1f} ms")
    print(f"floor (n x n eigh + product): {t_floor * 1e3:9.1f} ms")
    print(f"per split (decomposition)   : {t_split * 1e3:9.1f} ms   dense/split = {t_dense / t_split:6.1f} (target >= 20)"
          f"   split/floor = {t_split / t_floor:4.2f} (target <= 2)")
    print(f"per split (with sampling)   : {t_sampled * 1e3:9.1f} ms   dense/split = {t_dense / t_sampled:6.1f}"
          f"   split/floor = {t_sampled / t_floor:4.2f}")


if __name__ == "__main__":
    main()
