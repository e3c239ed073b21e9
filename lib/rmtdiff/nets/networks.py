r"""Denoising networks: a UNet and a DiT, written from their papers' equations.

Conventions
-----------
* A network ``F(x, c_noise)`` maps images ``x`` of shape ``(B, C, H, W)`` (float32) and a noise
  code ``c_noise`` of shape ``(B,)`` to a tensor of the same shape as ``x``. It is the raw network
  of EDM's preconditioning (:mod:`rmtdiff.nets.training`): the denoiser is
  :math:`D(x;\sigma) = c_\text{skip}x + c_\text{out}F(c_\text{in}x;\, c_\text{noise})`.
* The noise code enters through a sinusoidal embedding followed by a two-layer MLP, the same in
  both architectures.
* Sizes are named presets (:data:`UNET_PRESETS`, :data:`DIT_PRESETS`); a configuration is a frozen
  dataclass (:class:`NetworkConfig`) and :func:`build_network` checks it before building.

References: Ho et al. (2020) and Dhariwal & Nichol (2021) for the UNet (residual blocks with
group normalisation, self-attention at chosen resolutions, skip connections between the halves);
Peebles & Xie (2023), "Scalable Diffusion Models with Transformers", for the DiT (patchify, fixed
2-D sin-cos positions, adaLN-Zero blocks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

ARCHITECTURES = ("unet", "dit")


@dataclass(frozen=True)
class NetworkConfig:
    """Architecture and size of a denoising network.

    Attributes
    ----------
    arch : str
        "unet" or "dit". Default ``"unet"``.
    image_size : int
        H = W of the images. Default ``16``.
    channels : int
        Image channels C. Default ``1``.
    base_channels : int
        Channels at the first level. Default ``32``.
    channel_mult : tuple[int, ...]
        Channels per level, times base_channels. Default ``(1, 2, 2)``.
    num_res_blocks : int
        Residual blocks per level (encoder). Default ``1``.
    attn_resolutions : tuple[int, ...]
        Feature-map sizes with self-attention (the UNet's middle, at the lowest resolution, always
        has one). Default ``(4,)``.
    patch_size : int
        Patch side p (image_size divisible by p). Default ``2``.
    hidden_size : int
        Token width. Default ``128``.
    depth : int
        Transformer blocks. Default ``4``.
    num_heads : int
        Attention heads (hidden_size divisible). Default ``4``.
    mlp_ratio : float
        MLP width / hidden_size. Default ``4.0``.
    """

    arch: str = "unet"                          # "unet" or "dit"
    image_size: int = 16                        # H = W of the images
    channels: int = 1                           # image channels C
    # UNet
    base_channels: int = 32                     # channels at the first level
    channel_mult: tuple[int, ...] = (1, 2, 2)   # channels per level, times base_channels
    num_res_blocks: int = 1                     # residual blocks per level (encoder)
    attn_resolutions: tuple[int, ...] = (4,)    # feature-map sizes with self-attention
    # DiT
    patch_size: int = 2                         # patch side p (image_size divisible by p)
    hidden_size: int = 128                      # token width
    depth: int = 4                              # transformer blocks
    num_heads: int = 4                          # attention heads (hidden_size divisible)
    mlp_ratio: float = 4.0                      # MLP width / hidden_size


UNET_PRESETS = {
    "tiny": NetworkConfig(arch="unet", base_channels=16, channel_mult=(1, 2), num_res_blocks=1,
                          attn_resolutions=()),
    # sized for 2 CPU cores: 0.56M parameters, about 8 Adam steps/s at batch 64 on 16 px
    "book": NetworkConfig(arch="unet", base_channels=24, channel_mult=(1, 2, 2), num_res_blocks=1,
                          attn_resolutions=(4,)),
    # the paper: 128 channels, multipliers (1, 2, 2, 2), attention at 8x8, on 32 px images
    "paper": NetworkConfig(arch="unet", image_size=32, channels=3, base_channels=128,
                           channel_mult=(1, 2, 2, 2), num_res_blocks=2, attn_resolutions=(8,)),
}
DIT_PRESETS = {
    "tiny": NetworkConfig(arch="dit", patch_size=2, hidden_size=32, depth=2, num_heads=2),
    # sized for 2 CPU cores and to the book UNet: patch 2 on 16 px (an 8x8 grid of 64 tokens),
    # 0.556M parameters against the UNet's 0.560M
    "book": NetworkConfig(arch="dit", patch_size=2, hidden_size=96, depth=3, num_heads=4),
    # the paper: hidden 384, depth 6, 6 heads, patch 2 at 32 px (4 at 64 px)
    "paper": NetworkConfig(arch="dit", image_size=32, channels=3, patch_size=2, hidden_size=384,
                           depth=6, num_heads=6),
}


def network_preset(arch: str, size: str, **overrides: Any) -> NetworkConfig:
    """The named preset ``size`` ("tiny", "book", "paper") of ``arch``, with fields replaced.

    Parameters
    ----------
    arch : {"unet", "dit"}
        The architecture (:data:`UNET_PRESETS` or :data:`DIT_PRESETS`).
    size : {"tiny", "book", "paper"}
        The preset.
    **overrides
        Fields of :class:`NetworkConfig` to replace (not checked here: see :func:`check_config`).

    Returns
    -------
    NetworkConfig

    Raises
    ------
    ValueError
        An unknown ``arch`` or ``size``.

    >>> network_preset("dit", "tiny", image_size=8).image_size
    8
    """
    presets = {"unet": UNET_PRESETS, "dit": DIT_PRESETS}
    if arch not in presets:
        raise ValueError(f"arch must be one of {ARCHITECTURES}; got {arch!r}")
    if size not in presets[arch]:
        raise ValueError(f"size must be one of {sorted(presets[arch])}; got {size!r}")
    return replace(presets[arch][size], **overrides)


def check_config(cfg: NetworkConfig) -> None:
    """Raise ``ValueError`` naming the field when ``cfg`` cannot build a network.

    Checked: ``arch``; positive ``image_size`` and ``channels``; for the UNet, ``image_size``
    divisible by :math:`2^{L-1}` (``L = len(channel_mult)`` levels), every ``attn_resolutions``
    entry reached, and ``base_channels`` divisible by its group-norm group count
    ``min(32, max(1, base_channels // 4))``; for the DiT, ``image_size`` divisible by
    ``patch_size`` and ``hidden_size`` divisible by ``num_heads`` and by 4.

    Parameters
    ----------
    cfg : NetworkConfig
        The configuration to check.

    Returns
    -------
    None

    >>> check_config(network_preset("unet", "tiny", image_size=7))
    Traceback (most recent call last):
    ...
    ValueError: image_size 7 must be divisible by 2^(levels - 1) = 2 for channel_mult (1, 2)
    """
    if cfg.arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}; got {cfg.arch!r}")
    if cfg.image_size < 1 or cfg.channels < 1:
        raise ValueError(f"image_size and channels must be positive; got {cfg.image_size}, "
                         f"{cfg.channels}")
    if cfg.arch == "unet":
        levels = len(cfg.channel_mult)
        if levels < 1 or cfg.image_size % 2 ** (levels - 1):
            raise ValueError(f"image_size {cfg.image_size} must be divisible by 2^(levels - 1) = "
                             f"{2 ** (levels - 1)} for channel_mult {cfg.channel_mult}")
        reached = [cfg.image_size // 2**i for i in range(levels)]
        bad = [r for r in cfg.attn_resolutions if r not in reached]
        if bad:
            raise ValueError(f"attn_resolutions {bad} are never reached: with image_size "
                             f"{cfg.image_size} and {levels} levels the UNet's feature maps are "
                             f"{reached}")
        groups = _groups(cfg.base_channels)
        if cfg.base_channels % groups:
            raise ValueError(f"base_channels {cfg.base_channels} must be divisible by its "
                             f"group-norm group count min(32, max(1, base_channels // 4)) = "
                             f"{groups}")
    else:
        if cfg.image_size % cfg.patch_size:
            raise ValueError(f"image_size {cfg.image_size} is not divisible by patch_size "
                             f"{cfg.patch_size}")
        if cfg.hidden_size % cfg.num_heads:
            raise ValueError(f"hidden_size {cfg.hidden_size} is not divisible by num_heads "
                             f"{cfg.num_heads}")
        if cfg.hidden_size % 4:
            raise ValueError(f"hidden_size must be a multiple of 4 (2-D sin-cos positions); got "
                             f"{cfg.hidden_size}")


def build_network(cfg: NetworkConfig) -> nn.Module:
    """The network of ``cfg`` (checked first), with its own initialisation.

    Parameters
    ----------
    cfg : NetworkConfig
        Architecture and size (:func:`check_config` must accept it).

    Returns
    -------
    torch.nn.Module
        A :class:`UNet` or a :class:`DiT`, float32 on the CPU; weights drawn from torch's global
        generator.
    """
    check_config(cfg)
    return UNet(cfg) if cfg.arch == "unet" else DiT(cfg)


def parameter_count(net: nn.Module) -> int:
    """Number of trainable parameters.

    Parameters
    ----------
    net : torch.nn.Module
        Any module.

    Returns
    -------
    int
        The sum of ``numel`` over the parameters with ``requires_grad``.

    >>> parameter_count(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


# ---------------------------------------------------------------------------------------------
# shared pieces

def sinusoidal_embedding(c: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    r"""Embed scalars ``c`` (shape ``(B,)``) as ``[cos(c w_j), sin(c w_j)]``,
    :math:`w_j = \text{max\_period}^{-j/(\text{dim}/2)}`, :math:`j = 0, \dots, \text{dim}/2 - 1`;
    shape ``(B, dim)``. The noise code :math:`c_\text{noise} = \ln(\sigma)/4` (about ``[-2, 1]``)
    enters unscaled, as in EDM (Karras et al. 2022, Table 1, and its positional embedding):
    the fastest frequencies resolve it and the slow ones give near-constant features.

    Parameters
    ----------
    c : torch.Tensor, shape (B,)
        The scalars (cast to float32).
    dim : int
        Width of the embedding, even (an odd ``dim`` gives ``dim - 1`` columns).
    max_period : float, optional
        The slowest period :math:`\text{max\_period}` (default 10000).

    Returns
    -------
    torch.Tensor, shape (B, dim), float32
        Cosines in the first half of the columns, sines in the second.

    >>> sinusoidal_embedding(torch.zeros(2), 4).tolist()
    [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=c.device) / half)
    args = c.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class NoiseEmbedding(nn.Module):
    """Sinusoidal embedding of the noise code, then Linear-SiLU-Linear: ``(B,) -> (B, dim)``.

    Parameters
    ----------
    freq_dim : int
        Width of the :func:`sinusoidal_embedding`.
    dim : int
        Width of the output.
    """

    def __init__(self, freq_dim: int, dim: int):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, c_noise: torch.Tensor) -> torch.Tensor:
        r"""Embed the noise codes.

        Parameters
        ----------
        c_noise : torch.Tensor, shape (B,)
            Noise codes :math:`c_\text{noise} = \ln(\sigma)/4`.

        Returns
        -------
        torch.Tensor, shape (B, dim), float32
        """
        return self.mlp(sinusoidal_embedding(c_noise, self.freq_dim))


def _groups(channels: int) -> int:
    return min(32, max(1, channels // 4))


def _zero(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


# ---------------------------------------------------------------------------------------------
# UNet

class ResBlock(nn.Module):
    """GN-SiLU-Conv, add the projected noise embedding, GN-SiLU-Conv (zero-initialised), plus a
    skip connection (1x1 convolution when the width changes).

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    emb_dim : int
        Width of the noise embedding.
    """

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(_groups(c_out), c_out)
        self.conv2 = _zero(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Parameters
        ----------
        x : torch.Tensor, shape (B, c_in, h, w)
            Feature map.
        emb : torch.Tensor, shape (B, emb_dim)
            Noise embedding.

        Returns
        -------
        torch.Tensor, shape (B, c_out, h, w)
        """
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class AttnBlock(nn.Module):
    """Multi-head self-attention over the h*w positions of a feature map, with a residual.

    Parameters
    ----------
    channels : int
        Channels of the feature map (divisible by ``heads``).
    heads : int, optional
        Attention heads (default 1).
    """

    def __init__(self, channels: int, heads: int = 1):
        super().__init__()
        self.norm = nn.GroupNorm(_groups(channels), channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = _zero(nn.Conv2d(channels, channels, 1))
        self.heads = heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Parameters
        ----------
        x : torch.Tensor, shape (B, c, h, w)
            Feature map.

        Returns
        -------
        torch.Tensor, shape (B, c, h, w)
            ``x`` plus the (zero-initialised) projection of the attention output.
        """
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w).unbind(1)
        out = F.scaled_dot_product_attention(q.transpose(-1, -2), k.transpose(-1, -2),
                                             v.transpose(-1, -2))       # (B, heads, hw, c/heads)
        return x + self.proj(out.transpose(-1, -2).reshape(b, c, h, w))


class UNet(nn.Module):
    """Encoder-decoder with skip connections; levels halve the resolution.

    ``num_res_blocks`` residual blocks per level in the encoder and one more in the decoder,
    self-attention after them at the resolutions in ``attn_resolutions``, and a middle of
    ResBlock-attention-ResBlock at the lowest resolution; the output convolution starts at zero.

    Parameters
    ----------
    cfg : NetworkConfig
        With ``arch="unet"`` (checked by :func:`build_network`, not here).
    """

    def __init__(self, cfg: NetworkConfig):
        super().__init__()
        self.cfg = cfg
        ch = [cfg.base_channels * m for m in cfg.channel_mult]
        emb_dim = 4 * cfg.base_channels
        self.embed = NoiseEmbedding(cfg.base_channels, emb_dim)
        self.conv_in = nn.Conv2d(cfg.channels, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        skips, c, res = [ch[0]], ch[0], cfg.image_size
        for level, c_out in enumerate(ch):
            for _ in range(cfg.num_res_blocks):
                self.down.append(self._level_block(c, c_out, emb_dim, res))
                c = c_out
                skips.append(c)
            if level < len(ch) - 1:
                self.down.append(nn.AvgPool2d(2))
                res //= 2
                skips.append(c)
        self.mid = nn.ModuleList([ResBlock(c, c, emb_dim), AttnBlock(c), ResBlock(c, c, emb_dim)])
        self.up = nn.ModuleList()
        for level, c_out in reversed(list(enumerate(ch))):
            for _ in range(cfg.num_res_blocks + 1):
                self.up.append(self._level_block(c + skips.pop(), c_out, emb_dim, res))
                c = c_out
            if level > 0:
                self.up.append(nn.Upsample(scale_factor=2, mode="nearest"))
                res *= 2
        self.norm_out = nn.GroupNorm(_groups(c), c)
        self.conv_out = _zero(nn.Conv2d(c, cfg.channels, 3, padding=1))

    def _level_block(self, c_in, c_out, emb_dim, res):
        blocks = [ResBlock(c_in, c_out, emb_dim)]
        if res in self.cfg.attn_resolutions:
            blocks.append(AttnBlock(c_out))
        return nn.ModuleList(blocks)

    @staticmethod
    def _run(block, h, emb):
        if isinstance(block, nn.ModuleList):
            for layer in block:
                h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
            return h
        return block(h)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        r"""The raw network :math:`F(x;\, c_\text{noise})`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, C, H, W), float32
            Preconditioned inputs :math:`c_\text{in} x`.
        c_noise : torch.Tensor, shape (B,)
            Noise codes.

        Returns
        -------
        torch.Tensor, shape (B, C, H, W)
        """
        emb = self.embed(c_noise)
        h = self.conv_in(x)
        hs = [h]
        for block in self.down:
            h = self._run(block, h, emb)
            hs.append(h)
        for layer in self.mid:
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
        for block in self.up:
            if isinstance(block, nn.ModuleList):
                h = self._run(block, torch.cat([h, hs.pop()], dim=1), emb)
            else:
                h = block(h)
        return self.conv_out(F.silu(self.norm_out(h)))


# ---------------------------------------------------------------------------------------------
# DiT

def sincos_2d(hidden: int, grid: int) -> torch.Tensor:
    """Fixed 2-D sin-cos position embeddings of a ``grid x grid`` patch grid: ``(grid^2, hidden)``;
    half the width encodes the row, half the column.

    Per axis and position ``p``: ``[sin(p w_j), cos(p w_j)]`` with
    ``w_j = 10000^(-j / (hidden / 4))``, ``j < hidden / 4`` (Peebles & Xie 2023).

    Parameters
    ----------
    hidden : int
        Token width, a multiple of 4.
    grid : int
        Patches per side.

    Returns
    -------
    torch.Tensor, shape (grid**2, hidden), float32
        Row-major over the grid (row index ``i // grid``, column ``i % grid``).

    >>> sincos_2d(8, 3).shape
    torch.Size([9, 8])
    """
    def one_d(dim, pos):
        omega = 1.0 / 10_000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim / 2))
        out = pos[:, None] * omega[None]
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)

    ys, xs = torch.meshgrid(torch.arange(grid, dtype=torch.float64),
                            torch.arange(grid, dtype=torch.float64), indexing="ij")
    emb = torch.cat([one_d(hidden // 2, ys.flatten()), one_d(hidden // 2, xs.flatten())], dim=1)
    return emb.float()


def _modulate(x, shift, scale):                   # x: (B, T, D); shift, scale: (B, D)
    return x * (1 + scale[:, None]) + shift[:, None]


class DiTBlock(nn.Module):
    """adaLN-Zero block: the conditioning regresses shift, scale and gate of both sub-layers;
    the gates start at zero, so every block starts as the identity.

    Parameters
    ----------
    hidden : int
        Token width ``D``.
    heads : int
        Attention heads (dividing ``hidden``).
    mlp_ratio : float
        Width of the MLP over ``hidden``.
    """

    def __init__(self, hidden: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6)
        self.attn = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6)
        width = int(hidden * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(hidden, width), nn.GELU(approximate="tanh"),
                                 nn.Linear(width, hidden))
        self.ada = _zero(nn.Linear(hidden, 6 * hidden))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """Apply the block.

        Parameters
        ----------
        x : torch.Tensor, shape (B, T, D)
            Tokens.
        c : torch.Tensor, shape (B, D)
            Conditioning (the noise embedding).

        Returns
        -------
        torch.Tensor, shape (B, T, D)
        """
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(F.silu(c)).chunk(6, dim=1)
        h = _modulate(self.norm1(x), shift1, scale1)
        x = x + gate1[:, None] * self.attn(h, h, h, need_weights=False)[0]
        h = _modulate(self.norm2(x), shift2, scale2)
        return x + gate2[:, None] * self.mlp(h)


class DiT(nn.Module):
    """Patchify, add fixed positions, adaLN-Zero blocks, a modulated linear head, unpatchify.

    Parameters
    ----------
    cfg : NetworkConfig
        With ``arch="dit"`` (checked by :func:`build_network`, not here).
    """

    def __init__(self, cfg: NetworkConfig):
        super().__init__()
        self.cfg = cfg
        p, d = cfg.patch_size, cfg.hidden_size
        self.grid = cfg.image_size // p
        self.patchify = nn.Conv2d(cfg.channels, d, p, stride=p)
        self.register_buffer("pos", sincos_2d(d, self.grid)[None], persistent=False)
        self.embed = NoiseEmbedding(256, d)
        self.blocks = nn.ModuleList([DiTBlock(d, cfg.num_heads, cfg.mlp_ratio)
                                     for _ in range(cfg.depth)])
        self.norm_out = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.ada_out = _zero(nn.Linear(d, 2 * d))
        self.head = _zero(nn.Linear(d, p * p * cfg.channels))

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        r"""The raw network :math:`F(x;\, c_\text{noise})`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, C, H, W), float32
            Preconditioned inputs :math:`c_\text{in} x`.
        c_noise : torch.Tensor, shape (B,)
            Noise codes.

        Returns
        -------
        torch.Tensor, shape (B, C, H, W)
        """
        b, C, H, W = x.shape
        p, g = self.cfg.patch_size, self.grid
        tokens = self.patchify(x).flatten(2).transpose(1, 2) + self.pos   # (B, T, D)
        c = self.embed(c_noise)
        for block in self.blocks:
            tokens = block(tokens, c)
        shift, scale = self.ada_out(F.silu(c)).chunk(2, dim=1)
        out = self.head(_modulate(self.norm_out(tokens), shift, scale))   # (B, T, p*p*C)
        out = out.reshape(b, g, g, p, p, C).permute(0, 5, 1, 3, 2, 4)
        return out.reshape(b, C, H, W)
