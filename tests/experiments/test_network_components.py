"""The grid's F / U / P table, its probes over training and the convergence measure, on runs
with synthetic samples (no training)."""

import numpy as np
import pytest

from rmtdiff.experiments import network_components as nc
from rmtdiff.nets.runs import Run


def fake_grid(tmp_path, sd_split=0.3, sd_seed=0.2, S=300, d=16, steps=(100, 200, 300, 400)):
    """Runs of one architecture at n = 50 whose samples are m + a_split + b_seed (+ probes that
    shrink the seed part towards the end of training)."""
    g = np.random.default_rng(0)
    m = g.standard_normal((S, d))
    a = {s: g.standard_normal((S, d)) * sd_split for s in (1, 2)}
    b = {w: g.standard_normal((S, d)) * sd_seed for w in (1, 2)}
    runs = {}
    for s in (1, 2):
        for w in (1, 2):
            folder = tmp_path / f"run{s}{w}"
            folder.mkdir()
            for t in steps:
                probe = m + a[s] + b[w] * (steps[-1] / t)
                np.save(folder / f"probe_{t}.npy", probe[:32].reshape(32, 1, 4, 4).astype(np.float32))
            x = (m + a[s] + b[w]).reshape(S, 1, 4, 4).astype(np.float32)
            runs["unet", 50, s, w] = Run(folder, {}, x)
    return runs


def test_the_table_recovers_the_parts(tmp_path):
    runs = fake_grid(tmp_path)
    parts = nc.decompose(runs)
    assert list(parts) == nc.trained_pairs(runs) == [("unet", 50)]
    (row,) = nc.component_rows(parts)
    f, u, p, data = (row.values[k][0] for k in ("F", "U", "P", "U-F"))
    # 300 seeds x 16 pixels x 2 replicates: about 2% error on each mean
    assert f == pytest.approx(2 * 0.2**2, rel=0.08) and p == pytest.approx(2 * 0.3**2, rel=0.08)
    assert data == pytest.approx(2 * 0.3**2, rel=0.15) and u == pytest.approx(f + data)
    lo, hi = row.values["U-F"][1:]
    assert lo < data < hi
    assert len(row.replicates["F"]) == 2
    with pytest.raises(KeyError, match="no run of 'dit' at n = 50"):
        nc.grid_samples(runs, "dit", 50)
    with pytest.raises(KeyError, match="no run of 'unet' at n = 60"):
        nc.decompose(runs, pairs=[("unet", 60)])


def test_probes_follow_training_and_the_last_quarter_change(tmp_path):
    runs = fake_grid(tmp_path)
    probes = nc.probe_parts(runs, "unet", 50)
    assert sorted(probes) == [100, 200, 300, 400]
    f = {t: float(c.per_seed("F").mean()) for t, c in probes.items()}
    assert f[100] > f[200] > f[300] > f[400]
    # the seed part scales as 400 / t, so F(300) / F(400) is (4/3)^2
    assert nc.last_quarter_change(f) == pytest.approx((4 / 3) ** 2 - 1, rel=0.05)
    assert np.isnan(nc.last_quarter_change({400: 1.0}))
