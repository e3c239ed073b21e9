"""The F / U / P estimators on a synthetic model with known components, and the statistics
beside them (intervals, noise ceiling, the deviation identity)."""

import numpy as np
import pytest

from rmtdiff.experiments import seed_components as sc


def synthetic(var_a, var_b, var_c, seeds=(1, 2), splits=(1, 2), S=400, d=50, rng=0):
    """x(S, w; z) = m + a_S + b_w + c_Sw with per-seed variances var_* (each (S,)) per pixel."""
    g = np.random.default_rng(rng)
    m = g.standard_normal((S, d))
    a = {s: g.standard_normal((S, d)) * np.sqrt(var_a)[:, None] for s in splits}
    b = {w: g.standard_normal((S, d)) * np.sqrt(var_b)[:, None] for w in seeds}
    return {(s, w): m + a[s] + b[w] + g.standard_normal((S, d)) * np.sqrt(var_c)[:, None]
            for s in splits for w in seeds}


def test_the_estimators_recover_the_known_components():
    g = np.random.default_rng(1)
    S = 400
    va, vb, vc = g.uniform(0.5, 2, S) * 0.02, np.full(S, 0.01), g.uniform(0, 1, S) * 0.005
    # the mean over many independent draws of the design: each estimator's expectation
    draws = [sc.components(synthetic(va, vb, vc, S=S, rng=r)) for r in range(40)]
    mean = {k: np.mean([c.per_seed(k) for c in draws], axis=0)
            for k in ("F", "U", "P", "U-F", "U-P", "F+P-U")}
    want = {"F": 2 * (vb + vc), "U": 2 * (va + vb + vc), "P": 2 * (va + vc),
            "U-F": 2 * va, "U-P": 2 * vb, "F+P-U": 2 * vc}
    for k, w in want.items():
        # averaged over seeds: 40 draws x 2 replicates x 50 pixels per seed and 400 seeds make
        # the relative error of the seed-mean about 0.2%; 2% is ten standard errors
        assert mean[k].mean() == pytest.approx(w.mean(), rel=0.02), k
        # per seed the error is about 1/sqrt(40 * 2 * 50 / 2) = 3% (U - F about 10%)
        if np.ptp(w) > 0:                              # (U - P is the same for every seed)
            assert np.corrcoef(mean[k], w)[0, 1] > 0.9, k
    c = draws[0]
    assert [len(c.replicates[k]) for k in sc.COMPARISONS] == [2, 2, 2]
    assert c.pairs["P"] == [((1, 1), (2, 1)), ((1, 2), (2, 2))]


def test_a_design_without_shared_seeds_has_no_p_and_u_only():
    x = synthetic(np.ones(10), np.ones(10), np.ones(10), seeds=(1, 2, 3), S=10)
    c = sc.components({(1, 1): x[1, 1], (2, 2): x[2, 2]})
    assert c.has("U") and not c.has("F") and not c.has("P")
    assert np.isnan(c.per_seed("U-F")).all()
    with pytest.raises(ValueError, match="needs two replicates of U"):
        c.split_halves("U")
    with pytest.raises(ValueError, match="name must be one of"):
        c.per_seed("V")
    with pytest.raises(ValueError, match="at least two runs"):
        sc.components({(1, 1): x[1, 1]})


def test_split_halves_use_disjoint_replicates_and_the_ceiling_follows_the_noise():
    S = 2000
    g = np.random.default_rng(3)
    va = g.uniform(0.1, 2, S)
    reliable = sc.components(synthetic(va, np.full(S, 0.01), np.full(S, 0.01), S=S, d=400))
    noisy = sc.components(synthetic(np.full(S, 0.5), np.full(S, 1.0), np.full(S, 1.0), S=S,
                                    d=400))
    h1, h2 = reliable.split_halves("U-F")
    assert np.allclose((h1 + h2) / 2, reliable.per_seed("U-F"))
    assert sc.noise_ceiling(h1, h2) > 0.9               # the data part varies across seeds
    assert sc.noise_ceiling(*noisy.split_halves("U-F")) < 0.3   # nothing to rank


def test_bootstrap_intervals_cover_and_shrink():
    g = np.random.default_rng(0)
    x = g.standard_normal(1000)
    y = x + g.standard_normal(1000)
    rho, lo, hi = sc.rank_correlation(x, y)
    assert lo < rho < hi and 0.6 < rho < 0.8
    # the interval's half-width is about 1.96 sqrt((1 - rho^2)^2 / S) ~ 0.03 here
    assert 0.02 < (hi - lo) / 2 < 0.05
    m, lo, hi = sc.bootstrap_mean(x)
    assert lo < m < hi and (hi - lo) / 2 == pytest.approx(1.96 / np.sqrt(1000), rel=0.15)
    with pytest.raises(ValueError, match="same length"):
        sc.rank_correlation(x, y[:10])


def test_the_deviation_identity():
    g = np.random.default_rng(2)
    S, d = 500, 30
    lin1, lin2 = g.standard_normal((S, d)), g.standard_normal((S, d))
    scale = g.uniform(0.1, 1, S)[:, None]
    shared = g.standard_normal((S, d)) * scale
    # fully shared deviations: the fraction is 1
    out = sc.deviation_identity(lin1 + shared, lin2 + shared, lin1, lin2)
    assert out["shared_fraction"] == pytest.approx(1.0)
    # independent deviations: the fraction is 0 and the paper's correlation is positive by
    # construction, while the residual (the linear parts' terms) does not follow closeness
    e1, e2 = g.standard_normal((S, d)) * scale, g.standard_normal((S, d)) * scale
    out = sc.deviation_identity(lin1 + e1, lin2 + e2, lin1, lin2)
    assert abs(out["shared_fraction"]) < 0.05
    # 500 seeds: a correlation of 0 has a standard error of about 0.045
    assert out["pearson"] > 0.3 and abs(out["pearson_residual"]) < 0.15
    # identical linear images: nothing is left once the deviations' distance is removed
    same = sc.deviation_identity(lin1 + e1, lin1 + e2, lin1, lin1)
    assert same["pearson"] > 0.9
