"""The command-line tools that use a trained checkpoint: one module per command, each with ``main(argv)``, and
:mod:`seqmodels.cli.common` for what they share (option checks, loading a task, reading sentences, one-line errors).

    seqmodels tag --ckpt logs/ner/runs/<date>/checkpoints/last.ckpt "Harry Potter met Hermione Granger."
    seqmodels --help                   # the commands, one line each; seqmodels <command> --help: its options

``seqmodels <command> ARGS`` is ``seqmodels-<command> ARGS`` (the console scripts of pyproject.toml), is
``python -m seqmodels <command> ARGS`` and ``python -m seqmodels.cli.<command> ARGS``: all run
``seqmodels.cli.<command>.main(ARGS)``. A command's module is imported only when it runs (each loads torch and
Lightning), so ``seqmodels <command>`` costs what ``seqmodels-<command>`` costs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import List, Optional, Sequence

COMMANDS = ("sample", "score", "tag", "classify", "translate", "neighbours", "debias", "export")


def command_module(name: str) -> ModuleType:
    """The module of the command ``name`` (one of ``COMMANDS``): ``seqmodels.cli.<name>``."""
    return importlib.import_module(f"{__name__}.{name}")


def build_parser() -> argparse.ArgumentParser:
    """``seqmodels COMMAND ...``: the commands listed with the first line of their module's docstring."""
    parser = argparse.ArgumentParser(prog="seqmodels", description="Use what train.py trained: a checkpoint, or word "
                                     "vectors.", epilog="seqmodels COMMAND --help shows the options of COMMAND.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        summary = (command_module(name).__doc__ or "").strip().split("\n")[0]
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> None:
    """``seqmodels COMMAND ARGS``: ``seqmodels.cli.COMMAND.main(ARGS)``. ``--help`` lists the commands; no command
    or an unknown one is argparse's one-line error naming the choices (exit code 2)."""
    arguments: List[str] = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in COMMANDS:  # the usual case, without importing the other commands
        command_module(arguments[0]).main(arguments[1:])
        return
    chosen, rest = build_parser().parse_known_args(arguments)
    command_module(chosen.command).main(rest)
