"""Content-addressed training runs: train once, find again by key, resume when interrupted.

A run is one network trained on one split and sampled from the shared seed bank. Its key hashes
everything the result depends on and nothing else:

* the network and training configurations and the sampling settings (seeds, Heun steps);
* the training images themselves (their float32 bytes, so the dataset, the split's indices and
  the preprocessing are all covered) and the held-out images used for the held-out loss;
* the code on the training and sampling path: a fingerprint (:func:`rmtdiff.util.codehash.fingerprint`)
  of every definition reachable from :data:`TRAINING_ROOTS` (:func:`train_run` and all it calls:
  the initial weights, the training loop and its loss, the networks, the sampler, the probes, and
  the run store's own bookkeeping, kept on the path to be safe). Docstrings, comments, type hints,
  imports, moved modules and every function off that path (the kappa solver, a plot, the
  experiments) never retrain a network; a change to the training step, the loss, a network, the
  sampler or what a run records does.

Layout of a run folder ``<store>/<key>/``::

    run.json         resolved configuration, dataset, split, n, steps done, losses, seconds, versions
    history.json     the loss history (train and held-out, raw and EMA weights)
    checkpoint.pt    the latest checkpoint (resume point; written to a temporary name, then renamed)
    model.pt         the final raw and EMA weights
    samples.npy      float32 (seeds, C, H, W): the seed bank through 35 Heun steps, not clipped
                     (like the linear model's images; clip to [-1, 1] only to display them)
    .lock            held (``fcntl.flock``) by the process that trains the run
    probe_<step>.npy float32 samples of the first PROBE_SEEDS seeds at every checkpoint (how the
                     samples move as training goes on)

``run.json`` is written last: a folder without it is unfinished and is resumed from its
checkpoint the next time the same run is asked for. Two processes never train one run at once:
the second waits for the first's lock (with a message), then finds the finished run.

Under ``torchrun`` (several processes, :mod:`rmtdiff.nets.distributed`) every rank calls
:func:`train_run` with the same arguments; rank 0 alone writes the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import distributed

from ..core import edm

from . import networks

from . import training
from .networks import NetworkConfig
from .training import Denoiser, TrainConfig
from ..util.device import default_device
from ..util.codehash import fingerprint
from ..util.io import atomic_write, write_json

PROBE_SEEDS = 128  #: seeds sampled at every checkpoint (the convergence checks of chapter 5)
#: where the code that determines a run's weights, samples and probes starts (see the module
#: docstring): ``train_run`` itself (the seed it passes, the probes, the final sampling, and, to
#: be safe, its bookkeeping) and everything it reaches
TRAINING_ROOTS = ("rmtdiff.nets.runs.train_run",)


@dataclass(frozen=True)
class Run:
    """A finished run: its folder, its record and its samples.

    Attributes
    ----------
    path : pathlib.Path
        The run folder ``<store>/<key>``.
    record : dict
        The contents of ``run.json`` (see the module docstring).
    samples : ndarray, shape (seeds, C, H, W), float32
        The seed bank through the trained network (raw weights), not clipped.
    """

    path: Path
    record: dict
    samples: np.ndarray          # (seeds, C, H, W) float32

    @property
    def history(self) -> list[dict]:
        """The loss history of the record: one dict per checkpoint (step and losses)."""
        return self.record["history"]

    def denoiser(self, ema: bool = False, device: str = "cpu") -> Denoiser:
        """The trained denoiser (raw weights by default, as the paper samples).

        Parameters
        ----------
        ema : bool, optional
            Load the EMA weights instead of the raw ones (default False).
        device : str, optional
            Torch device to load onto (default ``"cpu"``).

        Returns
        -------
        Denoiser
            In eval mode on ``device``, rebuilt from ``record["network"]`` and ``model.pt``.
        """
        net = networks.build_network(NetworkConfig(**_tuples(self.record["network"])))
        D = Denoiser(net)
        state = torch.load(self.path / "model.pt", map_location=device, weights_only=False)
        D.load_state_dict(state["ema" if ema else "model"])
        return D.to(device).eval()


def _tuples(d: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def _sha(array) -> str:
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
    return hashlib.sha256(str(a.shape).encode() + a.tobytes()).hexdigest()


def training_code_fingerprint() -> str:
    """:func:`rmtdiff.util.codehash.fingerprint` of :data:`TRAINING_ROOTS` (hex).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    return fingerprint(TRAINING_ROOTS)


