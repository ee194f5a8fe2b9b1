"""What the command-line entries share: loading a trained task and reporting user errors
as one line (exit code 2) rather than a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, List, Optional

from seqmodels.errors import SeqmodelsError


def add_checkpoint_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt", required=True, metavar="PATH",
                        help="a checkpoint written by train.py, e.g. logs/lm/runs/<date>/checkpoints/last.ckpt")
    parser.add_argument("--device", default="cpu", help="where to run the model (cpu, cuda, ...)")


def run_command(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser,
                argv: Optional[List[str]] = None) -> None:
    """Parse ``argv`` and call ``main``; a SeqmodelsError ends the program with its message."""
    arguments = parser.parse_args(argv)
    try:
        main(arguments)
    except SeqmodelsError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
