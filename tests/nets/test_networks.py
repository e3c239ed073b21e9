"""The UNet and the DiT: presets build and train one step; bad configurations say what is wrong."""

import pytest
import torch

from rmtdiff.nets import networks


@pytest.mark.parametrize("arch", ["unet", "dit"])
@pytest.mark.parametrize("size", ["tiny", "book"])
def test_forward_and_backward_keep_the_shape(arch, size):
    cfg = networks.network_preset(arch, size, image_size=8 if size == "tiny" else 16)
    net = networks.build_network(cfg)
    x = torch.randn(3, cfg.channels, cfg.image_size, cfg.image_size)
    y = net(x, torch.randn(3))
    assert y.shape == x.shape
    y.square().mean().backward()


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["unet", "dit"])
def test_paper_presets_build_and_take_one_step_at_batch_2(arch):
    cfg = networks.network_preset(arch, "paper")
    assert (cfg.image_size, cfg.channels) == (32, 3)
    net = networks.build_network(cfg)
    count = networks.parameter_count(net)
    assert 10e6 < count < 60e6          # UNet ~33M, DiT ~17M parameters
    opt = torch.optim.Adam(net.parameters(), 1e-4)
    x = torch.randn(2, 3, 32, 32)
    loss = net(x, torch.randn(2)).square().mean() + sum(p.sum() * 0 for p in net.parameters())
    loss.backward()
    opt.step()


def test_zero_initialised_output_makes_the_initial_network_zero():
    for arch in ("unet", "dit"):
        net = networks.build_network(networks.network_preset(arch, "tiny"))
        assert torch.count_nonzero(net(torch.randn(2, 1, 16, 16), torch.zeros(2))) == 0


def test_dit_positions_are_the_fixed_sin_cos_table():
    pos = networks.sincos_2d(8, 3)
    assert pos.shape == (9, 8)
    assert torch.allclose(pos[0], torch.tensor([0.0, 0, 1, 1, 0, 0, 1, 1]))


@pytest.mark.parametrize("overrides, message", [
    ({"arch": "resnet"}, "arch must be one of"),
    ({"arch": "dit", "image_size": 18, "patch_size": 4}, "not divisible by patch_size"),
    ({"arch": "dit", "hidden_size": 30, "num_heads": 4}, "not divisible by num_heads"),
    ({"arch": "unet", "image_size": 16, "channel_mult": (1, 2), "attn_resolutions": (4,)},
     "never reached"),
    ({"arch": "unet", "image_size": 18, "channel_mult": (1, 2, 2)}, "divisible by 2"),
], ids=["unknown-arch", "patch", "heads", "attention-resolution", "levels"])
def test_bad_configurations_raise_clear_errors(overrides, message):
    cfg = networks.NetworkConfig(**overrides)
    with pytest.raises(ValueError, match=message):
        networks.build_network(cfg)


def test_unknown_preset_names():
    with pytest.raises(ValueError, match="arch must be one of"):
        networks.network_preset("vit", "book")
    with pytest.raises(ValueError, match="size must be one of"):
        networks.network_preset("unet", "huge")
