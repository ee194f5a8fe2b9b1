"""Batches of word2vec examples: (input, target) pairs and, with negative sampling, K noise words each."""

from __future__ import annotations

from typing import Any, List, NamedTuple, Optional

import torch
from torch import Tensor

from seqmodels.data.batching.skipgram_pairs import NegativeSampler


class Word2VecBatch(NamedTuple):
    inputs: Tensor               # (B,) centre words (skip-gram) or (B, 2 window) context words (CBOW)
    targets: Tensor              # (B,) the word to predict
    negatives: Optional[Tensor]  # (B, K) noise words, or None for the full softmax


def collate_examples(examples: List[Any], sampler: Optional[NegativeSampler], negatives: int,
                     generator: Optional[torch.Generator] = None) -> Word2VecBatch:
    """Stacked (input, target) examples, and ``negatives`` noise words per example drawn from ``sampler``."""
    inputs = torch.stack([example[0] for example in examples])
    targets = torch.stack([example[1] for example in examples])
    noise = sampler.sample((len(examples), negatives), generator) if sampler is not None else None
    return Word2VecBatch(inputs, targets, noise)
