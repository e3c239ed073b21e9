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
import textwrap
from dataclasses import dataclass
from typing import Any

from ..core.edm import SIGMA_MAX
from ..data.splits import SPLIT_KINDS

SCALES = ("ci", "book", "paper")


@dataclass(frozen=True)
class SameSeedConfig:
    """Chapter "Same seed, different data" (``book/01_same_seed.md``).

    Attributes
    ----------
    dataset : str
        A name or path for rmtdiff.load_dataset. Default ``"fashion-mnist"``.
    n_values : tuple[int, ...]
        Samples per split. Default ``(30, 100, 300, 1000, 3000, 10000, 30000)``.
    n_seeds : int
        Shared seeds 0..n_seeds-1. Default ``256``.
    grid_seeds : int
        Seeds shown in the image grid. Default ``6``.
    grid_n : tuple[int, ...]
        Split sizes shown in the image grid. Default ``(100, 30000)``.
    sigma_T : float
        Initial noise level. Default ``80.0``.
    heun_steps : tuple[int, ...]
        Step counts of the sampler check. Default ``(9, 18, 35, 70, 140)``.
    split_method : str
        "contiguous" (paper) or "random". Default ``"contiguous"``.
    split_seed : int
        Generator seed for split_method="random". Default ``0``.
    """

    dataset: str = "fashion-mnist"            # a name or path for rmtdiff.load_dataset
    n_values: tuple[int, ...] = (30, 100, 300, 1000, 3000, 10000, 30000)  # samples per split
    n_seeds: int = 256                        # shared seeds 0..n_seeds-1
    grid_seeds: int = 6                       # seeds shown in the image grid
    grid_n: tuple[int, ...] = (100, 30000)    # split sizes shown in the image grid
    sigma_T: float = SIGMA_MAX                    # initial noise level
    heun_steps: tuple[int, ...] = (9, 18, 35, 70, 140)  # step counts of the sampler check
    split_method: str = "contiguous"          # "contiguous" (paper) or "random"
    split_seed: int = 0                       # generator seed for split_method="random"


@dataclass(frozen=True)
class KappaConfig:
    """Chapter "Noise renormalisation" (``book/02_kappa.md``).

    Attributes
    ----------
    dataset : str
        Images of the fm_* fields (load_dataset). Default ``"fashion-mnist"``.
    d : int
        Dimension of the synthetic spectra. Default ``400``.
    alpha : float
        Power law lambda_k = k^-alpha (k = 1..d). Default ``1.0``.
    gammas : tuple[float, ...]
        d/n shown for kappa(s). Default ``(0.1, 0.5, 1.0, 2.0, 10.0)``.
    gain_gamma : float
        d/n of the per-mode gain check. Default ``2.0``.
    gain_s : tuple[float, ...]
        Ridges s = sigma^2 of the gain check. Default ``(1e-3, 1e-2, 1e-1)``.
    mc_splits : int
        Gaussian splits per Monte-Carlo estimate. Default ``1000``.
    esd_gammas : tuple[float, ...]
        d/n of the eigenvalue histograms. Default ``(0.25, 2.0)``.
    esd_splits : int
        Matrices pooled per histogram. Default ``100``.
    fm_n : tuple[int, ...]
        Fashion-MNIST split sizes. Default ``(300, 3000, 30000)``.
    fm_sigmas : tuple[float, ...]
        Noise levels of the image figure. Default ``(0.1, 0.3, 1.0)``.
    fm_splits : int
        Fashion-MNIST splits per Monte-Carlo estimate. Default ``200``.
    fm_images : int
        Test images shown. Default ``1``.
    seed : int
        Seed of every generator in the chapter. Default ``0``.
    """

    dataset: str = "fashion-mnist"                 # images of the fm_* fields (load_dataset)
    d: int = 400                                   # dimension of the synthetic spectra
    alpha: float = 1.0                             # power law lambda_k = k^-alpha (k = 1..d)
    gammas: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 10.0)   # d/n shown for kappa(s)
    gain_gamma: float = 2.0                        # d/n of the per-mode gain check
    gain_s: tuple[float, ...] = (1e-3, 1e-2, 1e-1)  # ridges s = sigma^2 of the gain check
    mc_splits: int = 1000                          # Gaussian splits per Monte-Carlo estimate
    esd_gammas: tuple[float, ...] = (0.25, 2.0)    # d/n of the eigenvalue histograms
    esd_splits: int = 100                          # matrices pooled per histogram
    fm_n: tuple[int, ...] = (300, 3000, 30000)     # Fashion-MNIST split sizes
    fm_sigmas: tuple[float, ...] = (0.1, 0.3, 1.0)  # noise levels of the image figure
    fm_splits: int = 200                           # Fashion-MNIST splits per Monte-Carlo estimate
    fm_images: int = 1                             # test images shown
    seed: int = 0                                  # seed of every generator in the chapter


