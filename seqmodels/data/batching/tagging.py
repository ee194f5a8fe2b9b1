"""Turning tokenised sentences into tensors for a tagger, the same way in training and in prediction.

For every token the tagger sees up to three inputs (Lample et al. 2016):

- its word id (optionally of the lowercased word, ``<unk>`` when the vocabulary lacks it);
- its capitalisation class (when words are lowercased, so the case is not lost):
  ``CASES`` = pad, lower ("spell"), title ("Harry"), upper ("NATO"), mixed ("iPhone"), other ("1996");
- the ids of its characters (for a character-level word encoder), ``<unk>`` for unseen characters.

A batch pads sentences to the longest one; ``tags`` holds ``IGNORE`` (-100) at padded positions.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

import torch
from torch import Tensor

from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.errors import DataError

IGNORE = -100
CASES = ("<pad>", "lower", "title", "upper", "mixed", "other")


def case_class(token: str) -> int:
    """The index in ``CASES`` of a token's capitalisation."""
    if not any(character.isalpha() for character in token):
        return CASES.index("other")
    if token.islower():
        return CASES.index("lower")
    if token.isupper():
        return CASES.index("upper")
    if token[0].isupper() and token[1:] == token[1:].lower():
        return CASES.index("title")
    return CASES.index("mixed")


class TaggingBatch(NamedTuple):
    words: Tensor              # (B, T) word ids, pad_id past each length
    cases: Tensor              # (B, T) capitalisation classes, 0 past each length
    chars: Optional[Tensor]    # (B, T, L) character ids, 0 = padding; None without a character vocabulary
    lengths: Tensor            # (B,) tokens per sentence
    tags: Tensor               # (B, T) tag ids, IGNORE past each length (and for sentences without gold tags)


class TaggingEncoder:
    """Vocabularies of words, characters and tags, and the rule that encodes a sentence with them.

    Args:
        words: the word vocabulary (of lowercased words when ``lowercase``).
        tags: the tag names; a tag's id is its index.
        chars: the character vocabulary, or None when the model reads no characters.
        lowercase: look words up lowercased (their case then goes in through ``cases``).
    """

    def __init__(self, words: Vocabulary, tags: Sequence[str], chars: Optional[Vocabulary] = None,
                 lowercase: bool = False) -> None:
        self.words, self.chars, self.lowercase = words, chars, lowercase
        self.tags: List[str] = list(tags)
        self.tag_ids: Dict[str, int] = {tag: index for index, tag in enumerate(self.tags)}

    @classmethod
    def build(cls, sentences: Sequence[Sequence[str]], tags: Sequence[str], lowercase: bool = False,
              characters: bool = True, min_freq: int = 1, max_size: Optional[int] = None) -> "TaggingEncoder":
        """Vocabularies from the training sentences (tokens) and the tag set."""
        words = Vocabulary.build(([t.lower() if lowercase else t for t in s] for s in sentences), min_freq, max_size)
        chars = Vocabulary.build((list(token) for s in sentences for token in s), level="char") if characters else None
        return cls(words, tags, chars, lowercase)

    def to_dict(self) -> Dict[str, Any]:
        """Plain values (they go into the checkpoint and into JSON beside it)."""
        return {"words": self.words.to_dict(), "tags": list(self.tags),
                "chars": self.chars.to_dict() if self.chars else None, "lowercase": self.lowercase}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TaggingEncoder":
        chars = Vocabulary.from_dict(data["chars"]) if data.get("chars") else None
        return cls(Vocabulary.from_dict(data["words"]), data["tags"], chars, bool(data.get("lowercase", False)))

    def tag_ids_of(self, tags: Sequence[str], where: str = "") -> List[int]:
        """Ids of gold tags; a tag the training data never had is an error naming it and ``where``."""
        try:
            return [self.tag_ids[tag] for tag in tags]
        except KeyError as error:
            raise DataError(f"{where + ': ' if where else ''}tag {error.args[0]!r} does not occur in the training "
                            f"data, whose tags are {self.tags}") from None

    def collate(self, sentences: Sequence[Sequence[str]], tags: Optional[Sequence[Sequence[int]]] = None
                ) -> TaggingBatch:
        """A padded batch of sentences (lists of tokens), with tag ids when given."""
        if any(len(sentence) == 0 for sentence in sentences):
            raise DataError("a sentence without tokens cannot be tagged (drop it or tag it as [])")
        lengths = torch.tensor([len(sentence) for sentence in sentences], dtype=torch.long)
        batch, longest = len(sentences), int(lengths.max())
        words = torch.full((batch, longest), self.words.pad_id, dtype=torch.long)
        cases = torch.zeros(batch, longest, dtype=torch.long)
        gold = torch.full((batch, longest), IGNORE, dtype=torch.long)
        for row, sentence in enumerate(sentences):
            size = len(sentence)
            words[row, :size] = torch.tensor(self.words.encode(t.lower() if self.lowercase else t for t in sentence))
            cases[row, :size] = torch.tensor([case_class(token) for token in sentence])
            if tags is not None:
                gold[row, :size] = torch.tensor(tags[row])
        chars = None
        if self.chars is not None:
            widest = max(len(token) for sentence in sentences for token in sentence)
            chars = torch.full((batch, longest, widest), self.chars.pad_id, dtype=torch.long)
            for row, sentence in enumerate(sentences):
                for column, token in enumerate(sentence):
                    chars[row, column, :len(token)] = torch.tensor(self.chars.encode(token))
        return TaggingBatch(words, cases, chars, lengths, gold)
