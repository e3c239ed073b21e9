"""Chapter configurations and the three scales every chapter runs at.

* ``ci``: what CI runs (seconds to a few minutes per chapter, 2 CPU cores);
* ``book``: the default of ``make book`` (at most about 15 minutes per chapter on 2 CPU cores);
* ``paper``: the paper's recipe (meant for a GPU).

Each chapter has one frozen dataclass; :func:`preset` returns it for a scale, with optional
overrides, and :func:`to_json` records the resolved configuration beside a run's results.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

SCALES = ("ci", "book", "paper")


@dataclass(frozen=True)
class SameSeedConfig:
    """Chapter "Same seed, different data" (``book/01_same_seed.md``)."""

    dataset: str = "fashion-mnist"            # a name in rmtdiff.data.DATASETS
    n_values: tuple[int, ...] = (30, 100, 300, 1000, 3000, 10000, 30000)  # samples per split
    n_seeds: int = 256                        # shared seeds 0..n_seeds-1
    grid_seeds: int = 6                       # seeds shown in the image grid
    grid_n: tuple[int, ...] = (100, 30000)    # split sizes shown in the image grid
    sigma_T: float = 80.0                     # initial noise level
    heun_steps: tuple[int, ...] = (9, 18, 35, 70, 140)  # step counts of the sampler check
    split_method: str = "contiguous"          # "contiguous" (paper) or "random"
    split_seed: int = 0                       # generator seed for split_method="random"


PRESETS: dict[str, dict[str, object]] = {
    "same_seed": {
        "ci": SameSeedConfig(n_values=(30, 300, 1000, 3000), n_seeds=16, grid_seeds=4,
                             grid_n=(30, 3000), heun_steps=(9, 18, 35)),
        "book": SameSeedConfig(),
        "paper": SameSeedConfig(n_seeds=1000, heun_steps=(9, 18, 35, 70, 140, 280)),
    },
}


def preset(chapter: str, scale: str, **overrides):
    """The configuration of ``chapter`` at ``scale``, with fields replaced by ``overrides``.

    >>> preset("same_seed", "ci", n_seeds=2).n_seeds
    2
    """
    if chapter not in PRESETS:
        raise ValueError(f"chapter must be one of {sorted(PRESETS)}; got {chapter!r}")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}; got {scale!r}")
    cfg = PRESETS[chapter][scale]
    fields = {f.name for f in dataclasses.fields(cfg)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for chapter {chapter!r}; "
                         f"known: {sorted(fields)}")
    return dataclasses.replace(cfg, **overrides)


def to_json(cfg, indent: int | None = None) -> str:
    """The resolved configuration as JSON (tuples become lists), on one line by default."""
    return json.dumps({"type": type(cfg).__name__, **dataclasses.asdict(cfg)}, indent=indent)


def default_device() -> str:
    """``"cuda"`` when a GPU is visible to torch, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
