"""``python -m calc`` and the console script ``calc``: the command line lives in ``calc.cli``."""

import sys

from calc.cli import build_parser, main
from calc.cli.estimate import HARDWARE_FLAGS_DROPPED

__all__ = ["HARDWARE_FLAGS_DROPPED", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
