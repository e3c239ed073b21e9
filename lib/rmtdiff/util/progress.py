"""Progress bars for long loops: plain-text tqdm on stderr (no widget dependency)."""

from __future__ import annotations

from tqdm.std import tqdm


def progress(iterable, desc: str, enable: bool = True, total: int | None = None):
    """Wrap ``iterable`` in a text progress bar labelled ``desc`` (a no-op when ``enable`` is False)."""
    return tqdm(iterable, desc=desc, total=total, disable=not enable, mininterval=1.0, leave=False)
