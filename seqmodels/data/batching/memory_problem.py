"""Batches of a long-range memory problem: every sequence of a problem has the same length, so no padding."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
from torch import Tensor


class MemoryBatch(NamedTuple):
    inputs: Tensor   # adding: (B, T, 2) float [value, marker]; copy: (B, T + 2 n_copy) ids
    targets: Tensor  # adding: (B,) float sums; copy: (B, T + 2 n_copy) ids (0 = blank)


def collate_sequences(split: MemoryBatch, indices: Sequence[int]) -> MemoryBatch:
    """The rows ``indices`` of a whole split (itself held as one :class:`MemoryBatch`)."""
    index = torch.tensor(list(indices), dtype=torch.long)
    return MemoryBatch(split.inputs[index], split.targets[index])
