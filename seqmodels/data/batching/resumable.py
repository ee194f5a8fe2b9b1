"""Training loaders that remember where they are, so a run killed mid-epoch resumes at the right batch.

Lightning saves ``state_dict()`` of every training loader that has one with each checkpoint, and hands it
back through ``load_state_dict()`` before the resumed run iterates (``fit_loop``'s ``combined_loader`` state).
A :class:`ResumableLoader` counts the batches it has handed out in the current epoch; resumed in the same
epoch, it tells its batch order to skip that many batches of that epoch's order — by index, before any
batch is built, so skipping costs nothing and draws nothing from the random generators.

The batch order (the ``batch_sampler``, or the ``sampler`` of a loader of ready-made batches) is a
:class:`BatchOrder`: it knows its epoch (Lightning calls ``set_epoch`` before each epoch) and can skip the
first batches of its next pass. :class:`~seqmodels.data.batching.length_buckets.LengthBuckets` is one;
:class:`InOrder` is the plain 0, 1, 2, … order of a dataset of ready-made batches (BPTT).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Protocol, runtime_checkable

import torch
from torch.utils.data import DataLoader, SequentialSampler


@runtime_checkable
class BatchOrder(Protocol):
    """The order of a loader's batches, one epoch at a time, able to start a pass part-way."""

    epoch: int

    def set_epoch(self, epoch: int) -> None:
        """Use the order of ``epoch`` from the next pass on."""

    def skip_next(self, batches: int) -> None:
        """Leave out the first ``batches`` batches of the next pass (once)."""


class InOrder(SequentialSampler):
    """0, 1, …, n − 1 every epoch: the order of a dataset whose items are whole batches (BPTT streams). It is a
    ``SequentialSampler``, so Lightning's ``overfit_batches`` (which replaces any other sampler by one) keeps it."""

    def __init__(self, size: int) -> None:
        super().__init__(range(size))
        self.size, self.epoch, self._skip = size, 0, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def skip_next(self, batches: int) -> None:
        self._skip = batches

    def __iter__(self) -> Iterator[int]:
        start, self._skip = self._skip, 0
        return iter(range(start, self.size))

    def __len__(self) -> int:
        return self.size


class ResumableLoader(DataLoader):
    """A ``DataLoader`` whose position in the epoch travels with the checkpoint (``state_dict`` /
    ``load_state_dict``, which Lightning calls). Its ``batch_sampler`` — or, for ready-made batches
    (``batch_size=None``), its ``sampler`` — must be a :class:`BatchOrder`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # its own generator for the per-pass seed a DataLoader draws (worker seeds), so that iterating a
        # loader never moves the global generator that dropout draws from
        kwargs.setdefault("generator", torch.Generator().manual_seed(torch.initial_seed()))
        super().__init__(*args, **kwargs)
        order = self.batch_sampler if self.batch_sampler is not None else self.sampler
        if not isinstance(order, BatchOrder):
            raise TypeError(f"ResumableLoader needs a BatchOrder (set_epoch, skip_next) as its batch_sampler or "
                            f"sampler, not {type(order).__name__}")
        self.order: BatchOrder = order
        self._done = 0          # batches handed out in the current pass
        self._done_epoch = 0    # the epoch of that pass
        self._resume: Dict[str, int] = {}

    def __iter__(self) -> Iterator[Any]:
        return self._pass()

    def _pass(self) -> Iterator[Any]:
        """One pass, set up at its first ``next``: a resumed run creates its iterator before Lightning sets the
        epoch, and whether to skip depends on that epoch."""
        if self._resume and self._resume["epoch"] == self.order.epoch:
            self._done = self._resume["batches"]
            self.order.skip_next(self._done)
        else:
            self._done = 0
        self._resume, self._done_epoch = {}, self.order.epoch
        for batch in super().__iter__():
            self._done += 1
            yield batch

    def state_dict(self) -> Dict[str, int]:
        """Where the current pass stands: its epoch and the batches handed out so far."""
        return {"epoch": self._done_epoch, "batches": self._done}

    def load_state_dict(self, state_dict: Dict[str, int]) -> None:
        """Resume at ``state_dict``'s batch when the next pass is of the same epoch (a run killed mid-epoch);
        a checkpoint from an epoch's end resumes with the next epoch, from its first batch."""
        self._resume = dict(state_dict)
