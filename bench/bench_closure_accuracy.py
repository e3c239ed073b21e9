"""Accuracy of the three closures of rmtdiff predict against Monte Carlo over d/n (issue 20).

Synthetic populations where the answer is known by simulation: N = 20000 rows of d values with
the power-law spectrum lambda_k = 1/k, in four families,
  gauss   Gaussian rows (every closure is the Gaussian law up to the population's own noise)
  ell     elliptical: sqrt(tau) Sigma^(1/2) g with log-normal tau (the data and elliptical
          closures are exact to leading order)
  mix     8 Gaussian clusters, random means (1.5 x the spectrum's scale), per-cluster scales
          exp(U(-0.7, 0.7)): the image scale correlated with the direction
  mixeq   the same clusters with equal scales
and split sizes n from d/4 to 10 d (d/n from 4 to 0.1; --ratios), at one or more d (--dims; each d
draws its own population, the clusters' means and scales included). For each: the variance across splits
of the linear sampler's final image (by default with each split's own mean, the quantity
`rmtdiff predict` reports; --mean known: the population's), summed over pixels and 40 seeds, by
Monte Carlo over SPLITS splits drawn with replacement (the splits of
rmtdiff.experiments.closure_checks.sampler_check), and each closure's ratio to it, with the
relative standard error of the Monte Carlo (from the spread of the per-split sums over seeds,
which share the splits).
--scales cluster (mixtures only) is a diagnostic: the data closure with each image's scale taken
as its cluster's mean quadratic form (known only because the clusters are), instead of the radial
part the closure estimates from the images alone (eq. radial of rmtdiff.theory.nongaussian_kappa);
the difference is the share of the closure's error that the radial part's estimate causes.
Run: .venv/bin/python bench/bench_closure_accuracy.py [--dims 100[,200,...]] [--ratios 4,2,...]
     [--splits 600] [--families ...] [--mean estimated|known] [--scales radial|cluster]
"""

import argparse
import contextlib
import time

import numpy as np

from rmtdiff.core.linear_diffusion import sampling_map
from rmtdiff.experiments import montecarlo as mc
from rmtdiff.theory.nongaussian_fluctuations import CLOSURES, closure_map_variance
from rmtdiff.theory import nongaussian_kappa
from rmtdiff.theory.nongaussian_kappa import data_model

N, SEEDS, K = 20000, 40, 8
DEFAULT_RATIOS = "4,2,1,0.4,0.1"
FAMILIES = ("gauss", "ell", "mix", "mixeq")


def positive_list(ap: argparse.ArgumentParser, flag: str, text: str, kind: type) -> list:
    """The comma-separated positive numbers of ``flag``, or the parser's error naming it."""
    try:
        values = [kind(v) for v in text.split(",")]
    except ValueError:
        ap.error(f"{flag}: expected comma-separated {kind.__name__} values, got {text!r}")
    if not values or min(values) <= 0:
        ap.error(f"{flag}: every value must be > 0, got {text!r}")
    return values


