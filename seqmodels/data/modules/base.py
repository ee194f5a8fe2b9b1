"""What every DataModule is to ``train.py`` (:class:`TaskData`), and what they share: their corpus from the
registry, a loader per split (train shuffled, valid and test in order) and, under DDP, each process's share of a
split (every process the same number of training batches, each item read by one process)."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, Mapping, Sequence, Tuple, Union

import pytorch_lightning as pl
from pytorch_lightning.accelerators import CUDAAccelerator
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data.batching.length_buckets import LengthBuckets
from seqmodels.data.batching.resumable import ResumableLoader
from seqmodels.data.corpora.corpus import Corpus, CorpusRequest
from seqmodels.data.options import check_positive_ints

# What encoding_files() returns: {file stem: a JSON value} (objects, lists, strings, numbers, booleans, null).
JSONFiles = Dict[str, Any]


def data_seed() -> int:
    """The seed of the data order: the run's (``seed_everything`` puts it in ``PL_GLOBAL_SEED``, which DDP's
    processes inherit), else 0; the same in every process, whatever each process's random state."""
    return int(os.environ.get("PL_GLOBAL_SEED", 0))


class TaskData(pl.LightningDataModule, ABC):
    """The data of one task: a corpus from the registry, encoded, in batches of the task's batch type.

    ``train.py`` uses exactly this of a DataModule, in this order:

    1. built from ``data.*``; when resuming (``ckpt_path=``), :meth:`restore_encoding` with the checkpoint's
       task hyperparameter :attr:`encoding_hparam`, so that the ids do not change under a trained model;
    2. ``prepare_data()`` (fetches the corpus when ``data.download=true``) and ``setup("fit")``;
    3. the task is built with :meth:`task_arguments` (plain values: they are saved in the checkpoint);
    4. :meth:`encoding_files` are written as JSON in the run folder;
    5. Lightning's ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader`` (from :meth:`split_loader`);
       the test runs only when :attr:`has_test`.

    Args:
        corpus: the corpus (:func:`~seqmodels.data.corpora.registry.find_corpus`); its options are checked here.
        request: the ``data.*`` options the corpus reads.
        batch_size, eval_batch_size: items per training / validation-and-test batch (``data.batch_size``, ...).
        num_workers: loader processes (``data.num_workers``).
    """

    def __init__(self, corpus: Corpus, request: CorpusRequest, batch_size: int, eval_batch_size: int,
                 num_workers: int) -> None:
        super().__init__()
        corpus.check_options(request.options)
        check_positive_ints(batch_size=batch_size, eval_batch_size=eval_batch_size)
        self.corpus, self.request = corpus, request
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers

    @property
    @abstractmethod
    def encoding_hparam(self) -> str:
        """The task hyperparameter that holds what this data was encoded with (a vocabulary, a tagging encoder,
        both sides' vocabularies; the memory problems: the problem): ``train.py`` hands its value from a
        checkpoint to :meth:`restore_encoding` when resuming. A class attribute in every DataModule."""

    @abstractmethod
    def restore_encoding(self, saved: Any) -> None:
        """Encode as the checkpoint's model was trained: ``saved`` is its :attr:`encoding_hparam` (a value
        :meth:`task_arguments` returned); called before ``setup``. A value that does not fit this data's
        options is a ``ConfigError``."""

    @abstractmethod
    def task_arguments(self) -> Dict[str, Any]:
        """The task's constructor arguments that come from the data (its vocabularies, label set, sizes), as
        plain values: the task saves them as hyperparameters in every checkpoint. Called after ``setup``."""

    @abstractmethod
    def encoding_files(self) -> JSONFiles:
        """``{stem: JSON value}``: what ``train.py`` writes as ``<run folder>/<stem>.json`` beside
        ``checkpoints/`` (the vocabularies, tag set or label set; nothing for the memory problems)."""

    @property
    @abstractmethod
    def has_test(self) -> bool:
        """Whether the corpus has a test split (``train.py`` tests the best checkpoint only then)."""

    @abstractmethod
    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        """The loader of ``split`` ("train", "valid" or "test"): this process's share of its batches."""

    def test_only(self, hparams: Mapping[str, Any]) -> None:
        """Evaluate a checkpoint: read the test split alone (a ``DataError`` or ``ConfigError`` naming it when
        there is none), encoded as the checkpoint's task was trained (its hyperparameters ``hparams``, which hold
        :attr:`encoding_hparam`); called before ``setup``."""
        self.request = self.request.test_only()
        self.restore_encoding(hparams[self.encoding_hparam])

    def prepare_data(self) -> None:
        if self.request.download:  # once, on the main process; setup() then reads the files
            self.corpus.fetch(self.request)

    def read_corpus(self) -> Dict[str, Any]:
        """``{split: examples}`` of the corpus (test only when it has one)."""
        return self.corpus.read(self.request)

    def where(self, split: str) -> str:
        """How an error names ``split``: its file(s), or what generated it."""
        return self.corpus.where(split, self.request)

    def train_dataloader(self) -> DataLoader:
        # Lightning's overfit_batches (debug=overfit): the same first batches every epoch, unshuffled, as Lightning
        # makes its own samplers; it keeps our loaders, whose ``sampler`` is a SequentialSampler
        overfitting = self.trainer is not None and self.trainer.overfit_batches > 0
        return self.split_loader("train", self.batch_size, shuffle=not overfitting)

    def val_dataloader(self) -> DataLoader:
        return self.split_loader("valid", self.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self.split_loader("test", self.eval_batch_size, shuffle=False)

    def shard(self) -> Tuple[int, int]:
        """(this process's rank, the number of processes sharing each split)."""
        return (self.trainer.global_rank, self.trainer.world_size) if self.trainer else (0, 1)

    def pin_memory(self) -> bool:
        """Whether the loaders should pin their batches: when the trainer runs on CUDA."""
        return self.trainer is not None and isinstance(self.trainer.accelerator, CUDAAccelerator)

    def buckets(self, split: str, lengths: Union[Sequence[int], Tensor], batch_size: int,
                shuffle: bool) -> LengthBuckets:
        """This process's share of the length-bucketed batches of ``split`` (items ``lengths``), drawn anew
        every epoch when ``shuffle``; training gives every process as many batches, evaluation the batches
        of one process, dealt out."""
        rank, num_ranks = self.shard()
        return LengthBuckets(lengths, batch_size, shuffle, rank, num_ranks, data_seed(), what=f"the {split} split",
                             even=split == "train")

    def bucketed_loader(self, split: str, items: Any, lengths: Union[Sequence[int], Tensor], batch_size: int,
                        shuffle: bool, collate: Callable[[Any], Any]) -> ResumableLoader:
        """A resumable loader of ``items`` (a dataset, or a list of indices for ``collate`` to look up) in this
        process's length-bucketed batches of ``split``."""
        batches = self.buckets(split, lengths, batch_size, shuffle)
        return ResumableLoader(items, batch_sampler=batches, collate_fn=collate, num_workers=self.num_workers,
                               pin_memory=self.pin_memory())
