"""The chapters' gallery payloads built in rmtdiff.presentation.explorers (chapters 3, 5, 7)."""

import numpy as np
import pytest

from rmtdiff import fit_gaussian, gaussian_denoiser, pixel_variance
from rmtdiff.presentation import explorers


def test_disagreement_payload_holds_the_pair_distance_and_its_prediction(rng):
    d, n = 16, 40
    X = rng.standard_normal((400, d)) * np.linspace(2, 0.2, d)
    pop = fit_gaussian(X)
    pair = [fit_gaussian(X[:n]), fit_gaussian(X[n:2 * n])]
    # in population-mode coordinates, as montecarlo.data_splits returns splits
    pair = [type(g)((g.mean - pop.mean) @ pop.eigvecs, g.eigvals, pop.eigvecs.T @ g.eigvecs)
            for g in pair]
    tests, noise, sigmas = X[-3:], rng.standard_normal(d), [0.1, 1.0]
    p = explorers.disagreement_payload(pair, pop, n, tests, noise, sigmas, (4, 4))
    assert [len(a["values"]) for a in p["axes"]] == [2, 3] and p["shape"] == [4, 4]
    assert p["title"] == f"Two splits of n = {n}: where they disagree"
    c = (tests[2] + 1.0 * noise - pop.mean) @ pop.eigvecs
    outs = [gaussian_denoiser(sp, c, 1.0) @ pop.eigvecs.T for sp in pair]
    diff = outs[0] - outs[1]
    var = pixel_variance(1.0, pop.eigvals, n, pop.eigvecs, c, mean="estimated")
    assert p["items"]["1,2"]["values"]["measured"] == pytest.approx((diff**2).mean())
    assert p["items"]["1,2"]["values"]["predicted"] == pytest.approx(2 * var.mean())
    with pytest.raises(ValueError, match="pair must hold two splits"):
        explorers.disagreement_payload(pair[:1], pop, n, tests, noise, sigmas, (4, 4))


def test_network_and_mismatch_payloads_have_every_model_and_seed(rng):
    S, n_values, archs, shown = 5, [3, 6], ["unet", "dit"], 4
    img = lambda: rng.uniform(-1, 1, (S, 9))
    samples = {(m, n, j): img() for m in archs + ["linear"] for n in n_values for j in (1, 2)}
    nearest = {key: img() for key in samples}
    cross = {m: rng.uniform(size=(2, S)) for m in archs + ["linear"]}
    predicted = {"gaussian": rng.uniform(size=(2, shown)), "data": rng.uniform(size=(2, shown))}
    p = explorers.networks_payload(samples, nearest, cross, predicted, n_values, archs, (3, 3),
                                   shown)
    assert len(p["panels"]) == 12 and len(p["items"]) == 2 * shown
    assert [f["label"] for f in p["fields"]][-2:] == ["theory (Gaussian)", "theory (data)"]
    assert p["items"]["1,3"]["values"]["dit"] == pytest.approx(cross["dit"][1][3])
    assert p["items"]["0,2"]["values"]["theory_data"] == pytest.approx(predicted["data"][0][2])
    # beside each same-seed MSE, the MSE of split 1's seed 3 against split 2's seed 4
    assert p["items"]["1,3"]["values"]["other_dit"] == pytest.approx(
        ((samples["dit", 6, 1][3] - samples["dit", 6, 2][4]) ** 2).mean())
    assert p["group"] == 4 and [a["control"] for a in p["axes"]] == ["slider", "slider"]

    kinds = ["iid", "pc1-halves"]
    nets = {(k, a, 6, j): img() for k in kinds for a in archs for j in (1, 2)}
    linear = {k: {(6, j): img() for j in (1, 2)} for k in kinds}
    mse = {(k, m): rng.uniform(size=S) for k in kinds for m in archs + ["linear", "theory"]}
    p = explorers.mismatch_payload(nets, linear, mse, kinds, archs, 6, (3, 3), shown)
    assert [a["values"] for a in p["axes"]][0] == kinds and len(p["panels"]) == 6
    assert p["fields"][-1] == {"key": "theory", "label": "predicted"}
    assert p["items"]["1,0"]["values"]["theory"] == pytest.approx(mse["pc1-halves", "theory"][0])
    assert p["items"]["1,3"]["values"]["other_linear"] == pytest.approx(
        ((linear["pc1-halves"][6, 1][3] - linear["pc1-halves"][6, 2][4]) ** 2).mean())
    assert p["group"] == 2 and p["axes"][1]["control"] == "slider"
    with pytest.raises(ValueError, match="group must divide the 6 panels"):
        explorers.gallery_payload("t", p["axes"][:1], p["panels"], {}, group=4)
