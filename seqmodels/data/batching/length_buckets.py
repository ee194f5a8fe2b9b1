"""Batches of sequences of similar length: fewer padded steps for the RNN to run.

The indices are shuffled (training), cut into groups of ``BUCKET_BATCHES`` batches, sorted by length
within each group, cut into batches, and the batches shuffled again: random enough for SGD, and the
longest sequence of a batch is close to its shortest.

Data-parallel (DDP) runs: every process builds the same batches of the whole split (the
permutations come from a generator seeded with ``seed + epoch``, so they change every epoch and agree
across processes), halves the largest batches until their number is a multiple of the number of
processes, and keeps every ``num_ranks``-th batch from its ``rank``. Each index is then read once per
epoch across the processes, and every process runs the same number of batches (DDP's gradient
all-reduce waits for all of them). Evaluation (``even=False``) deals out the single-process batches
as they are (the processes may differ by one batch), so that together they compute exactly what one
process computes; only a split of fewer batches than processes has batches halved.
"""

from __future__ import annotations

from typing import Iterator, List, Sequence, Union

import torch
from torch import Tensor
from torch.utils.data import Sampler

from seqmodels.errors import DataError

BUCKET_BATCHES = 50


class LengthBuckets(Sampler[List[int]]):
    """This process's batches of indices into ``lengths``, of similar length, in random order when ``shuffle``.

    Args:
        lengths: the length of every item of the split.
        batch_size: the most items of a batch.
        shuffle: a new random order every epoch (see :meth:`set_epoch`); otherwise the order is fixed.
        rank, num_ranks: this process and the number of processes sharing the split.
        seed: of the order, the same in every process (the run's seed).
        what: the data, as named by the error when there are too few items for the processes.
        even: the same number of batches in every process (training); otherwise at least one each.
    """

    def __init__(self, lengths: Union[Sequence[int], Tensor], batch_size: int, shuffle: bool, rank: int = 0,
                 num_ranks: int = 1, seed: int = 0, what: str = "the data", even: bool = True) -> None:
        if not 0 <= rank < num_ranks:
            raise ValueError(f"LengthBuckets: rank {rank} is not one of {num_ranks} ranks")
        self.lengths = torch.as_tensor(lengths, dtype=torch.long)
        self.batch_size, self.shuffle, self.rank, self.num_ranks = batch_size, shuffle, rank, num_ranks
        self.seed, self.epoch, self._skip = seed, 0, 0
        items = len(self.lengths)
        batches = -(-items // batch_size)
        # all processes' batches: a multiple of num_ranks, or (uneven) at least one per process
        self.num_batches = -(-batches // num_ranks) * num_ranks if even else max(batches, num_ranks * (items > 0))
        if self.num_batches > items:
            raise DataError(f"{what} has {items} items for {num_ranks} processes: too few to give every process "
                            f"{'the same number of batches' if even else 'a batch'} of at most {batch_size}; use "
                            "fewer processes or a larger batch size")

    @property
    def sampler(self) -> LengthBuckets:
        """Itself: Lightning calls ``set_epoch`` on ``dataloader.batch_sampler.sampler``."""
        return self

    def set_epoch(self, epoch: int) -> None:
        """Draw the order of this epoch (Lightning calls it before every epoch)."""
        self.epoch = epoch

    def skip_next(self, batches: int) -> None:
        """Start the next pass at this process's ``batches``-th batch (a run resumed mid-epoch)."""
        self._skip = batches

    def __iter__(self) -> Iterator[List[int]]:
        """This epoch's batches, drawn at the first ``next`` (a generator): Lightning may create the iterator
        before it calls :meth:`set_epoch` when a run resumes, and the order must be the resumed epoch's."""
        skip, self._skip = self._skip, 0
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        items = len(self.lengths)
        order = torch.randperm(items, generator=generator) if self.shuffle else torch.arange(items)
        # the positions in ``order`` by length, then (stably) by group: sorted by length within each group
        by_length = torch.sort(self.lengths[order], stable=True).indices
        by_group = torch.sort(by_length // (self.batch_size * BUCKET_BATCHES), stable=True).indices
        batches = list(order[by_length[by_group]].split(self.batch_size)) if items else []
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        batches = self._split_largest(batches)
        for batch in batches[self.rank::self.num_ranks][skip:]:
            yield batch.tolist()

    def _split_largest(self, batches: List[Tensor]) -> List[Tensor]:
        """Halve the largest batch until there are ``num_batches`` (checked possible in ``__init__``)."""
        while len(batches) < self.num_batches:
            largest = max(range(len(batches)), key=lambda i: len(batches[i]))
            half = -(-len(batches[largest]) // 2)
            batches[largest:largest + 1] = [batches[largest][:half], batches[largest][half:]]
        return batches

    def __len__(self) -> int:
        return len(range(self.rank, self.num_batches, self.num_ranks))
