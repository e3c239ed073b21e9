"""``python -m rmtdiff predict ...`` (:mod:`rmtdiff.experiments.predict_cli`) and
``python -m rmtdiff sweep launch|status ...`` (:mod:`rmtdiff.experiments.sweep.cli`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the command named by the first argument.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``): ``predict ...`` or ``sweep launch|status ...``.

    Returns
    -------
    int
        The command's exit status.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "sweep":
        from .experiments.sweep.cli import main as sweep_main

        return sweep_main(argv[1:])
    from .experiments.predict_cli import main as predict_main

    return predict_main(argv)


if __name__ == "__main__":
    sys.exit(main())
