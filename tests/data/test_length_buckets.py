"""Length-bucketed batches: every index once, similar lengths together, shuffled only when asked."""

from __future__ import annotations

import torch

from seqmodels.data.length_buckets import LengthBuckets


def test_every_index_once_and_batches_of_similar_length() -> None:
    torch.manual_seed(0)
    lengths = torch.randint(1, 60, (1000,)).tolist()
    batches = list(LengthBuckets(lengths, batch_size=10, shuffle=True))
    assert sorted(i for batch in batches for i in batch) == list(range(1000))
    assert len(batches) == len(LengthBuckets(lengths, 10, True)) == 100
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 5  # random batches of 10 would spread ~45


def test_without_shuffle_the_order_is_fixed() -> None:
    lengths = [5, 1, 3, 2, 4]
    assert list(LengthBuckets(lengths, 2, shuffle=False)) == [[1, 3], [2, 4], [0]]
