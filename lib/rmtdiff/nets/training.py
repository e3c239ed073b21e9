r"""EDM training of a denoising network on one split, with exact resume.

Conventions
-----------
* Images are float32 tensors in ``[-1, 1]`` of shape ``(n, C, H, W)``; ``sigma`` is a noise
  standard deviation and :math:`x_\sigma = x_0 + \sigma\varepsilon`.
* Preconditioning (Karras et al. 2022, Table 1, with :math:`\sigma_\text{data} = 0.5`):

  .. math::
     c_\text{skip} = \frac{\sigma_d^2}{\sigma^2+\sigma_d^2},\quad
     c_\text{out} = \frac{\sigma\sigma_d}{\sqrt{\sigma^2+\sigma_d^2}},\quad
     c_\text{in} = \frac{1}{\sqrt{\sigma^2+\sigma_d^2}},\quad
     c_\text{noise} = \tfrac14\ln\sigma,

  :math:`D(x;\sigma) = c_\text{skip}x + c_\text{out}F(c_\text{in}x;\, c_\text{noise})`.
* Loss: :math:`\ln\sigma\sim\mathcal N(P_\text{mean}, P_\text{std}^2)` with
  :math:`(P_\text{mean}, P_\text{std}) = (-1.2, 1.2)`, weight
  :math:`\lambda(\sigma) = (\sigma^2+\sigma_d^2)/(\sigma\sigma_d)^2`, and
  :math:`\mathcal L = \mathbb E\,\lambda(\sigma)\,\|D(x_0+\sigma\varepsilon;\sigma) - x_0\|^2/(CHW)`
  (mean over pixels), so that every noise level contributes about equally.
* On CUDA the forward pass runs under bfloat16 autocast; on the CPU in float32.
* Every random draw of training (minibatch indices, noise levels, noise) comes from one
  ``torch.Generator`` seeded by the configuration; its state is saved in every checkpoint, so a
  resumed run continues the same stream and ends, on CPU, with bit-identical weights.
* Under ``torchrun`` (:mod:`rmtdiff.nets.distributed`) every rank draws the same global minibatch and
  noise, trains on its own share of it through DistributedDataParallel, and rank 0 alone
  evaluates losses and writes checkpoints: the same run as one process, up to summation order.

The networks of the book's chapters ``networks``, ``networks-theory`` and ``mismatch``
(``book/05_networks.md`` to ``book/07_mismatched_splits.md``).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..util.io import atomic_write
from . import distributed

SIGMA_DATA = 0.5      #: sigma_d, the assumed standard deviation of the data
P_MEAN, P_STD = -1.2, 1.2


def precond(sigma: float | torch.Tensor, sigma_data: float = SIGMA_DATA
            ) -> tuple[float | torch.Tensor, float | torch.Tensor, float | torch.Tensor,
                       float | torch.Tensor]:
    r"""EDM's :math:`(c_\text{skip}, c_\text{out}, c_\text{in}, c_\text{noise})` at ``sigma``
    (a float or a tensor; same type out).

    The formulas of the module docstring (Karras et al. 2022, Table 1).

    Parameters
    ----------
    sigma : float or torch.Tensor, any shape
        Noise standard deviation(s), ``> 0``.
    sigma_data : float, optional
        :math:`\sigma_d` (default :data:`SIGMA_DATA`).

    Returns
    -------
    c_skip, c_out, c_in, c_noise : float or torch.Tensor, the type and shape of ``sigma``

    >>> [round(float(c), 4) for c in precond(0.5)]
    [0.5, 0.3536, 1.4142, -0.1733]
    """
    s2, d2 = sigma**2, sigma_data**2
    root = (s2 + d2) ** 0.5
    log = torch.log(sigma) if torch.is_tensor(sigma) else math.log(sigma)
    return d2 / (s2 + d2), sigma * sigma_data / root, 1 / root, log / 4


def loss_weight(sigma: float | torch.Tensor,
                sigma_data: float = SIGMA_DATA) -> float | torch.Tensor:
    r""":math:`\lambda(\sigma) = (\sigma^2+\sigma_d^2)/(\sigma\sigma_d)^2 = 1/c_\text{out}^2`.

    Parameters
    ----------
    sigma : float or torch.Tensor, any shape
        Noise standard deviation(s), ``> 0``.
    sigma_data : float, optional
        :math:`\sigma_d` (default :data:`SIGMA_DATA`).

    Returns
    -------
    float or torch.Tensor, the type and shape of ``sigma``

    >>> loss_weight(0.5)
    8.0
    """
    return (sigma**2 + sigma_data**2) / (sigma * sigma_data) ** 2


class Denoiser(nn.Module):
    r"""The preconditioned denoiser ``D(x, sigma)`` around a raw network ``F(x, c_noise)``.

    Calling it with a NumPy array or a tensor and a float ``sigma`` (the interface of
    :func:`rmtdiff.heun_sample`) evaluates it without gradients in float32 on the model's device,
    in batches, and returns the same type as the input.

    Parameters
    ----------
    net : torch.nn.Module
        The raw network ``F(x, c_noise)`` (:mod:`rmtdiff.nets.networks`).
    sigma_data : float, optional
        :math:`\sigma_d` (default :data:`SIGMA_DATA`).
    """

    def __init__(self, net: nn.Module, sigma_data: float = SIGMA_DATA):
        super().__init__()
        self.net = net
        self.sigma_data = sigma_data

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        r"""``x``: (B, C, H, W); ``sigma``: (B,) tensor. Differentiable.

        :math:`D(x;\sigma) = c_\text{skip}x + c_\text{out}F(c_\text{in}x;\, c_\text{noise})`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, C, H, W)
            Noisy images :math:`x_\sigma`.
        sigma : torch.Tensor, shape (B,)
            Their noise levels, ``> 0``.

        Returns
        -------
        torch.Tensor, shape (B, C, H, W), dtype of ``x``
            The denoised images.
        """
        s = sigma.reshape(-1, 1, 1, 1).to(x.dtype)
        c_skip, c_out, c_in, c_noise = precond(s, self.sigma_data)
        return c_skip * x + c_out * self.net(c_in * x, c_noise.reshape(-1))

    def __call__(self, x, sigma, batch: int = 512):
        if not torch.is_tensor(sigma) or sigma.ndim == 0:
            return self._evaluate(x, float(sigma), batch)
        return super().__call__(x, sigma)

    @torch.no_grad()
    def _evaluate(self, x, sigma: float, batch: int):
        device = next(self.parameters()).device
        was_numpy = isinstance(x, np.ndarray)
        xt = torch.as_tensor(x)
        dtype = xt.dtype
        out = []
        for chunk in xt.split(batch):
            c = chunk.to(device=device, dtype=torch.float32)
            s = torch.full((c.shape[0],), sigma, device=device)
            out.append(self.forward(c, s).to(dtype).cpu())
        y = torch.cat(out)
        return y.numpy() if was_numpy else y.to(xt.device)


def edm_loss(D: nn.Module, x0: torch.Tensor, generator: torch.Generator,
             share: slice = slice(None)) -> torch.Tensor:
    r"""The weighted denoising loss of one minibatch ``x0`` (B, C, H, W), noise drawn from
    ``generator``: a scalar tensor. ``share`` keeps part of the minibatch (a rank's share under
    DDP); the noise of the whole minibatch is drawn all the same, so every rank's generator stays
    in step and the shares together are exactly the single-process minibatch.

    :math:`\frac1{B'}\sum_i \lambda(\sigma_i)\,\|D(x_i + \sigma_i\varepsilon_i;\sigma_i) - x_i\|^2/(CHW)`
    over the ``B'`` images of the share, :math:`\ln\sigma_i \sim \mathcal N(P_\text{mean},
    P_\text{std}^2)` (the loss of the module docstring).

    Parameters
    ----------
    D : torch.nn.Module
        A :class:`Denoiser`, or DistributedDataParallel around one.
    x0 : torch.Tensor, shape (B, C, H, W)
        The clean minibatch (on ``D``'s device).
    generator : torch.Generator
        A CPU generator; draws ``B`` noise levels, then ``B * C * H * W`` normals.
    share : slice, optional
        The rows of the minibatch to keep (default all).

    Returns
    -------
    torch.Tensor, shape ()
        Differentiable.
    """
    b = x0.shape[0]
    sigma = torch.exp(P_MEAN + P_STD * torch.randn(b, generator=generator)).to(x0.device)
    noise = torch.randn(x0.shape, generator=generator).to(x0.device)
    x0, sigma, noise = x0[share], sigma[share], noise[share]
    d = D(x0 + sigma.reshape(-1, 1, 1, 1) * noise, sigma)
    per_image = ((d - x0) ** 2).flatten(1).mean(1)
    sigma_data = getattr(D, "module", D).sigma_data      # D may be DDP around a Denoiser
    return (loss_weight(sigma, sigma_data) * per_image).mean()


@dataclass(frozen=True)
class TrainConfig:
    """How one network is trained (the architecture is a separate NetworkConfig).

    Attributes
    ----------
    steps : int
        Adam steps. Default ``2000``.
    batch_size : int
        Images per step (drawn with replacement from the split). Default ``64``.
    lr : float
        Peak learning rate. Default ``1e-3``.
    warmup : int
        Steps of linear warm-up from ``lr / warmup`` to ``lr``. Default ``0``.
    schedule : str
        After the warm-up: ``"constant"`` or ``"cosine"`` (half a cosine from ``lr`` to 0 at
        ``steps``; see :func:`learning_rate`). Default ``"constant"``.
    ema_decay : float
        EMA of the weights (reported; samples use the raw weights). Default ``0.999``.
    checkpoint_every : int
        Steps between checkpoints (and loss evaluations). Default ``500``.
    eval_images : int
        Images of the split and of held-out data for the losses. Default ``256``.
    seed : int
        Seed of the training generator. Default ``0``.
    """

    steps: int = 2000               # Adam steps
    batch_size: int = 64            # images per step (drawn with replacement from the split)
    lr: float = 1e-3                # peak learning rate
    warmup: int = 0                 # steps of linear warm-up to lr
    schedule: str = "constant"      # after the warm-up: "constant" or "cosine" (to 0 at steps)
    ema_decay: float = 0.999        # EMA of the weights (reported; samples use the raw weights)
    checkpoint_every: int = 500     # steps between checkpoints (and loss evaluations)
    eval_images: int = 256          # images of the split and of held-out data for the losses
    seed: int = 0                   # seed of the training generator


SCHEDULES = ("constant", "cosine")


def learning_rate(step: int, cfg: TrainConfig) -> float:
    r"""The learning rate of Adam step ``step`` (0-based) under ``cfg``'s schedule.

    Linear warm-up :math:`\eta (t+1)/W` for :math:`t < W` (``W = cfg.warmup``), then
    :math:`\eta` (``"constant"``) or :math:`\tfrac{\eta}{2}\bigl(1 + \cos\frac{\pi(t - W)}{T - W}\bigr)`
    (``"cosine"``, :math:`T` = ``cfg.steps``), so that the last step's rate is close to 0 and
    the final weights carry little of the last steps' gradient noise. A pure function of the
    step: a resumed run continues the same schedule.

    Parameters
    ----------
    step : int
        The step, ``0 <= step < cfg.steps``.
    cfg : TrainConfig
        Its ``lr``, ``warmup``, ``schedule`` and ``steps``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        An unknown ``cfg.schedule``.

    >>> cfg = TrainConfig(steps=10, lr=1.0, warmup=2, schedule="cosine")
    >>> [round(learning_rate(t, cfg), 3) for t in (0, 1, 2, 6, 9)]
    [0.5, 1.0, 1.0, 0.5, 0.038]
    """
    if cfg.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}; got {cfg.schedule!r}")
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    if cfg.schedule == "constant":
        return cfg.lr
    return 0.5 * cfg.lr * (1 + math.cos(math.pi * (step - cfg.warmup) / (cfg.steps - cfg.warmup)))


@torch.no_grad()
def evaluate_loss(D: Denoiser, images: torch.Tensor, seed: int = 12345, repeats: int = 4) -> float:
    """The EDM loss of ``D`` on ``images``, averaged over ``repeats`` fixed noise draws (the same
    draws for every model, so losses are comparable).

    Parameters
    ----------
    D : Denoiser
        The model (put in eval mode during the call, train mode after).
    images : torch.Tensor, shape (N, C, H, W)
        Evaluated in chunks of 256 (the mean is over chunks, each weighted equally).
    seed : int, optional
        Seed of the noise generator (default 12345).
    repeats : int, optional
        Noise draws per chunk (default 4).

    Returns
    -------
    float
        The mean of :func:`edm_loss` over chunks and repeats.
    """
    g = torch.Generator().manual_seed(seed)
    D.eval()
    total = [float(edm_loss(D, chunk, g)) for _ in range(repeats)
             for chunk in images.split(256)]
    D.train()
    return float(np.mean(total))


def train(D: Denoiser, images: torch.Tensor, cfg: TrainConfig, checkpoint: Path,
          held_out: torch.Tensor | None = None,
          progress: Callable[[int, float], None] | None = None,
          on_checkpoint: Callable[[int, Denoiser], None] | None = None) -> dict[str, Any]:
    """Train ``D`` on ``images`` (n, C, H, W) for ``cfg.steps`` Adam steps, resuming from
    ``checkpoint`` if it exists, writing it every ``cfg.checkpoint_every`` steps (and calling
    ``on_checkpoint(step, D)`` just before; it must not draw from torch's global generator).

    In a process group (:mod:`rmtdiff.nets.distributed`) every rank calls this with the same
    arguments; each trains on its share of the global batch, and only rank 0 evaluates losses,
    calls ``on_checkpoint`` and writes the checkpoint (its returned history is the run's; the
    other ranks return an empty one).

    Parameters
    ----------
    D : Denoiser
        The model, trained in place (on its own device).
    images : torch.Tensor, shape (n, C, H, W), float32
        The split; minibatches of ``cfg.batch_size`` are drawn with replacement.
    cfg : TrainConfig
        Steps, batch size, learning rate, EMA decay, checkpoint interval, evaluation images and
        the seed.
    checkpoint : pathlib.Path
        The checkpoint file (model, EMA, optimiser, generator, step, history), written
        atomically.
    held_out : torch.Tensor, shape (m, C, H, W), optional
        Images never trained on, for the held-out losses.
    progress : callable, optional
        ``progress(step, loss)`` after every step (on every rank).
    on_checkpoint : callable, optional
        ``on_checkpoint(step, D)`` at every checkpoint, on rank 0.

    Returns
    -------
    dict
        With ``history`` (list of {step, train_loss, held_out_loss, ema_train_loss}),
        ``ema`` (state dict of the EMA weights), ``seconds`` (this call's training time).
        ``history`` records also hold ``ema_held_out_loss`` when ``held_out`` is given; it is
        the whole history, including the steps before a resume.
    """
    learning_rate(0, cfg)                     # an unknown schedule fails before any work
    device = next(D.parameters()).device
    opt = torch.optim.Adam(D.parameters(), lr=cfg.lr)
    ema = copy.deepcopy(D).requires_grad_(False)
    g = torch.Generator().manual_seed(cfg.seed)
    step, history = 0, []
    if checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        D.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        g.set_state(state["generator"])
        step, history = state["step"], state["history"]
    n = images.shape[0]
    eval_train = images[:cfg.eval_images]
    rank, ranks = distributed.world()
    share = distributed.share(cfg.batch_size)
    model = D
    if ranks > 1:
        model = DistributedDataParallel(D, device_ids=None if device.type == "cpu" else [device])
    # on a GPU the forward pass runs in bfloat16 (weights, optimizer and loss stay float32);
    # on the CPU everything is float32
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    start = time.perf_counter()
    D.train()
    while step < cfg.steps:
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, cfg)
        idx = torch.randint(n, (cfg.batch_size,), generator=g)
        with autocast:
            loss = edm_loss(model, images[idx], g, share)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), D.parameters()):
                pe.lerp_(p, 1 - cfg.ema_decay)
        step += 1
        if progress is not None:
            progress(step, float(loss.detach()))
        if (step % cfg.checkpoint_every == 0 or step == cfg.steps) and rank == 0:
            record = {"step": step, "train_loss": evaluate_loss(D, eval_train),
                      "ema_train_loss": evaluate_loss(ema, eval_train)}
            if held_out is not None:
                record["held_out_loss"] = evaluate_loss(D, held_out[:cfg.eval_images])
                record["ema_held_out_loss"] = evaluate_loss(ema, held_out[:cfg.eval_images])
            history.append(record)
            if on_checkpoint is not None:
                on_checkpoint(step, D)
            state = {"model": D.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                     "generator": g.get_state(), "step": step, "history": history}
            atomic_write(checkpoint, lambda tmp: torch.save(state, tmp))
    distributed.barrier()
    return {"history": history, "ema": ema.state_dict(),
            "seconds": time.perf_counter() - start}