@dataclass(frozen=True)
class FluctuationConfig:
    """Chapter "Fluctuations across splits" (``book/03_fluctuations.md``).

    Attributes
    ----------
    dataset : str
        Images of the fm_* fields (load_dataset). Default ``"fashion-mnist"``.
    d : int
        Dimension of the synthetic spectrum. Default ``300``.
    alpha : float
        Power law lambda_k = k^-alpha. Default ``1.0``.
    n : int
        Samples per split (anisotropy, inputs). Default ``150``.
    sigmas : tuple[float, ...]
        Noise levels sigma. Default ``(0.03, 0.1, 0.3)``.
    n_inputs : int
        Random inputs for the inhomogeneity check. Default ``64``.
    mc_splits : int
        Gaussian splits per Monte-Carlo estimate. Default ``1000``.
    scaling_n : tuple[int, ...]
        n of the scaling law. Default ``(30, 60, 150, 300, 1000, 3000, 10000)``.
    scaling_splits : int
        Splits per n in the scaling figure. Default ``300``.
    fm_n : int
        Fashion-MNIST split size. Default ``3000``.
    fm_sigmas : tuple[float, ...]
        Low and high noise for the image maps. Default ``(0.1, 1.0)``.
    fm_splits : int
        Fashion-MNIST splits for per-pixel variances. Default ``200``.
    seed : int
        Seed of every generator in the chapter. Default ``0``.
    """

    dataset: str = "fashion-mnist"                 # images of the fm_* fields (load_dataset)
    d: int = 300                                   # dimension of the synthetic spectrum
    alpha: float = 1.0                             # power law lambda_k = k^-alpha
    n: int = 150                                   # samples per split (anisotropy, inputs)
    sigmas: tuple[float, ...] = (0.03, 0.1, 0.3)    # noise levels sigma
    n_inputs: int = 64                             # random inputs for the inhomogeneity check
    mc_splits: int = 1000                          # Gaussian splits per Monte-Carlo estimate
    scaling_n: tuple[int, ...] = (30, 60, 150, 300, 1000, 3000, 10000)  # n of the scaling law
    scaling_splits: int = 300                      # splits per n in the scaling figure
    fm_n: int = 3000                               # Fashion-MNIST split size
    fm_sigmas: tuple[float, ...] = (0.1, 1.0)      # low and high noise for the image maps
    fm_splits: int = 200                           # Fashion-MNIST splits for per-pixel variances
    seed: int = 0                                  # seed of every generator in the chapter