def initial_denoiser(net_cfg: NetworkConfig, seed: int, device: str) -> Denoiser:
    """The untrained denoiser of a run: weights drawn under ``torch.manual_seed(seed)`` (torch's
    global generator state is restored afterwards), channels-last for the UNet (1.2x faster on 2
    CPU cores, ``bench/bench_training.py``).

    Parameters
    ----------
    net_cfg : NetworkConfig
        The architecture.
    seed : int
        Seed of the initial weights (``TrainConfig.seed``).
    device : str
        Torch device.

    Returns
    -------
    Denoiser
        Float32 on ``device``, in training mode.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        D = Denoiser(networks.build_network(net_cfg)).to(device)
    return D.to(memory_format=torch.channels_last) if net_cfg.arch == "unet" else D


def as_training_images(images: np.ndarray, net_cfg: NetworkConfig, device: str) -> torch.Tensor:
    """The split's images as the float32 tensor training draws minibatches from.

    Parameters
    ----------
    images : ndarray, shape (n, C, H, W)
        The split's images in ``[-1, 1]``.
    net_cfg : NetworkConfig
        The architecture (channels-last memory format for the UNet).
    device : str
        Torch device.

    Returns
    -------
    torch.Tensor, shape (n, C, H, W), float32
    """
    x = torch.as_tensor(images, dtype=torch.float32, device=device)
    return x.contiguous(memory_format=torch.channels_last) if net_cfg.arch == "unet" else x


def run_key(net_cfg: NetworkConfig, train_cfg: TrainConfig, images: np.ndarray,
            held_out: np.ndarray | None, seeds: Iterable[int], heun_steps: int,
            meta: dict[str, Any]) -> str:
    """The key of a run (hex, 20 characters); see the module docstring for what it covers.

    Parameters
    ----------
    net_cfg : NetworkConfig
        The architecture.
    train_cfg : TrainConfig
        The training settings.
    images : array_like, shape (n, C, H, W)
        The training images (hashed as float32 with their shape).
    held_out : array_like, shape (m, C, H, W), or None
        The held-out images (hashed likewise).
    seeds : iterable of int
        The seed bank.
    heun_steps : int
        Heun steps of the sampler.
    meta : dict
        JSON-able description of the data, hashed with the configurations.

    Returns
    -------
    str
        The first 20 hexadecimal digits of a SHA-256 that also covers
        :func:`training_code_fingerprint`.
    """
    h = hashlib.sha256()
    h.update(json.dumps({"network": asdict(net_cfg), "train": asdict(train_cfg),
                         "seeds": [int(s) for s in seeds], "heun_steps": int(heun_steps),
                         "meta": meta}, sort_keys=True).encode())
    h.update(_sha(images).encode())
    h.update(_sha(held_out).encode() if held_out is not None else b"none")
    h.update(training_code_fingerprint().encode())
    return h.hexdigest()[:20]


def sample_seed_bank(D: Denoiser, seeds: Sequence[int], shape: tuple[int, ...],
                     heun_steps: int = edm.N_STEPS, sigma_max: float = edm.SIGMA_MAX) -> np.ndarray:
    r"""The seed bank through Heun's sampler: ``seed_noise(seeds, shape)`` (float64 draws, the
    same for every model and for the linear model) run in float32; returns float32
    ``(len(seeds), *shape)``, not clipped (every comparison with the linear model's images, which
    are not clipped either, uses these; clip to ``[-1, 1]`` only to display).

    The sampler of the book's eq. ``pf-ode`` (:func:`rmtdiff.core.edm.heun_sample` over
    :func:`rmtdiff.core.edm.karras_sigmas`), from :math:`x_T = \sigma_{\max} z`.

    Parameters
    ----------
    D : Denoiser
        The model (put it in eval mode first; it is evaluated on its own device).
    seeds : sequence of int
        The seeds, one per sample.
    shape : tuple of int
        The shape of one image, ``(C, H, W)``.
    heun_steps : int, optional
        Steps of the sampler (default :data:`rmtdiff.core.edm.N_STEPS`).
    sigma_max : float, optional
        Initial noise level (default :data:`rmtdiff.core.edm.SIGMA_MAX`).

    Returns
    -------
    ndarray, shape ``(len(seeds), *shape)``, float32
    """
    sigmas = edm.karras_sigmas(heun_steps, sigma_max=sigma_max)
    z = torch.as_tensor(edm.seed_noise(seeds, shape), dtype=torch.float32)
    return edm.heun_sample(D, sigmas[0] * z, sigmas).numpy().astype(np.float32)


class _Progress:
    """A bar per run (loss, steps/s, time left) on a terminal; under papermill or in a log, one
    line per run at the end and nothing else."""

    def __init__(self, label: str, total: int, start: int):
        self.label, self.total = label, total
        self.bar = None
        if sys.stderr.isatty():
            from tqdm.std import tqdm

            self.bar = tqdm(total=total, initial=start, desc=label, mininterval=1.0, leave=False)

    def __call__(self, step: int, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

    def close(self, line: str) -> None:
        if self.bar is not None:
            self.bar.close()
        print(line, flush=True)


def train_run(store: str | os.PathLike, net_cfg: NetworkConfig, train_cfg: TrainConfig,
              images: np.ndarray, held_out: np.ndarray | None, seeds: Sequence[int],
              meta: dict[str, Any], heun_steps: int = edm.N_STEPS,
              device: str | None = None) -> Run:
    """Find the run in ``store`` by its key, or train (resuming an unfinished one) and sample it.

    Parameters
    ----------
    store : str or os.PathLike
        The run store; the run's folder is ``store/<key>``.
    net_cfg : NetworkConfig
        The architecture (its ``channels`` and ``image_size`` must match ``images``).
    train_cfg : TrainConfig
        The training settings.
    images : ndarray, shape (n, C, H, W), values in [-1, 1]
        The split's training images.
    held_out : ndarray, shape (m, C, H, W), or None
        Images never trained on, for the held-out loss.
    seeds : sequence of int
        The seed bank.
    meta : dict
        JSON-able description of the data (dataset name, split, n, index hash), recorded and keyed.
    heun_steps : int, optional
        Steps of the sampler (default :data:`rmtdiff.core.edm.N_STEPS`).
    device : str, optional
        Torch device (default :func:`rmtdiff.util.device.default_device`).

    Returns
    -------
    Run
        The finished run (read back from its folder, on every rank).

    Raises
    ------
    ValueError
        If ``images`` does not have the network's shape.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1:] != (net_cfg.channels, net_cfg.image_size,
                                                 net_cfg.image_size):
        raise ValueError(f"images must have shape (n, {net_cfg.channels}, {net_cfg.image_size}, "
                         f"{net_cfg.image_size}) for this network; got {images.shape}")
    key = run_key(net_cfg, train_cfg, images, held_out, seeds, heun_steps, meta)
    folder = Path(store) / key
    if (folder / "run.json").exists():
        return load_run(folder)
    main = distributed.is_main()
    label = f"{net_cfg.arch} {meta.get('split_name', '')}".strip()
    with contextlib.ExitStack() as stack:
        if main:
            folder.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_training_lock(folder, label))
        distributed.barrier()
        if (folder / "run.json").exists():        # another process finished it meanwhile
            return load_run(folder)
        _train(folder, key, net_cfg, train_cfg, images, held_out, seeds, meta, heun_steps,
               device, main, label)
        distributed.barrier()
    return load_run(folder)


