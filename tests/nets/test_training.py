"""EDM training: preconditioning identities, the loss of the exact Gaussian denoiser in closed
form, a small network learning the Gaussian denoiser, and exact resume."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from rmtdiff.nets import networks

from rmtdiff.nets import training
from rmtdiff.nets.training import P_MEAN, P_STD, SIGMA_DATA, Denoiser, TrainConfig


@pytest.mark.parametrize("sigma", [0.002, 0.1, 0.5, 3.0, 80.0])
def test_preconditioning_identities(sigma):
    c_skip, c_out, c_in, c_noise = training.precond(sigma)
    d2 = SIGMA_DATA**2
    assert c_in**2 * (sigma**2 + d2) == pytest.approx(1)
    assert c_skip == pytest.approx(d2 * c_in**2)
    assert c_out == pytest.approx(sigma * SIGMA_DATA * c_in)
    assert training.loss_weight(sigma) * c_out**2 == pytest.approx(1)
    assert c_noise == pytest.approx(math.log(sigma) / 4)
    # the raw network's target has unit variance for data of variance sigma_data^2
    target_var = ((1 - c_skip) ** 2 * d2 + c_skip**2 * sigma**2) / c_out**2
    assert target_var == pytest.approx(1)


class GaussianNet(nn.Module):
    """The raw network whose preconditioned denoiser is the exact Gaussian denoiser of diagonal
    covariance ``lam`` (mean 0): F = (D_gauss(x) - c_skip x) / c_out."""

    def __init__(self, lam):
        super().__init__()
        self.register_buffer("lam", torch.as_tensor(lam, dtype=torch.float64))
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x_in, c_noise):
        sigma = torch.exp(4 * c_noise.double()).reshape(-1, 1)
        c_skip, c_out, c_in, _ = training.precond(sigma)
        x = x_in.double().flatten(1) / c_in
        d = self.lam / (self.lam + sigma**2) * x
        return ((d - c_skip * x) / c_out).reshape(x_in.shape).to(x_in.dtype)


def test_loss_of_the_exact_gaussian_denoiser_equals_its_closed_form():
    """E_sigma[lambda(sigma) * (1/d) sum_k lam_k sigma^2/(lam_k + sigma^2)] (the Gaussian MMSE)
    against the Monte-Carlo mean of edm_loss over 400 batches of 256; tolerance: 4 standard
    errors of that mean."""
    lam = np.array([0.5, 0.2, 0.05, 0.01])
    D = Denoiser(GaussianNet(lam))
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(400):
        x0 = torch.randn(256, 4, generator=g, dtype=torch.float64) * torch.as_tensor(lam).sqrt()
        losses.append(float(training.edm_loss(D, x0.reshape(256, 1, 2, 2).float(), g)))
    t, w = np.polynomial.hermite_e.hermegauss(80)          # E over ln sigma ~ N(P_MEAN, P_STD^2)
    sig = np.exp(P_MEAN + P_STD * t)
    mmse = (lam[None] * sig[:, None] ** 2 / (lam[None] + sig[:, None] ** 2)).mean(1)
    closed = float((w * training.loss_weight(sig) * mmse).sum() / w.sum())
    se = np.std(losses, ddof=1) / np.sqrt(len(losses))
    assert abs(np.mean(losses) - closed) < 4 * se, (np.mean(losses), closed, se)


@pytest.mark.slow
def test_a_small_network_learns_the_gaussian_denoiser():
    """A tiny DiT trained on 4x4 Gaussian images (diagonal spectrum) ends closer to the Gaussian
    denoiser than it started, by a factor of 4 in RMS at sigma = 0.3 and 1."""
    torch.manual_seed(0)
    lam = torch.linspace(0.3, 0.01, 16)
    gen = torch.Generator().manual_seed(1)
    images = (torch.randn(4096, 16, generator=gen) * lam.sqrt()).reshape(-1, 1, 4, 4)
    cfg = networks.network_preset("dit", "tiny", image_size=4, patch_size=1, hidden_size=32)
    D = Denoiser(networks.build_network(cfg))
    probe = (torch.randn(512, 16, generator=gen) * lam.sqrt()).reshape(-1, 1, 4, 4)

    def error():
        out = []
        for sigma in (0.3, 1.0):
            x = probe + sigma * torch.randn(probe.shape, generator=torch.Generator().manual_seed(2))
            exact = (lam / (lam + sigma**2) * x.flatten(1)).reshape(x.shape)
            out.append(float((D(x, sigma) - exact).square().mean().sqrt()))
        return np.array(out)

    before = error()
    training.train(D, images, TrainConfig(steps=400, batch_size=128, lr=2e-3,
                                          checkpoint_every=400, eval_images=64),
                   checkpoint=_tmp() / "g.pt")
    after = error()
    assert np.all(after < before / 4), (before, after)


def _tmp():
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp())


def _weights(D):
    return torch.cat([p.detach().flatten() for p in D.state_dict().values()])


class Killed(Exception):
    pass


def _small_run(tmp_path, kill_at=None, kill_save_at=None, monkeypatch=None):
    torch.manual_seed(0)
    D = Denoiser(networks.build_network(networks.network_preset("unet", "tiny", image_size=8)))
    images = torch.rand(40, 1, 8, 8, generator=torch.Generator().manual_seed(3)) * 2 - 1
    cfg = TrainConfig(steps=6, batch_size=8, checkpoint_every=2, eval_images=8)
    ckpt = tmp_path / "ckpt.pt"

    def progress(step, loss):
        if kill_at is not None and step == kill_at:
            raise Killed

    if kill_save_at is not None:
        real_save = torch.save

        def torn_save(obj, path):           # dies half way through writing checkpoint N
            if obj.get("step") == kill_save_at:
                with open(path, "wb") as f:
                    f.write(b"partial")
                raise Killed
            real_save(obj, path)

        monkeypatch.setattr(torch, "save", torn_save)
    try:
        training.train(D, images, cfg, ckpt, progress=progress)
    except Killed:
        if kill_save_at is not None:
            monkeypatch.undo()
        torch.manual_seed(0)
        D = Denoiser(networks.build_network(networks.network_preset("unet", "tiny",
                                                                     image_size=8)))
        training.train(D, images, cfg, ckpt)            # resume
    return _weights(D)


def test_resume_after_a_kill_equals_an_uninterrupted_run(tmp_path, monkeypatch):
    for name in "abc":
        (tmp_path / name).mkdir()
    whole = _small_run(tmp_path / "a")
    resumed = _small_run(tmp_path / "b", kill_at=3)
    torn = _small_run(tmp_path / "c", kill_save_at=4, monkeypatch=monkeypatch)
    assert torch.equal(whole, resumed)
    assert torch.equal(whole, torn)


def test_denoiser_takes_numpy_and_float_sigma_like_the_linear_model():
    D = Denoiser(networks.build_network(networks.network_preset("dit", "tiny", image_size=8)))
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8))
    out = D(x, 0.5)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == x.shape
    c_skip = training.precond(0.5)[0]
    assert np.allclose(out, c_skip * x, atol=1e-6)      # zero-initialised head: D = c_skip x