@dataclass(frozen=True)
class TrajectoryConfig:
    """Chapter "Whole sampling trajectories" (``book/04_trajectories.md``).

    Attributes
    ----------
    dataset : str
        Images of the fm_* fields (load_dataset). Default ``"fashion-mnist"``.
    d : int
        Dimension of the synthetic spectrum. Default ``300``.
    alpha : float
        Power law lambda_k = k^-alpha. Default ``1.0``.
    n : int
        Samples per split. Default ``150``.
    sigma_T : float
        Initial noise level. Default ``80.0``.
    n_seeds : int
        Random seeds in the Monte-Carlo checks. Default ``32``.
    mc_splits : int
        Gaussian splits per Monte-Carlo estimate. Default ``1000``.
    band_edges : tuple[int, ...]
        Eigen-bands: modes [e_j, e_{j+1}). Default ``(0, 10, 50, 300)``.
    band_n : tuple[int, ...]
        n of the Monte-Carlo band points. Default ``(30, 100, 300, 1000, 3000)``.
    band_splits : int
        Splits per n for the band points. Default ``200``.
    threshold : float
        Relative band disagreement to reach. Default ``0.01``.
    fm_n : int
        Fashion-MNIST split size. Default ``1000``.
    fm_seeds : int
        Fashion-MNIST seeds. Default ``200``.
    fm_splits : int
        Fashion-MNIST splits. Default ``100``.
    seed : int
        Seed of every generator in the chapter. Default ``0``.
    """

    dataset: str = "fashion-mnist"                 # images of the fm_* fields (load_dataset)
    d: int = 300                                   # dimension of the synthetic spectrum
    alpha: float = 1.0                             # power law lambda_k = k^-alpha
    n: int = 150                                   # samples per split
    sigma_T: float = SIGMA_MAX                         # initial noise level
    n_seeds: int = 32                              # random seeds in the Monte-Carlo checks
    mc_splits: int = 1000                          # Gaussian splits per Monte-Carlo estimate
    band_edges: tuple[int, ...] = (0, 10, 50, 300)  # eigen-bands: modes [e_j, e_{j+1})
    band_n: tuple[int, ...] = (30, 100, 300, 1000, 3000)  # n of the Monte-Carlo band points
    band_splits: int = 200                         # splits per n for the band points
    threshold: float = 0.01                        # relative band disagreement to reach
    fm_n: int = 1000                               # Fashion-MNIST split size
    fm_seeds: int = 200                            # Fashion-MNIST seeds
    fm_splits: int = 100                           # Fashion-MNIST splits
    seed: int = 0                                  # seed of every generator in the chapter


@dataclass(frozen=True)
class NetworkChapterConfig:
    """Chapters on trained networks (``book/05_networks.md``, ``book/06_networks_theory.md``,
    ``book/07_mismatched_splits.md``).

    Attributes
    ----------
    dataset : str
        Name or path (rmtdiff.load_dataset); its test part, or else its last images, are held out.
        Default ``"fashion-mnist"``.
    image_size : int
        Images area-averaged from 28x28 to this size. Default ``16``.
    n_values : tuple[int, ...]
        Images per split (two disjoint splits each). Default ``(300, 3000)``.
    archs : tuple[str, ...]
        Architectures (rmtdiff.nets.networks). Default ``("unet", "dit")``.
    net_size : str
        Network preset: "tiny", "book" or "paper". Default ``"book"``.
    train_seeds : tuple[tuple[int, ...], tuple[int, ...]]
        Training seeds of split 1 and of split 2 (crossed: F, U and P). Default
        ``((1, 2), (1, 2))``.
    skip : tuple[tuple[str, int], ...]
        (architecture, n) left out of the grid (the budget). Default ``()``.
    steps : int
        Adam steps per network. Default ``1600``.
    batch_size : int
        Images per step. Default ``64``.
    lr : float
        Peak Adam learning rate. Default ``2e-3``.
    warmup : int
        Steps of linear warm-up. Default ``80``.
    schedule : str
        After the warm-up: "cosine" (to 0) or "constant". Default ``"cosine"``.
    ema_decay : float
        EMA of the weights (reported, not sampled). Default ``0.999``.
    checkpoint_every : int
        Steps between checkpoints, probes and loss records. Default ``400``.
    eval_images : int
        Training and held-out images per loss record. Default ``256``.
    n_seeds : int
        The seed bank 0..n_seeds-1. Default ``1000``.
    heun_steps : int
        Heun steps of the sampler (the paper's). Default ``35``.
    held_out : int
        Test images for held-out losses and distances. Default ``1000``.
    grid_seeds : int
        Seeds shown in the image grids. Default ``5``.
    band_edges : tuple[int, ...]
        Eigenbands: modes [e_j, e_{j+1}). Default ``(0, 8, 32, 256)``.
    run_dir : str
        Run store (relative to the repo, or absolute). Default ``"_build/runs"``.
    train_missing : bool
        False: a run missing from run_dir is an error. Default ``True``.
    split_kinds : tuple[str, ...]
        "iid" and/or PC1-stratified kinds (ch. 7). Default ``("iid",)``.
    seed : int
        Seed of a stratified split draw. Default ``0``.
    """

    dataset: str = "fashion-mnist"                # name or path (rmtdiff.load_dataset); its test
    #                                               part, or else its last images, are held out
    image_size: int = 16                          # images area-averaged from 28x28 to this size
    n_values: tuple[int, ...] = (300, 3000)       # images per split (two disjoint splits each)
    archs: tuple[str, ...] = ("unet", "dit")      # architectures (rmtdiff.nets.networks)
    net_size: str = "book"                        # network preset: "tiny", "book" or "paper"
    # training seeds of split 1 and of split 2 (crossed: F, U and P)
    train_seeds: tuple[tuple[int, ...], tuple[int, ...]] = ((1, 2), (1, 2))
    skip: tuple[tuple[str, int], ...] = ()         # (architecture, n) left out (the budget)
    steps: int = 1600                             # Adam steps per network
    batch_size: int = 64                          # images per step
    lr: float = 2e-3                              # peak Adam learning rate
    warmup: int = 80                              # steps of linear warm-up
    schedule: str = "cosine"                      # after the warm-up: "cosine" (to 0), "constant"
    ema_decay: float = 0.999                      # EMA of the weights (reported, not sampled)
    checkpoint_every: int = 400                   # steps between checkpoints, probes, losses
    eval_images: int = 256                        # training and held-out images per loss record
    n_seeds: int = 1000                           # the seed bank 0..n_seeds-1
    heun_steps: int = 35                          # Heun steps of the sampler (the paper's)
    held_out: int = 1000                          # test images for held-out losses and distances
    grid_seeds: int = 5                           # seeds shown in the image grids
    band_edges: tuple[int, ...] = (0, 8, 32, 256)  # eigenbands: modes [e_j, e_{j+1})
    run_dir: str = "_build/runs"                 # run store (relative to the repo, or absolute)
    train_missing: bool = True                    # False: a run missing from run_dir is an error
    split_kinds: tuple[str, ...] = ("iid",)       # "iid" and/or PC1-stratified kinds (ch. 7)
    seed: int = 0                                 # seed of a stratified split draw


