"""``python -m rmtdiff predict ...`` (:mod:`rmtdiff.experiments.predict_cli`) and
``python -m rmtdiff sweep launch|status ...`` (:mod:`rmtdiff.experiments.sweep.cli`)."""

from __future__ import annotations

import sys


def main(argv=None) -> int:
    """Dispatch to the command named by the first argument."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "sweep":
        from .experiments.sweep.cli import main as sweep_main

        return sweep_main(argv[1:])
    from .experiments.predict_cli import main as predict_main

    return predict_main(argv)


if __name__ == "__main__":
    sys.exit(main())
