"""Progress bars for long loops: plain-text tqdm on stderr (no widget dependency)."""

from __future__ import annotations

from collections.abc import Iterable

from tqdm.std import tqdm


def progress(iterable: Iterable, desc: str, enable: bool = True, total: int | None = None) -> tqdm:
    """Wrap ``iterable`` in a text progress bar labelled ``desc`` (a no-op when ``enable`` is False).

    Parameters
    ----------
    iterable : iterable
        What to loop over.
    desc : str
        The bar's label.
    enable : bool, optional
        Show the bar (default True); when False the bar is disabled and only iterates.
    total : int, optional
        The number of items, for iterables without ``len`` (default ``None``: ``len(iterable)``
        when it has one).

    Returns
    -------
    tqdm.std.tqdm
        An iterator over the items of ``iterable``, redrawn on stderr at most once a second and
        removed when done.

    >>> list(progress(range(3), "demo", enable=False))
    [0, 1, 2]
    """
    return tqdm(iterable, desc=desc, total=total, disable=not enable, mininterval=1.0, leave=False)