@dataclass(frozen=True)
class NonGaussianConfig:
    """Chapter "When images are not Gaussian" (``book/08_non_gaussian.md``).

    Attributes
    ----------
    dataset : str
        Images beside the patches (load_dataset). Default ``"fashion-mnist"``.
    image_size : int
        Fashion-MNIST side (area-averaged from 28). Default ``16``.
    patch_size : int
        Side of the photo patches. Default ``8``.
    patch_stride : int
        Pixels between patch corners. Default ``4``.
    gain_n : int
        Split size of the expected-gain check. Default ``300``.
    gain_s : tuple[float, ...]
        Ridges s = sigma^2 of the gain check. Default ``(1e-3, 1e-2, 1e-1)``.
    gain_splits : int
        Splits of the gain check. Default ``300``.
    den_n : tuple[int, ...]
        Split sizes of the denoiser check. Default ``(300, 3000)``.
    den_sigmas : tuple[float, ...]
        Noise levels of the denoiser check. Default ``(0.1, 1.0)``.
    den_splits : int
        Splits of the denoiser check. Default ``1000``.
    map_n : int
        Split size of the sampler check. Default ``1000``.
    map_seeds : int
        Seeds of the sampler check. Default ``32``.
    map_splits : int
        Splits of the sampler check. Default ``400``.
    predict_n : tuple[int, ...]
        Split sizes of the prediction table. Default ``(300, 1000, 3000, 10000)``.
    predict_seeds : int
        Seeds of the prediction table. Default ``32``.
    sigma_T : float
        Initial noise level of the sampler. Default ``80.0``.
    seed : int
        Seed of every generator in the chapter. Default ``0``.
    """

    dataset: str = "fashion-mnist"                 # images beside the patches (load_dataset)
    image_size: int = 16                           # Fashion-MNIST side (area-averaged from 28)
    patch_size: int = 8                            # side of the photo patches
    patch_stride: int = 4                          # pixels between patch corners
    gain_n: int = 300                              # split size of the expected-gain check
    gain_s: tuple[float, ...] = (1e-3, 1e-2, 1e-1)  # ridges s = sigma^2 of the gain check
    gain_splits: int = 300                         # splits of the gain check
    den_n: tuple[int, ...] = (300, 3000)           # split sizes of the denoiser check
    den_sigmas: tuple[float, ...] = (0.1, 1.0)     # noise levels of the denoiser check
    den_splits: int = 1000                         # splits of the denoiser check
    map_n: int = 1000                              # split size of the sampler check
    map_seeds: int = 32                            # seeds of the sampler check
    map_splits: int = 400                          # splits of the sampler check
    predict_n: tuple[int, ...] = (300, 1000, 3000, 10000)  # split sizes of the prediction table
    predict_seeds: int = 32                        # seeds of the prediction table
    sigma_T: float = SIGMA_MAX                         # initial noise level of the sampler
    seed: int = 0                                  # seed of every generator in the chapter


