"""Batches of sentence pairs for an encoder-decoder, the same in training and in prediction."""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import torch
from torch import Tensor

from seqmodels.data.batching.padding import padded_ids
from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.errors import DataError


class TranslationBatch(NamedTuple):
    source: Tensor          # (B, Tx) source ids, source pad_id past each length
    source_lengths: Tensor  # (B,) long, on the CPU
    target: Tensor          # (B, Ty+2): <bos> y1 .. yTy <eos>, then target pad_id
    target_lengths: Tensor  # (B,) Ty+1: the tokens to predict, <eos> included
    index: Tensor           # (B,) each pair's position in its split


def collate_pairs(source_tokens: Sequence[Sequence[str]], target_tokens: Optional[Sequence[Sequence[str]]],
                  source_vocabulary: Vocabulary, target_vocabulary: Vocabulary,
                  indices: Sequence[int]) -> TranslationBatch:
    """A padded batch of tokenised pairs; without ``target_tokens`` (prediction) each target is ``<bos> <eos>``."""
    if any(len(tokens) == 0 for tokens in source_tokens):
        raise DataError("an empty source sentence cannot be translated")
    source, source_lengths = padded_ids(source_tokens, source_vocabulary)
    targets = [[target_vocabulary.bos_id] + target_vocabulary.encode(tokens) + [target_vocabulary.eos_id]
               for tokens in (target_tokens if target_tokens is not None else [[]] * len(source_tokens))]
    target_lengths = torch.tensor([len(ids) - 1 for ids in targets], dtype=torch.long)
    target = torch.full((len(targets), int(target_lengths.max()) + 1), target_vocabulary.pad_id, dtype=torch.long)
    for row, ids in enumerate(targets):
        target[row, :len(ids)] = torch.tensor(ids)
    index = torch.tensor(list(indices), dtype=torch.long)
    return TranslationBatch(source, source_lengths, target, target_lengths, index)
