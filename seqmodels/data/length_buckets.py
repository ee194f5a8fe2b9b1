"""Batches of sequences of similar length: fewer padded steps for the RNN to run.

The indices are shuffled (training), cut into groups of ``BUCKET_BATCHES`` batches, sorted by length
within each group, cut into batches, and the batches shuffled again: random enough for SGD, and the
longest sequence of a batch is close to its shortest.
"""

from __future__ import annotations

from typing import Iterator, List, Sequence

import torch
from torch.utils.data import Sampler

BUCKET_BATCHES = 50


class LengthBuckets(Sampler[List[int]]):
    """Batches of indices into ``lengths``, of similar length, in random order when ``shuffle``."""

    def __init__(self, lengths: Sequence[int], batch_size: int, shuffle: bool) -> None:
        self.lengths, self.batch_size, self.shuffle = list(lengths), batch_size, shuffle

    def __iter__(self) -> Iterator[List[int]]:
        order = torch.randperm(len(self.lengths)).tolist() if self.shuffle else list(range(len(self.lengths)))
        group = self.batch_size * BUCKET_BATCHES
        batches = []
        for start in range(0, len(order), group):
            chunk = sorted(order[start:start + group], key=self.lengths.__getitem__)
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches)).tolist()]
        return iter(batches)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)