#: split kinds of the mismatch chapter (rmtdiff.data.splits)
MISMATCH_KINDS = SPLIT_KINDS

PRESETS: dict[str, dict[str, object]] = {
    "networks": {
        "ci": NetworkChapterConfig(image_size=8, n_values=(30, 300), net_size="tiny", steps=160,
                                   warmup=10, checkpoint_every=40, eval_images=128, n_seeds=64,
                                   held_out=200, grid_seeds=3, band_edges=(0, 4, 16, 64),
                                   run_dir="_build/runs-ci"),
        "book": NetworkChapterConfig(),
        # the paper's recipe at 32 px (constant rate 1e-4, batch 256); Fashion-MNIST's 60k
        # training images allow n up to 30k, and 28 px images enlarged to 32 px bicubically have
        # a covariance of rank at most 784 of the 1024 pixels
        "paper": NetworkChapterConfig(image_size=32, n_values=(300, 1000, 3000, 10000, 30000),
                                      net_size="paper", steps=50_000, batch_size=256, lr=1e-4,
                                      warmup=0, schedule="constant", checkpoint_every=12_500,
                                      eval_images=1000, n_seeds=1000, held_out=10_000,
                                      band_edges=(0, 16, 64, 256, 1024), run_dir="_build/runs"),
    },
    # the moment-mismatched splits: one network per split, each with its own training seed (the
    # comparison U); the i.i.d. control is the networks chapters' own pair at the same n (split
    # 1 with seed 1, split 2 with seed 2: found by its key, not retrained), whose crossed runs
    # also give the optimisation floor F
    "mismatch": {
        "ci": NetworkChapterConfig(image_size=8, n_values=(300,), archs=("unet",),
                                   net_size="tiny", train_seeds=((1,), (2,)), steps=160,
                                   warmup=10, checkpoint_every=40, eval_images=128, n_seeds=64,
                                   held_out=200, grid_seeds=3, band_edges=(0, 4, 16, 64),
                                   run_dir="_build/runs-ci", split_kinds=MISMATCH_KINDS),
        "book": NetworkChapterConfig(n_values=(3000,), archs=("unet",), grid_seeds=4,
                                     train_seeds=((1,), (2,)), split_kinds=MISMATCH_KINDS),
        "paper": NetworkChapterConfig(image_size=32, n_values=(10000,), net_size="paper",
                                      train_seeds=((1,), (2,)), steps=50_000, batch_size=256,
                                      lr=1e-4, warmup=0, schedule="constant",
                                      checkpoint_every=12_500, eval_images=1000, n_seeds=1000,
                                      held_out=10_000, band_edges=(0, 16, 64, 256, 1024),
                                      split_kinds=MISMATCH_KINDS),
    },
    "non_gaussian": {
        "ci": NonGaussianConfig(image_size=8, patch_size=6, patch_stride=8, gain_splits=40,
                                den_n=(300,), den_splits=100, map_n=300, map_seeds=6,
                                map_splits=60, predict_n=(300, 3000), predict_seeds=6),
        "book": NonGaussianConfig(),
        "paper": NonGaussianConfig(image_size=28, patch_size=12, gain_splits=2000,
                                   den_splits=4000, map_seeds=128, map_splits=2000,
                                   predict_seeds=256),
    },
    "trajectories": {
        "ci": TrajectoryConfig(d=100, n=50, n_seeds=8, mc_splits=150, band_edges=(0, 5, 20, 100),
                               band_n=(30, 300, 3000), band_splits=40, fm_seeds=40, fm_splits=16),
        "book": TrajectoryConfig(),
        "paper": TrajectoryConfig(d=1000, n=500, n_seeds=128, mc_splits=4000, band_edges=(0, 10, 100, 1000),
                                  band_splits=1000, fm_n=3000, fm_seeds=1000, fm_splits=1000),
    },
    "fluctuations": {
        "ci": FluctuationConfig(d=100, n=50, n_inputs=16, mc_splits=200, scaling_n=(30, 100, 300, 1000),
                                scaling_splits=60, fm_n=1000, fm_splits=20),
        "book": FluctuationConfig(),
        "paper": FluctuationConfig(d=1000, n=500, mc_splits=4000, scaling_splits=1000, fm_splits=1000),
    },
    "kappa": {
        "ci": KappaConfig(d=120, mc_splits=200, esd_splits=20, fm_n=(300, 3000), fm_splits=6),
        "book": KappaConfig(),
        "paper": KappaConfig(d=1000, mc_splits=4000, esd_splits=400, fm_splits=1000, fm_images=3),
    },
    "same_seed": {
        "ci": SameSeedConfig(n_values=(30, 300, 1000, 3000), n_seeds=16, grid_seeds=4,
                             grid_n=(30, 3000), heun_steps=(9, 18, 35)),
        "book": SameSeedConfig(),
        "paper": SameSeedConfig(n_seeds=1000, heun_steps=(9, 18, 35, 70, 140, 280)),
    },
}


