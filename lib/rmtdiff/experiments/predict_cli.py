"""Command line: ``python -m rmtdiff predict --data PATH_OR_NAME [--size 32] --n 300,1000,3000``.

Predicts, for a dataset in any format :func:`rmtdiff.load_dataset` reads, how far apart the images
of two diffusion models trained on independent splits of ``n`` images will be from the same seed
(the linear theory of the book), prints a table per ``n`` and per eigenband and writes
``predict.json`` and ``predict.png`` to ``--out``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from ..core.edm import SIGMA_MAX
from ..util.io import atomic_write, write_json


def _n_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--n must be comma-separated whole numbers, e.g. "
                                         f"300,1000,3000; got {text!r}") from None
    if not values or min(values) < 2:
        raise argparse.ArgumentTypeError(f"--n needs split sizes >= 2; got {text!r}")
    return values


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1; got {v}")
    return v


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rmtdiff", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("predict", help="predicted same-seed MSE between two splits' samples")
    pr.add_argument("--data", required=True,
                    help="dataset name (cifar10, fashion-mnist, digits, ...) or a path: image "
                         "folder/zip/tar, CIFAR folder or archive, IDX folder, .npy/.npz")
    pr.add_argument("--size", type=_positive_int, default=None,
                    help="resize images to SIZE x SIZE (default: their own size)")
    pr.add_argument("--n", type=_n_list, default=[300, 1000, 3000, 10000],
                    help="comma-separated split sizes (default 300,1000,3000,10000)")
    pr.add_argument("--model", choices=("gaussian", "elliptical", "data"), default="gaussian",
                    help="gaussian: the paper's law; elliptical: corrected for the spread of "
                         "image norms (same cost); data: the data's fourth moments (one pass over "
                         "the images: about 3 min for CIFAR-10 and 1000 seeds on 2 cores)")
    pr.add_argument("--seeds", type=_positive_int, default=1000, help="seeds (default 1000)")
    pr.add_argument("--sigma-T", type=float, default=SIGMA_MAX,
                    help=f"initial noise level (default {SIGMA_MAX:g})")
    pr.add_argument("--limit", type=_positive_int, default=None,
                    help="use only the first LIMIT images")
    pr.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                    help="where --model data's pass over the rows runs: auto (the GPU when torch "
                         "sees one), cpu, cuda")
    pr.add_argument("--scratch", default=None,
                    help="folder for a file of the rotated images (--model data/elliptical; "
                         "removed afterwards), so that only the images themselves are in memory")
    pr.add_argument("--float32", action="store_true",
                    help="hold the images in float32 (half the memory of float64; the "
                         "prediction moves by about 1e-8 relative, far below its accuracy)")
    pr.add_argument("--out", default=None,
                    help="folder for predict.json and predict.png (default predict-<data name>)")
    return p


def predict_command(args: argparse.Namespace) -> dict:
    """Run ``python -m rmtdiff predict``: load, predict, print the tables, write the JSON and the
    figure.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of :func:`_parser` (``data``, ``size``, ``n``, ``model``, ``seeds``,
        ``sigma_T``, ``limit``, ``device``, ``scratch``, ``float32``, ``out``).

    Returns
    -------
    dict
        What ``predict.json`` holds.
    """
    from ..theory.nongaussian_kappa import data_model
    from ..data.statistics import dataset_statistics
    from ..data.loading import load_dataset
    from ..core.edm import seed_noise
    from .predict import (band_disagreement, band_edges, band_sample_complexity, kappa0,
                          predict_cross_split_mse)
    from .row_backend import row_backend

    t0 = time.perf_counter()
    if args.model == "data":
        row_backend(args.device)                   # a bad --device fails before the long stages
    data = load_dataset(args.data, size=args.size, limit=args.limit,
                        dtype=np.float32 if args.float32 else np.float64)
    X = data.flat()
    N, D = X.shape
    if N < 2:
        raise ValueError(f"--data {args.data} holds {N} image; the prediction needs at least 2")
    print(f"{args.data}: {N} images of {D} values ({data.shape})", file=sys.stderr)
    stats = dataset_statistics(X, show_progress=True)              # cached by content
    z = seed_noise(range(args.seeds), D)
    store = None
    if args.model != "gaussian" and args.scratch:
        Path(args.scratch).mkdir(parents=True, exist_ok=True)
        store = Path(args.scratch) / f"rows-{os.getpid()}.npy"
    try:                                                           # one decomposition
        pop = stats if args.model == "gaussian" else data_model(X, stats, store=store,
                                                                show_progress=True)
        mse = np.atleast_2d(predict_cross_split_mse(pop, args.n, z, sigma_T=args.sigma_T,
                                                    model=args.model, show_progress=True,
                                                    device=args.device))
    finally:
        if store is not None:
            pop = None
            store.unlink(missing_ok=True)                          # the scratch file goes
    print(f"prediction ({args.model} model, {args.seeds} seeds x {len(args.n)} n): "
          f"{time.perf_counter() - t0:.1f} s so far", file=sys.stderr)
    lam = stats.eigvals
    edges = band_edges(lam.size)
    names = [f"{a + 1}-{b}" for a, b in zip(edges[:-1], edges[1:])]
    rel = np.array([band_disagreement(lam, n, sigma_T=args.sigma_T, edges=edges) for n in args.n])
    needed = band_sample_complexity(lam, 0.01, sigma_T=args.sigma_T, show_progress=True)
    result = {
        "data": str(args.data), "images": N, "pixels": D, "model": args.model,
        "sigma_T": args.sigma_T, "seeds": args.seeds, "n": args.n,
        "mse_mean": mse.mean(1).tolist(), "mse_median": np.median(mse, 1).tolist(),
        "mse_p10": np.quantile(mse, 0.1, 1).tolist(), "mse_p90": np.quantile(mse, 0.9, 1).tolist(),
        "kappa0": [kappa0(lam, n) for n in args.n],
        "bands": names, "band_model": "gaussian", "band_relative_disagreement": rel.tolist(),
        "band_n_at_1pct": [None if np.isnan(v) else int(v) for v in needed],
        "seconds": time.perf_counter() - t0,
    }
    _print_tables(result)
    out = Path(args.out or f"predict-{Path(str(args.data)).stem}")
    write_json(out / "predict.json", result)
    atomic_write(out / "predict.png", lambda p: _figure(result, mse, p))
    print(f"wrote {out / 'predict.json'} and {out / 'predict.png'}", file=sys.stderr)
    return result


def _print_tables(r: dict) -> None:
    print(f"\nPredicted same-seed MSE per pixel between two splits ({r['model']} model, "
          f"{r['seeds']} seeds, sigma_T = {r['sigma_T']:g})")
    head = f"{'n':>8} {'mean MSE':>10} {'median':>10} {'10%-90% of seeds':>22} {'kappa_0':>10}"
    print(" " * len(head) + f" {'per eigenband: Gaussian law (whatever --model)':<{11 * len(r['bands'])}}")
    print(head + "".join(f" {b:>10}" for b in r["bands"]))
    for i, n in enumerate(r["n"]):
        row = (f"{n:>8} {r['mse_mean'][i]:>10.4g} {r['mse_median'][i]:>10.4g} "
               f"{r['mse_p10'][i]:>10.4g}-{r['mse_p90'][i]:<11.4g} {r['kappa0'][i]:>10.3g}")
        print(row + "".join(f" {v:>10.3g}" for v in r["band_relative_disagreement"][i]))
    print("(band columns: the Gaussian law whatever --model, 2 sum Var / sum lambda over the "
          "eigenband, modes by decreasing variance)")
    print("\nSplit size at which each eigenband's relative disagreement falls below 1% "
          "(Gaussian law):")
    for b, v in zip(r["bands"], r["band_n_at_1pct"]):
        print(f"  modes {b:>12}: " + (f"n = {v}" if v is not None else "above 10^7"))


def _figure(r: dict, mse: np.ndarray, path: str) -> None:
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    n = np.array(r["n"])
    a.loglog(n, r["mse_median"], "o-", label="median seed")
    a.fill_between(n, r["mse_p10"], r["mse_p90"], alpha=0.3, label="10%-90% of seeds")
    a.set(xlabel="split size n", ylabel="same-seed MSE per pixel",
          title=f"{Path(r['data']).name}: {r['model']} model")
    a.legend()
    rel = np.array(r["band_relative_disagreement"])
    for j, name in enumerate(r["bands"]):
        b.loglog(n, rel[:, j], "o-", label=f"modes {name}")
    b.axhline(0.01, color="k", ls="--", lw=1, label="1%")
    b.set(xlabel="split size n", ylabel="relative disagreement per band",
          title="per eigenband (Gaussian law)")
    b.legend(fontsize=8)
    for ax in (a, b):                      # the split sizes asked for, not overlapping minor labels
        ax.set_xticks(n, [f"{v:g}" for v in n])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """The command line of ``python -m rmtdiff predict``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for a missing file or a bad value (the error is printed).
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "predict":
            predict_command(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