@contextlib.contextmanager
def _training_lock(folder: Path, label: str):
    """Hold ``folder/.lock`` (an exclusive ``flock``, released when the process ends, however it
    ends); when another process holds it, say so and wait for it."""
    with open(folder / ".lock", "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"run {label} ({folder.name}) is being trained by another process; waiting "
                  "for it to finish", flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def is_training(folder: str | os.PathLike) -> bool:
    """Whether a process holds the training lock of a run folder now.

    Parameters
    ----------
    folder : str or os.PathLike
        A run folder ``<store>/<key>``.

    Returns
    -------
    bool
        False when the folder or its ``.lock`` does not exist, or the lock is free.
    """
    lock = Path(folder) / ".lock"
    if not lock.exists():
        return False
    with open(lock, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


def _train(folder, key, net_cfg, train_cfg, images, held_out, seeds, meta, heun_steps, device,
           main, label) -> None:
    """Train (or resume) the run in ``folder`` and, on rank 0, write its results."""
    device = device or default_device()
    D = initial_denoiser(net_cfg, train_cfg.seed, device)
    x = as_training_images(images, net_cfg, device)
    x_held = None if held_out is None else torch.as_tensor(held_out, dtype=torch.float32,
                                                          device=device)
    ckpt = folder / "checkpoint.pt"
    start_step = (torch.load(ckpt, map_location="cpu", weights_only=False)["step"]
                  if ckpt.exists() else 0)
    bar = _Progress(label, train_cfg.steps, start_step) if main else None
    probe = list(seeds)[:PROBE_SEEDS]

    def save_probe(step, model):
        was_training = model.training
        x_probe = sample_seed_bank(model.eval(), probe, images.shape[1:], heun_steps)
        model.train(was_training)
        atomic_write(folder / f"probe_{step}.npy", lambda tmp: _save_npy(tmp, x_probe))

    out = training.train(D, x, train_cfg, ckpt, held_out=x_held, progress=bar,
                         on_checkpoint=save_probe)
    if main:
        _finish(folder, key, D, out, net_cfg, train_cfg, meta, seeds, heun_steps, images.shape[1:],
                start_step, device, bar, label)


def _finish(folder, key, D, out, net_cfg, train_cfg, meta, seeds, heun_steps, shape, start_step,
            device, bar, label) -> None:
    """Rank 0's end of a run: sample the seed bank, write the weights and the record."""
    samples = sample_seed_bank(D.eval(), seeds, shape, heun_steps)
    atomic_write(folder / "model.pt", lambda tmp: torch.save({"model": D.state_dict(), "ema": out["ema"]}, tmp))
    atomic_write(folder / "samples.npy", lambda tmp: _save_npy(tmp, samples))
    last = out["history"][-1]
    record = {"key": key, "network": asdict(net_cfg), "train": asdict(train_cfg), "meta": meta,
              "seeds": [int(s) for s in seeds], "heun_steps": heun_steps,
              "parameters": networks.parameter_count(D), "steps_done": last["step"],
              "final": last, "history": out["history"], "seconds": round(out["seconds"], 1),
              "resumed_from": start_step, "device": device,
              "processes": distributed.world()[1],
              "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "versions": {"python": platform.python_version(), "torch": torch.__version__,
                           "numpy": np.__version__}}
    write_json(folder / "history.json", out["history"])
    write_json(folder / "run.json", record)
    bar.close(f"trained {label}: {last['step']} steps in {out['seconds']:.0f} s, train loss "
              f"{last['train_loss']:.4f}, held-out loss {last.get('held_out_loss', float('nan')):.4f}")


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:            # a file object: np.save would append ".npy" to a name
        np.save(f, array)


def load_run(folder: str | os.PathLike) -> Run:
    """A finished run from its folder; a clear error when it is missing or unfinished.

    Parameters
    ----------
    folder : str or os.PathLike
        The run folder ``<store>/<key>``.

    Returns
    -------
    Run

    Raises
    ------
    FileNotFoundError
        If ``folder`` has no ``run.json``.
    """
    folder = Path(folder)
    if not (folder / "run.json").exists():
        raise FileNotFoundError(f"{folder} is not a finished run (no run.json); train it with "
                                "train_run, which resumes from its checkpoint")
    record = json.loads((folder / "run.json").read_text())
    return Run(folder, record, np.load(folder / "samples.npy"))


def probe_samples(run: Run) -> dict[int, np.ndarray]:
    """``{step: samples}`` of the first :data:`PROBE_SEEDS` seeds at every checkpoint.

    Parameters
    ----------
    run : Run
        A run (finished or not: only its folder is read).

    Returns
    -------
    dict of int to ndarray
        Step to float32 samples of shape (min(PROBE_SEEDS, seeds), C, H, W), in increasing step.
    """
    steps = sorted((int(p.stem.split("_")[1]), p) for p in run.path.glob("probe_*.npy"))
    return {step: np.load(p) for step, p in steps}
