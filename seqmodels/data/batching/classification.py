"""Batches of tokenised texts for a classifier, the same in training and in prediction."""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import torch
from torch import Tensor

from seqmodels.data.batching.padding import padded_ids
from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.errors import DataError


class TextBatch(NamedTuple):
    words: Tensor     # (B, T) word ids, pad_id past each length
    lengths: Tensor   # (B,)
    labels: Tensor    # (B,) label ids (-100 when unknown, e.g. at prediction)


def collate_texts(token_lists: Sequence[Sequence[str]], vocabulary: Vocabulary,
                  labels: Optional[Sequence[int]] = None) -> TextBatch:
    """A padded batch of tokenised texts (each at least one token)."""
    if any(len(tokens) == 0 for tokens in token_lists):
        raise DataError("a text without words cannot be classified")
    words, lengths = padded_ids(token_lists, vocabulary)
    gold = torch.tensor(labels if labels is not None else [-100] * len(token_lists), dtype=torch.long)
    return TextBatch(words, lengths, gold)
