"""Length-bucketed batches: every index once, similar lengths together, shuffled only when asked."""

from __future__ import annotations

import pytest
import torch

from seqmodels.data.batching.length_buckets import LengthBuckets
from seqmodels.errors import DataError


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


def _shares(lengths, batch_size: int, shuffle: bool, num_ranks: int, epoch: int = 0):
    shares = [LengthBuckets(lengths, batch_size, shuffle, rank, num_ranks, seed=7) for rank in range(num_ranks)]
    for share in shares:
        share.set_epoch(epoch)
    return shares, [list(share) for share in shares]


@pytest.mark.parametrize("items, batch_size, num_ranks", [(1000, 10, 2), (5, 2, 2), (7, 4, 3), (23, 3, 4), (4, 1, 4)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_ranks_share_every_index_once_in_as_many_batches(items: int, batch_size: int, num_ranks: int,
                                                         shuffle: bool) -> None:
    lengths = torch.randint(1, 60, (items,), generator=torch.Generator().manual_seed(items)).tolist()
    shares, batches = _shares(lengths, batch_size, shuffle, num_ranks)
    assert len({len(share) for share in shares}) == 1
    assert [len(b) for b in batches] == [len(share) for share in shares]
    assert sorted(i for rank in batches for batch in rank for i in batch) == list(range(items))
    assert all(1 <= len(batch) <= batch_size for rank in batches for batch in rank)


def test_the_order_changes_with_the_epoch_and_is_the_same_on_every_rank() -> None:
    lengths = list(range(1, 101))
    _, first = _shares(lengths, 4, True, 2, epoch=0)
    _, again = _shares(lengths, 4, True, 2, epoch=0)
    _, second = _shares(lengths, 4, True, 2, epoch=1)
    assert first == again and first != second
    assert sorted(i for rank in second for batch in rank for i in batch) == list(range(100))
    _, fixed = _shares(lengths, 4, False, 2, epoch=1)
    assert fixed == _shares(lengths, 4, False, 2, epoch=0)[1]


def test_one_rank_keeps_the_single_process_batches() -> None:
    lengths = [5, 1, 3, 2, 4]
    assert list(LengthBuckets(lengths, 2, False, rank=0, num_ranks=1, seed=3)) == [[1, 3], [2, 4], [0]]
    # two ranks: the three batches become four (the first largest halved), alternately dealt out
    assert [list(LengthBuckets(lengths, 2, False, rank, 2)) for rank in range(2)] == [[[1], [2, 4]], [[3], [0]]]


def test_lightning_sets_the_epoch_through_the_dataloader() -> None:
    from lightning_fabric.utilities.data import _set_sampler_epoch
    from torch.utils.data import DataLoader

    loader = DataLoader(list(range(50)), batch_sampler=LengthBuckets([1] * 50, 5, True))
    _set_sampler_epoch(loader, 3)
    assert loader.batch_sampler.epoch == 3 and len(loader) == 10


def test_an_empty_split_has_no_batches_and_too_few_items_is_a_data_error() -> None:
    assert [list(LengthBuckets([], 4, True, rank, 2)) for rank in range(2)] == [[], []]
    with pytest.raises(DataError, match="the valid split has 1 items for 2 processes"):
        LengthBuckets([3], 4, False, 0, 2, what="the valid split")


def test_evaluation_deals_out_the_single_process_batches() -> None:
    lengths = torch.randint(1, 60, (23,), generator=torch.Generator().manual_seed(1)).tolist()
    single = list(LengthBuckets(lengths, 5, False))
    shares = [LengthBuckets(lengths, 5, False, rank, 2, even=False) for rank in range(2)]
    assert [list(share) for share in shares] == [single[0::2], single[1::2]]
    assert [len(share) for share in shares] == [3, 2]
    # fewer batches than processes: halved until every process has one
    assert [list(LengthBuckets([4, 2, 3], 8, False, rank, 2, even=False)) for rank in range(2)] == [[[1, 2]], [[0]]]
