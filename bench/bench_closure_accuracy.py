"""Accuracy of the three closures of rmtdiff predict against Monte Carlo over d/n (issue 20).

Synthetic populations where the answer is known by simulation: N = 20000 rows of d values with
the power-law spectrum lambda_k = 1/k, in four families,
  gauss   Gaussian rows (every closure is the Gaussian law up to the population's own noise)
  ell     elliptical: sqrt(tau) Sigma^(1/2) g with log-normal tau (the data and elliptical
          closures are exact to leading order)
  mix     8 Gaussian clusters, random means (1.5 x the spectrum's scale), per-cluster scales
          exp(U(-0.7, 0.7)): the image scale correlated with the direction
  mixeq   the same clusters with equal scales
and split sizes n from d/4 to 10 d (d/n from 4 to 0.1). For each: the variance across splits
of the linear sampler's final image (own mean, the quantity `rmtdiff predict` reports), summed
over pixels and 40 seeds, by Monte Carlo over SPLITS splits drawn with replacement
(rmtdiff.experiments.closure_checks.sampler_check), and each closure's ratio to it. The
standard error printed assumes independent seeds (they share the splits, so it is a lower bound;
at most sqrt(40) times larger).
Run: .venv/bin/python bench/bench_closure_accuracy.py [--dim 100] [--splits 600] [--families ...]
"""

import argparse
import time

import numpy as np

from rmtdiff.experiments.closure_checks import sampler_check
from rmtdiff.theory.nongaussian_kappa import data_model

N, SEEDS, K = 20000, 40, 8


def population(family: str, d: int, rng: np.random.Generator) -> np.ndarray:
    lam = np.arange(1, d + 1) ** -1.0
    G = rng.standard_normal((N, d)) * np.sqrt(lam)
    if family == "gauss":
        return G
    if family == "ell":
        t = rng.lognormal(0, 0.5, (N, 1))
        return G * np.sqrt(t / t.mean())
    if family in ("mix", "mixeq"):
        c = rng.integers(0, K, N)
        means = rng.standard_normal((K, d)) * np.sqrt(lam) * 1.5
        scale = np.exp(rng.uniform(-0.7, 0.7, K)) if family == "mix" else np.ones(K)
        return means[c] + G * np.sqrt(scale[c])[:, None]
    raise ValueError(f"family must be gauss, ell, mix or mixeq; got {family!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=100, help="d (default 100)")
    ap.add_argument("--splits", type=int, default=600, help="Monte-Carlo splits (default 600)")
    ap.add_argument("--families", default="gauss,ell,mix,mixeq")
    args = ap.parse_args()
    d = args.dim
    ns = [d // 4, d // 2, d, int(2.5 * d), 10 * d]
    print(f"closure / Monte Carlo, variance of the final image summed over pixels and {SEEDS} "
          f"seeds, N = {N}, d = {d}, {args.splits} splits")
    print(f"{'family':>6} {'n':>6} {'d/n':>5} {'MC':>9} {'se':>6} {'gaussian':>9} "
          f"{'elliptical':>10} {'data':>7}")
    for family in args.families.split(","):
        rng = np.random.default_rng(11)
        model = data_model(population(family, d, rng))
        z = rng.standard_normal((SEEDS, d))
        for n in ns:
            t0 = time.perf_counter()
            r = sampler_check(model, n, z, args.splits, np.random.default_rng(n))
            mc = r["mc"].sum()
            se = np.sqrt((r["se"] ** 2).sum()) / mc
            print(f"{family:>6} {n:>6} {d / n:>5.2f} {mc:>9.4g} {se:>6.3f} "
                  f"{r['gaussian'].sum() / mc:>9.3f} {r['elliptical'].sum() / mc:>10.3f} "
                  f"{r['data'].sum() / mc:>7.3f}   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
