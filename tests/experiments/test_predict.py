"""The prediction tool: the predicted same-seed MSE against Monte Carlo of the linear sampler, and
the command on a dataset the test writes."""

import numpy as np
import pytest
import rmtdiff as rd


def test_predict_cross_split_mse_matches_monte_carlo_of_the_linear_sampler(rng):
    """The tool's Gaussian law on a Gaussian population equals the sum of the trajectory law and
    the mean term, and is close to a Monte Carlo of two-split distances (200 pairs; tolerance
    15%: the per-seed distance of 200 pairs has a relative standard error near 7%)."""
    from rmtdiff.experiments.predict import predict_cross_split_mse
    d, n = 8, 50
    X = rng.standard_normal((20000, d)) * np.sqrt(np.logspace(0, -1, d)) + 0.3
    z = rd.seed_noise(range(3), d)
    pred = predict_cross_split_mse(X, [n, 10 * n], z)
    assert pred.shape == (2, 3) and np.all(pred[1] < pred[0])
    dist = np.zeros(3)
    for _ in range(200):
        imgs = []
        for _ in range(2):
            rows = X[rng.integers(0, len(X), n)]
            imgs.append(rd.linear_theory_image(rd.fit_gaussian(rows), z, sigma_T=80.0))
        dist += ((imgs[0] - imgs[1]) ** 2).mean(-1) / 200
    np.testing.assert_allclose(pred[0], dist, rtol=0.15)
    assert predict_cross_split_mse(X, n, z[0]).shape == ()


def test_predict_command_on_a_small_dataset(tmp_path, capsys):
    """python -m rmtdiff predict on an .npy of 300 8x8 images the test writes: the table, the
    JSON (one row per n) and the figure; bad paths and sizes are errors that say what was wrong."""
    import json
    from rmtdiff.__main__ import main
    g = np.random.default_rng(1)
    imgs = np.clip(g.standard_normal((300, 8, 8)) * 0.3, -1, 1)
    path = tmp_path / "tiny.npy"
    np.save(path, imgs)
    out = tmp_path / "out"
    assert main(["predict", "--data", str(path), "--n", "30,100", "--seeds", "16",
                 "--model", "elliptical", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Predicted same-seed MSE" in text and "kappa_0" in text and "below 1%" in text
    # the per-band columns are the Gaussian law whatever --model says, and say so (issue 20)
    assert "per eigenband: Gaussian law (whatever --model)" in text
    assert "falls below 1% (Gaussian law)" in text
    res = json.loads((out / "predict.json").read_text())
    assert res["model"] == "elliptical" and res["band_model"] == "gaussian"
    assert res["n"] == [30, 100] and len(res["mse_mean"]) == 2
    assert res["mse_mean"][1] < res["mse_mean"][0]
    assert (out / "predict.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["predict", "--data", str(tmp_path / "missing.npy")]) == 2
    assert "missing.npy" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["predict", "--data", str(path), "--n", "1,10"])
    assert "split sizes >= 2" in capsys.readouterr().err


def test_predict_command_scratch_file_and_device(tmp_path, capsys):
    """--scratch keeps the rotated rows in a file there (for datasets larger than memory) and
    removes it afterwards; the numbers equal those of the in-memory rows (same operations, to
    1e-12); --float32 moves them by the images' float32 rounding (bound 1e-5 relative, a
    thousand times below the closures' 1-5% accuracy against Monte Carlo); --device cpu forces
    NumPy; --device cuda without a GPU is an error saying so, before any computation."""
    import json
    from rmtdiff.__main__ import main
    g = np.random.default_rng(2)
    path = tmp_path / "tiny.npy"
    np.save(path, np.clip(g.standard_normal((200, 6, 6)) * 0.3, -1, 1))
    res = {}
    scratch = ["--scratch", str(tmp_path / "scratch")]
    for name, extra in (("memory", []), ("file", scratch), ("f32", scratch + ["--float32"])):
        out = tmp_path / name
        assert main(["predict", "--data", str(path), "--n", "20,60", "--seeds", "8", "--model",
                     "data", "--device", "cpu", "--out", str(out)] + extra) == 0
        res[name] = json.loads((out / "predict.json").read_text())["mse_mean"]
    assert list((tmp_path / "scratch").iterdir()) == []
    np.testing.assert_allclose(res["file"], res["memory"], rtol=1e-12)
    np.testing.assert_allclose(res["f32"], res["memory"], rtol=1e-5)
    assert res["f32"] != res["memory"]                       # float32 did hold the images
    capsys.readouterr()
    try:
        import torch
        has_gpu = torch.cuda.is_available()
    except ImportError:                                   # make test-notorch
        has_gpu = False
    if not has_gpu:
        assert main(["predict", "--data", str(path), "--n", "20", "--seeds", "2", "--model",
                     "data", "--device", "cuda", "--out", str(tmp_path / "c")]) == 2
        assert "use device='cpu'" in capsys.readouterr().err