def preset(chapter: str, scale: str, **overrides: Any
           ) -> (SameSeedConfig | KappaConfig | FluctuationConfig | TrajectoryConfig
                 | NetworkChapterConfig | NonGaussianConfig):
    """The configuration of ``chapter`` at ``scale``, with fields replaced by ``overrides``.

    Parameters
    ----------
    chapter : str
        A key of :data:`PRESETS`: ``"same_seed"``, ``"kappa"``, ``"fluctuations"``,
        ``"trajectories"``, ``"networks"``, ``"mismatch"`` or ``"non_gaussian"``.
    scale : str
        One of :data:`SCALES`.
    **overrides
        Field values replacing the preset's (each must be a field of the chapter's dataclass).

    Returns
    -------
    dataclass instance
        The chapter's :class:`SameSeedConfig`, :class:`KappaConfig`, :class:`FluctuationConfig`,
        :class:`TrajectoryConfig`, :class:`NetworkChapterConfig` or :class:`NonGaussianConfig`: a
        new frozen instance (the preset itself is not modified).

    Raises
    ------
    ValueError
        An unknown chapter, scale or field name (the message lists the known ones).

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


def to_json(cfg: Any, indent: int | None = None) -> str:
    """The resolved configuration as JSON (tuples become lists), on one line by default.

    Parameters
    ----------
    cfg : dataclass instance
        A chapter configuration (any dataclass whose fields are JSON-serialisable).
    indent : int, optional
        Passed to :func:`json.dumps` (default ``None``: one line).

    Returns
    -------
    str
        ``{"type": <class name>, <field>: <value>, ...}``.

    >>> to_json(preset("same_seed", "ci"))[:34]
    '{"type": "SameSeedConfig", "datase'
    """
    return json.dumps({"type": type(cfg).__name__, **dataclasses.asdict(cfg)}, indent=indent)


def describe(cfg: Any, width: int = 88) -> str:
    """The resolved configuration as ``Name(field=value, ...)`` wrapped at ``width`` characters,
    for printing in a chapter (the book's code boxes hold about 90 characters).

    Parameters
    ----------
    cfg : dataclass instance
        A chapter configuration (anything with a ``repr``).
    width : int, optional
        Maximum line width (default 88); continuation lines are indented by four spaces.

    Returns
    -------
    str
        Lines separated by ``"\\n"``.

    >>> print(describe(preset("same_seed", "ci"), width=60).splitlines()[0])
    SameSeedConfig(dataset='fashion-mnist', n_values=(30, 300,
    """
    return textwrap.fill(repr(cfg), width=width, subsequent_indent="    ",
                         break_long_words=False, break_on_hyphens=False)
