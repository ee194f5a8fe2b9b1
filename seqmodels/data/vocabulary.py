"""Vocabulary: the list of tokens a model knows, each with its integer id.

Ids 0..3 are the special tokens ``<pad>`` (padding, ignored by the loss), ``<unk>`` (any
token the vocabulary lacks), ``<bos>`` (start of a sentence) and ``<eos>`` (end of one);
then the corpus tokens, most frequent first (ties broken by first appearance, so a
vocabulary is a pure function of its corpus). Saved as plain JSON, loaded back exactly.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

from seqmodels.errors import DataError

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)


class Vocabulary:
    """Maps tokens to ids and back; unknown tokens map to ``<unk>``."""

    def __init__(self, tokens: Sequence[str], level: str = "word") -> None:
        tokens = list(tokens)
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
    ) -> "Vocabulary":
        """The tokens seen at least ``min_freq`` times, the ``max_size`` most frequent at most
        (specials included in the size)."""
        if min_freq < 1:
            raise ValueError(f"Vocabulary.build: min_freq must be >= 1, got {min_freq}")
        if max_size is not None and max_size <= len(SPECIALS):
            raise ValueError(f"Vocabulary.build: max_size must exceed the {len(SPECIALS)} special tokens, got {max_size}")
        counts: Counter = Counter()
        for sentence in sentences:
            counts.update(sentence)
        for special in SPECIALS:  # a corpus that already writes <unk> or <eos> (PTB, WikiText) uses ours
            counts.pop(special, None)
        kept = [token for token, count in counts.most_common() if count >= min_freq]
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        return cls(list(SPECIALS) + kept, level=level)

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

    def save(self, path: Union[str, Path]) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Union[str, Path]) -> "Vocabulary":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DataError(f"{path}: not a seqmodels vocabulary file ({error})") from error

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.tokens == other.tokens and self.level == other.level

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} {self.level} tokens)"
