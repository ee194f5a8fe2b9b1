"""Checks of ``data.*`` options shared by the corpora and the DataModules: a bad value is a ``ConfigError``
naming the option."""

from __future__ import annotations

from typing import Any

from seqmodels.errors import ConfigError


def check_positive_ints(**options: Any) -> None:
    """A ConfigError naming the first ``data.<option>`` that is not an integer >= 1."""
    for option, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"data.{option}={value!r}: must be an integer >= 1")
