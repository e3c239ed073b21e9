"""Do the networks copy their training images? Nearest-neighbour statistics of the samples of
every model trained on the two splits of a pair (chapter 5, ``book/05_networks.md``).

Conventions
-----------
* ``samples[model, n, split]`` holds one model's images of the seed bank, shape ``(S, d)``, for
  split ``split`` (1 or 2) of the pair of ``n`` images ``pairs[n]`` (index arrays into the
  training rows, as :func:`rmtdiff.experiments.network_grid.split_pair` draws them); the linear
  model of each split enters as one more model (``"linear"``).
* Distances are per-pixel MSEs (:mod:`rmtdiff.core.metrics`). A sample is compared with the
  images of its *own* split, of the *other* split (as many images) and with the first ``n``
  held-out images; it *copies* when its nearest training image is less than a third as far as
  the second nearest (:func:`rmtdiff.core.metrics.memorisation_fraction`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..core.metrics import memorisation_fraction, nearest_neighbours
from ..util.checks import as_array

Key = tuple[str, int, int]          # (model, n, split)


@dataclass(frozen=True)
class NearestStatistics:
    """The nearest-neighbour statistics of every ``(model, n, split)``.

    Attributes
    ----------
    n_values : ndarray, shape (k,)
        The split sizes, in the order of the ``pairs`` given.
    models : tuple of str
        The models, in the order of first appearance in ``samples``.
    memorisation : dict (model, n, split) -> float
        Fraction of the samples that copy an image of their own split.
    own_mse, other_mse, held_mse : dict (model, n, split) -> ndarray, shape (S,)
        Each sample's MSE to the nearest image of its own split, of the other split, and of the
        first ``n`` held-out images.
    own_index : dict (model, n, split) -> ndarray, shape (S,), int64
        The training row (index into all training images) nearest to each sample in its split.
    """

    n_values: np.ndarray
    models: tuple[str, ...]
    memorisation: dict
    own_mse: dict
    other_mse: dict
    held_mse: dict
    own_index: dict

    def _both(self, table: dict, model: str, n: int) -> np.ndarray:
        if (model, n, 1) not in table:                    # not trained at this n
            return np.array([np.nan])
        return np.concatenate([table[model, n, 1], table[model, n, 2]])

    def memorisation_by_n(self, model: str) -> np.ndarray:
        """The memorisation fraction at every ``n``, mean of the two splits: shape (k,); NaN
        at an ``n`` the model was not trained at.

        Parameters
        ----------
        model : str
            One of :attr:`models`.
        """
        return np.array([(self.memorisation[model, n, 1] + self.memorisation[model, n, 2]) / 2
                         if (model, n, 1) in self.memorisation else np.nan
                         for n in self.n_values])

    def own_over_other(self, model: str) -> np.ndarray:
        """Mean MSE to the nearest image of the own split over that of the other split, both
        splits' samples pooled, at every ``n``: shape (k,). About 1 for a generalising model.

        Parameters
        ----------
        model : str
            One of :attr:`models`.
        """
        return np.array([self._both(self.own_mse, model, n).mean()
                         / self._both(self.other_mse, model, n).mean() for n in self.n_values])

    def own_over_held(self, model: str) -> np.ndarray:
        """As :meth:`own_over_other`, against the first ``n`` held-out images: shape (k,).

        Parameters
        ----------
        model : str
            One of :attr:`models`.
        """
        return np.array([self._both(self.own_mse, model, n).mean()
                         / self._both(self.held_mse, model, n).mean() for n in self.n_values])

    def nearest_images(self, train: ArrayLike) -> dict:
        """The nearest training image of each sample in its own split:
        ``{(model, n, split): (S, d)}``.

        Parameters
        ----------
        train : array_like, shape (N, d)
            The training images as rows (those the statistics were computed on).
        """
        train = np.asarray(train)
        return {key: train[idx] for key, idx in self.own_index.items()}


def nearest_statistics(samples: Mapping[Key, np.ndarray], train: ArrayLike,
                       held_out: ArrayLike,
                       pairs: Mapping[int, Sequence[np.ndarray]]) -> NearestStatistics:
    """Nearest-neighbour statistics of every model's samples on both splits of every pair.

    Parameters
    ----------
    samples : mapping (model, n, split) -> array, shape (S, d)
        Every model's images of the seed bank, for ``split`` 1 and 2 of the ``n`` of ``pairs``
        it was trained at (the same ``S`` seeds throughout).
    train : array_like, shape (N, d)
        The training images as rows (float32 rows are compared in float64).
    held_out : array_like, shape (m, d)
        Held-out images; a sample of split size ``n`` is compared with the first ``n``.
    pairs : mapping n -> (index array, index array)
        The two disjoint splits of ``n`` training rows.

    Returns
    -------
    NearestStatistics

    Raises
    ------
    ValueError
        ``samples`` missing a split of a pair, or holding a key whose ``n`` is not in ``pairs``;
        rows of ``train``, ``held_out`` or ``samples`` of different lengths ``d``.

    Examples
    --------
    >>> train = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0], [6.0, 6.0]])
    >>> st = nearest_statistics({("m", 2, 1): train[:2] + 0.01, ("m", 2, 2): train[2:]},
    ...                         train, train[:2], {2: (np.arange(2), np.arange(2, 4))})
    >>> st.memorisation_by_n("m").tolist(), st.own_index["m", 2, 2].tolist()
    ([1.0], [2, 3])
    """
    train = as_array(train, "train", ndim=2)
    held_out = as_array(held_out, "held_out", ndim=2)
    if held_out.shape[1] != train.shape[1]:
        raise ValueError(f"held_out rows have {held_out.shape[1]} pixels, train rows "
                         f"{train.shape[1]}")
    unknown = sorted({key for key in samples if key[1] not in pairs}, key=str)
    if unknown:
        raise ValueError(f"samples has keys {unknown} whose n is not in pairs ({sorted(pairs)})")
    models = tuple(dict.fromkeys(key[0] for key in samples))
    missing = [(m, n, s) for n in pairs for m in models for s in (1, 2)
               if (m, n, s) not in samples and (m, n, 3 - s) in samples]
    if missing:
        raise ValueError(f"samples lacks {missing}: a model at an n needs both splits of its pair")
    tables = {name: {} for name in ("memorisation", "own_mse", "other_mse", "held_mse",
                                    "own_index")}
    for n, pair in pairs.items():
        for m in models:
            if (m, n, 1) not in samples:                  # this model was not trained at n
                continue
            for split in (1, 2):
                x = as_array(samples[m, n, split], f"samples[{(m, n, split)!r}]", ndim=2)
                if x.shape[1] != train.shape[1]:
                    raise ValueError(f"samples[{(m, n, split)!r}] rows have {x.shape[1]} pixels, "
                                     f"train rows {train.shape[1]}")
                own, other = train[pair[split - 1]], train[pair[2 - split]]
                key = (m, n, split)
                tables["memorisation"][key] = memorisation_fraction(x, own)
                index, tables["own_mse"][key] = nearest_neighbours(x, own)
                tables["own_index"][key] = np.asarray(pair[split - 1])[index]
                tables["other_mse"][key] = nearest_neighbours(x, other)[1]
                tables["held_mse"][key] = nearest_neighbours(x, held_out[:n])[1]
    return NearestStatistics(np.array(list(pairs)), models, **tables)
