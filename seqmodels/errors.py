"""Errors a user can fix: a bad option, a bad data file. ``train.py`` and the command-line
entries print their message alone (no traceback), so every message names the option, the
file or the line and says what to do."""


class SeqmodelsError(Exception):
    """Base of the errors meant for the user rather than for a debugger."""


class ConfigError(SeqmodelsError, ValueError):
    """An option has a value the framework cannot run; the message names the option."""


class DataError(SeqmodelsError, ValueError):
    """A data file is missing, empty or malformed; the message names the file (and line)."""
