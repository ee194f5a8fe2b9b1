"""Tokenisers: a line of text -> a list of tokens (and back, for printing samples).

- ``word``: split on whitespace (the corpora we read, WikiText and PTB, are already
  tokenised, so this is exactly how their published vocabularies are counted);
- ``char``: every character is a token, spaces included.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence

from seqmodels.errors import ConfigError


def word_tokens(line: str) -> List[str]:
    return line.split()


def char_tokens(line: str) -> List[str]:
    return list(line)


TOKENIZERS: Dict[str, Callable[[str], List[str]]] = {"word": word_tokens, "char": char_tokens}
JOINERS: Dict[str, str] = {"word": " ", "char": ""}


def tokenizer(level: str) -> Callable[[str], List[str]]:
    """The tokeniser of ``level`` ("word" or "char")."""
    if level not in TOKENIZERS:
        raise ConfigError(f"data.level={level!r}: choose one of {sorted(TOKENIZERS)}")
    return TOKENIZERS[level]


def detokenize(tokens: Sequence[str], level: str) -> str:
    """Tokens back to text: joined by spaces (word level) or nothing (char level)."""
    return JOINERS[level].join(tokens)