def population(family: str, d: int, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows (N, d) and, for the mixtures, each row's cluster (N,) (None otherwise)."""
    lam = np.arange(1, d + 1) ** -1.0
    G = rng.standard_normal((N, d)) * np.sqrt(lam)
    if family == "gauss":
        return G, None
    if family == "ell":
        t = rng.lognormal(0, 0.5, (N, 1))
        return G * np.sqrt(t / t.mean()), None
    if family in ("mix", "mixeq"):
        c = rng.integers(0, K, N)
        means = rng.standard_normal((K, d)) * np.sqrt(lam) * 1.5
        scale = np.exp(rng.uniform(-0.7, 0.7, K)) if family == "mix" else np.ones(K)
        return means[c] + G * np.sqrt(scale[c])[:, None], c
    raise ValueError(f"family must be gauss, ell, mix or mixeq; got {family!r}")


@contextlib.contextmanager
def cluster_scales(labels: np.ndarray):
    """Within the block, the theory's radial part of the quadratic forms (the private
    nongaussian_kappa._shrink, which the data and elliptical closures call for it) is each row's
    cluster mean of
    q_j instead: the scales the closure would use if it knew the clusters. The derivative it
    reports (the shrink factor, for the safeguarded Newton step) is 0."""
    counts = np.bincount(labels, minlength=K)[:, None]
    shrink = nongaussian_kappa._shrink

    def by_cluster(q, lam, kappa):
        sums = np.zeros((K, q.shape[1]))
        np.add.at(sums, labels, q)
        return (sums / counts)[labels], np.zeros(q.shape[1])

    nongaussian_kappa._shrink = by_cluster
    try:
        yield
    finally:
        nongaussian_kappa._shrink = shrink


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", default="100", help="comma-separated d (default 100)")
    ap.add_argument("--ratios", default=DEFAULT_RATIOS,
                    help=f"comma-separated d/n (default {DEFAULT_RATIOS})")
    ap.add_argument("--splits", type=int, default=600, help="Monte-Carlo splits (default 600)")
    ap.add_argument("--families", default="gauss,ell,mix,mixeq")
    ap.add_argument("--mean", choices=("estimated", "known"), default="estimated",
                    help="each split's own mean (default) or the population's")
    ap.add_argument("--scales", choices=("radial", "cluster"), default="radial",
                    help="the data closure's image scales: its radial part (default) or, as a "
                         "diagnostic for the mixtures, the clusters' (an extra column)")
    args = ap.parse_args()
    dims = positive_list(ap, "--dims", args.dims, int)
    ratios = positive_list(ap, "--ratios", args.ratios, float)
    families = args.families.split(",")
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        ap.error(f"--families: unknown {unknown}; choose from {','.join(FAMILIES)}")
    extra = args.scales == "cluster"
    if extra and any(f not in ("mix", "mixeq") for f in families):
        ap.error("--scales cluster needs mixture families only (--families mix,mixeq): the "
                 "others have no clusters")
    small = [(d, r) for d in dims for r in ratios if round(d / r) < 2]
    if small:
        ap.error(f"--ratios: d/n too large for d = {small[0][0]} (n = d / ratio must be >= 2)")
    print(f"closure / Monte Carlo, variance of the final image summed over pixels and {SEEDS} "
          f"seeds, N = {N}, {args.splits} splits, mean {args.mean}; n(data-1): the data "
          "closure's excess times n (constant across d at a fixed d/n if the excess is O(1/n))")
    print(f"{'family':>6} {'d':>5} {'n':>6} {'d/n':>5} {'MC':>9} {'se':>6} {'gaussian':>9} "
          f"{'elliptical':>10} {'data':>7} {'n(data-1)':>9}" + (f" {'cluster':>8}" if extra else ""))
    for family in families:
        for d in dims:
            rng = np.random.default_rng(11)
            X, labels = population(family, d, rng)
            model = data_model(X)
            z = rng.standard_normal((SEEDS, d))
            pop = model.gaussian
            centred = type(pop)(np.zeros_like(pop.mean), pop.eigvals, pop.eigvecs)
            coords = (z - pop.mean / 80.0) @ pop.eigvecs
            for r in ratios:
                n = int(round(d / r))
                t0 = time.perf_counter()
                outs = np.array([sampling_map(sp, coords, sigma=0.0, sigma_T=80.0) for sp in
                                 mc.data_splits(model.rows, centred, n, args.splits,
                                                np.random.default_rng(n),
                                                own_mean=args.mean == "estimated")])
                per_split = ((outs - outs.mean(0)) ** 2).sum(-1)             # (splits, seeds)
                var = per_split.sum(0) / (args.splits - 1)
                total = per_split.sum(1)              # one value per split: seeds' correlation kept
                se = total.std(ddof=1) / np.sqrt(args.splits) / total.mean()

                def ratio(closure):
                    return closure_map_variance(model, n, coords, sigma_T=80.0, mean=args.mean,
                                                closure=closure).sum() / var.sum()

                row = {c: ratio(c) for c in CLOSURES}
                line = (f"{family:>6} {d:>5} {n:>6} {d / n:>5.2f} {var.sum():>9.4g} {se:>6.3f} "
                        f"{row['gaussian']:>9.3f} {row['elliptical']:>10.3f} {row['data']:>7.3f} "
                        f"{n * (row['data'] - 1):>9.2f}")
                if extra:
                    with cluster_scales(labels):
                        line += f" {ratio('data'):>8.3f}"
                print(line + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
