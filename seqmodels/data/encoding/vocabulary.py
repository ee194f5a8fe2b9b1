"""Vocabulary: the list of tokens a model knows, each with its integer id.

Ids 0..3 are the special tokens ``<pad>`` (padding, ignored by the loss), ``<unk>`` (any
token the vocabulary lacks), ``<bos>`` (start of a sentence) and ``<eos>`` (end of one);
then the corpus tokens, most frequent first (ties broken by first appearance, so a
vocabulary is a pure function of its corpus). Saved as plain JSON, loaded back exactly.

Every datamodule builds its vocabularies with :meth:`Vocabulary.build` from its ``data.min_freq`` and
``data.max_size``, so the checks on those options live here, once: a value that is not a count is a
``ConfigError`` naming the option (:func:`check_vocabulary_options`, which the datamodules also call
before reading any file), a cut-off that keeps no token of the training data is a ``ConfigError``, and
one that sends most training tokens to ``<unk>`` is a warning naming the share.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from pytorch_lightning.utilities import rank_zero_warn

from seqmodels.errors import ConfigError, DataError

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
LEVELS = ("word", "char", "subword")  # subword: sentencepiece pieces (seqmodels.data.encoding.subwords)
UNK_WARNING_SHARE = 0.5  # warn when the cut-offs send more than this share of the training tokens to <unk>


def check_vocabulary_options(min_freq: Any, max_size: Any) -> None:
    """``ConfigError`` naming ``data.min_freq`` unless it is an integer >= 1, or ``data.max_size`` unless it is
    null or an integer above the number of special tokens (the size counts them: 5 keeps one corpus token)."""
    if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
        raise ConfigError(f"data.min_freq={min_freq!r}: must be an integer >= 1 (the fewest times a token must occur "
                          "in the training data to get an id of its own)")
    if max_size is None:
        return
    if isinstance(max_size, bool) or not isinstance(max_size, int):
        raise ConfigError(f"data.max_size={max_size!r}: must be an integer (the most tokens, the {len(SPECIALS)} "
                          "special ones included) or null for no limit")
    if max_size <= len(SPECIALS):
        raise ConfigError(f"data.max_size={max_size}: must exceed the {len(SPECIALS)} special tokens "
                          f"{list(SPECIALS)}, which the size counts ({len(SPECIALS) + 1} keeps one token of the "
                          "corpus); or null for no limit")


class Vocabulary:
    """Maps tokens to ids and back; unknown tokens map to ``<unk>``."""

    def __init__(self, tokens: Sequence[str], level: str = "word") -> None:
        tokens = list(tokens)
        if level not in LEVELS:
            raise DataError(f"a vocabulary's level must be one of {list(LEVELS)}, got {level!r}")
        if not all(isinstance(token, str) for token in tokens):
            other = next(token for token in tokens if not isinstance(token, str))
            raise DataError(f"a vocabulary's tokens must be strings, got {other!r}")
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise DataError(f"a vocabulary must start with the special tokens {list(SPECIALS)}, got {tokens[:4]}")
        if len(set(tokens)) != len(tokens):
            duplicates = sorted({t for t in tokens if tokens.count(t) > 1})[:5]
            raise DataError(f"a vocabulary lists tokens twice: {duplicates}")
        self.tokens: List[str] = tokens
        self.level = level
        self._ids: Dict[str, int] = {token: index for index, token in enumerate(tokens)}
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = range(len(SPECIALS))

    @classmethod
    def build(
        cls,
        sentences: Iterable[Sequence[str]],
        min_freq: int = 1,
        max_size: Optional[int] = None,
        level: str = "word",
        what: str = "the training data",
    ) -> "Vocabulary":
        """The tokens seen at least ``min_freq`` times, the ``max_size`` most frequent at most
        (specials included in the size).

        ``min_freq`` and ``max_size`` are the options ``data.min_freq`` and ``data.max_size``, and the errors
        name them: a bad value (:func:`check_vocabulary_options`), or a ``min_freq`` that no token of
        ``sentences`` reaches (``ConfigError``: a vocabulary of the special tokens alone would make every
        token ``<unk>`` and every perplexity look excellent). ``sentences`` without any token are a
        ``DataError`` naming ``what``; when the cut-offs send more than half of the tokens to ``<unk>`` a
        warning says which share.
        """
        check_vocabulary_options(min_freq, max_size)
        counts: Counter = Counter()
        for sentence in sentences:
            counts.update(sentence)
        for special in SPECIALS:  # a corpus that already writes <unk> or <eos> (PTB, WikiText) uses ours
            counts.pop(special, None)
        if not counts:
            raise DataError(f"{what} holds no token (other than the special tokens {list(SPECIALS)}) to build a "
                            "vocabulary from")
        ranked = counts.most_common()
        kept = [token for token, count in ranked if count >= min_freq]
        if not kept:
            token, count = ranked[0]
            raise ConfigError(f"data.min_freq={min_freq}: no token of {what} occurs that often (the most frequent, "
                              f"{token!r}, occurs {count:,} times), so the vocabulary would hold only the special "
                              f"tokens; lower data.min_freq to at most {count}")
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        _warn_when_mostly_unknown(counts, kept, min_freq, max_size, what)
        return cls(list(SPECIALS) + kept, level=level)

    def extended(self, tokens: Iterable[str]) -> "Vocabulary":
        """This vocabulary with ``tokens`` it lacks appended, in their order (the ids it has do not change): the
        words of a pretrained-vector file, so that a word never seen in training still finds its vector."""
        known, added = set(self.tokens), []
        for token in tokens:
            if token not in known:
                known.add(token)
                added.append(token)
        return Vocabulary(self.tokens + added, level=self.level)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def id(self, token: str) -> int:
        """The id of ``token``, ``<unk>``'s if unknown."""
        return self._ids.get(token, self.unk_id)

    def encode(self, tokens: Iterable[str]) -> List[int]:
        return [self._ids.get(token, self.unk_id) for token in tokens]

    def decode(self, ids: Iterable[int]) -> List[str]:
        return [self.tokens[int(i)] for i in ids]

    def to_dict(self) -> Dict[str, Union[str, List[str]]]:
        """Plain data (JSON, and safe inside a weights-only checkpoint)."""
        return {"level": self.level, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, data: Dict) -> "Vocabulary":
        return cls(data["tokens"], level=data.get("level", "word"))

    @classmethod
    def load(cls, path: Union[str, Path]) -> "Vocabulary":
        """The vocabulary of a JSON file of :meth:`to_dict` (``vocab.json`` in a run folder); ``DataError`` naming
        ``path`` for a missing, unreadable or other file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise TypeError(f"a JSON {type(data).__name__}, not an object with 'tokens'")
            return cls.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            raise DataError(f"{path}: not a seqmodels vocabulary file ({error})") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.tokens == other.tokens and self.level == other.level

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} {self.level} tokens)"


def encode_splits(tokens: Mapping[str, Sequence[Sequence[str]]], vocabulary: Optional[Vocabulary], min_freq: int,
                  max_size: Optional[int], level: str = "word") -> Tuple[Vocabulary, Dict[str, List[List[int]]]]:
    """``vocabulary`` (or, when None, the one :meth:`Vocabulary.build` makes of the training split's tokens) and
    the ids of every split's sentences."""
    if vocabulary is None:
        vocabulary = Vocabulary.build(tokens["train"], min_freq, max_size, level=level)
    return vocabulary, {split: [vocabulary.encode(sentence) for sentence in sentences]
                        for split, sentences in tokens.items()}


def _warn_when_mostly_unknown(counts: Counter, kept: list[str], min_freq: int, max_size: int | None,
                              what: str) -> None:
    """A warning naming the options when they send more than ``UNK_WARNING_SHARE`` of the tokens to ``<unk>``."""
    total = sum(counts.values())
    unknown = total - sum(counts[token] for token in kept)
    if unknown <= UNK_WARNING_SHARE * total:
        return
    options = f"data.min_freq={min_freq}" + (f", data.max_size={max_size}" if max_size is not None else "")
    rank_zero_warn(f"{options}: {unknown / total:.0%} of the tokens of {what} become <unk> ({unknown:,} of {total:,}; "
                   f"{len(kept):,} of {len(counts):,} distinct tokens kept); lower data.min_freq or raise "
                   "data.max_size")
