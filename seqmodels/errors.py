"""Errors a user can fix: a bad option, a bad data file. ``train.py`` and the command-line
entries print their message alone (no traceback), so every message names the option, the
file or the line and says what to do."""

from typing import Any, Sequence, Type


class SeqmodelsError(Exception):
    """Base of the errors meant for the user rather than for a debugger."""


class ConfigError(SeqmodelsError, ValueError):
    """An option has a value the framework cannot run; the message names the option."""


class DataError(SeqmodelsError, ValueError):
    """A data file is missing, empty or malformed; the message names the file (and line)."""


def check_choice(option: str, value: Any, choices: Sequence[Any], error: Type[ValueError] = ConfigError) -> None:
    """``error("<option>=<value>: choose one of [...]")`` unless ``value`` is one of ``choices``. ``option`` is
    named as the user writes it: ``data.scheme``, ``task.output``, or an argument of a plain PyTorch module
    (which raises ``ValueError``, knowing nothing of configs)."""
    if value not in choices:
        raise error(f"{option}={value!r}: choose one of {list(choices)}")
