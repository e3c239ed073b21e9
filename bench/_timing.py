"""Shared timing helper for the benchmarks (run them as `python bench/<name>.py`)."""

import time


def best_of(fn, repeats: int = 5) -> float:
    """Smallest wall time of ``repeats`` calls of ``fn`` (seconds): the least disturbed run."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
