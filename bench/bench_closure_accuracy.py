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
of the linear sampler's final image (by default with each split's own mean, the quantity
`rmtdiff predict` reports; --mean known: the population's), summed over pixels and 40 seeds, by
Monte Carlo over SPLITS splits drawn with replacement (the splits of
rmtdiff.experiments.closure_checks.sampler_check), and each closure's ratio to it, with the
relative standard error of the Monte Carlo (from the spread of the per-split sums over seeds,
which share the splits).
Run: .venv/bin/python bench/bench_closure_accuracy.py [--dim 100] [--splits 600] [--families ...]
     [--mean estimated|known]
"""

import argparse
import time

import numpy as np

from rmtdiff.core.linear_diffusion import sampling_map
from rmtdiff.experiments import montecarlo as mc
from rmtdiff.theory.nongaussian_fluctuations import CLOSURES, closure_map_variance
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
    ap.add_argument("--mean", choices=("estimated", "known"), default="estimated",
                    help="each split's own mean (default) or the population's")
    args = ap.parse_args()
    d = args.dim
    ns = [d // 4, d // 2, d, int(2.5 * d), 10 * d]
    print(f"closure / Monte Carlo, variance of the final image summed over pixels and {SEEDS} "
          f"seeds, N = {N}, d = {d}, {args.splits} splits, mean {args.mean}")
    print(f"{'family':>6} {'n':>6} {'d/n':>5} {'MC':>9} {'se':>6} {'gaussian':>9} "
          f"{'elliptical':>10} {'data':>7}")
    for family in args.families.split(","):
        rng = np.random.default_rng(11)
        model = data_model(population(family, d, rng))
        z = rng.standard_normal((SEEDS, d))
        pop = model.gaussian
        centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, pop.eigvecs)
        coords = (z - pop.mean / 80.0) @ pop.eigvecs
        for n in ns:
            t0 = time.perf_counter()
            outs = np.array([sampling_map(sp, coords, sigma=0.0, sigma_T=80.0) for sp in
                             mc.data_splits(model.rows, centred, n, args.splits,
                                            np.random.default_rng(n),
                                            own_mean=args.mean == "estimated")])
            per_split = ((outs - outs.mean(0)) ** 2).sum(-1)             # (splits, seeds)
            var = per_split.sum(0) / (args.splits - 1)
            total = per_split.sum(1)                  # one value per split: seeds' correlation kept
            se = total.std(ddof=1) / np.sqrt(args.splits) / total.mean()
            ratio = {c: closure_map_variance(model, n, coords, sigma_T=80.0, mean=args.mean,
                                             closure=c).sum() / var.sum() for c in CLOSURES}
            print(f"{family:>6} {n:>6} {d / n:>5.2f} {var.sum():>9.4g} {se:>6.3f} "
                  f"{ratio['gaussian']:>9.3f} {ratio['elliptical']:>10.3f} {ratio['data']:>7.3f}"
                  f"   ({time.perf_counter() - t0:.0f} s)", flush=True)

if __name__ == "__main__":
    main()
