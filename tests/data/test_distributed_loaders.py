"""Data-parallel loaders, with ranks simulated by fake trainers: every rank the same number of training
batches, each sample once across the ranks per epoch, a new order every epoch, evaluation covered once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Hashable, List, Tuple

import pytest
import torch
from lightning_fabric.utilities.data import _set_sampler_epoch
from pytorch_lightning.accelerators import CUDAAccelerator
from pytorch_lightning.trainer.connectors.data_connector import _resolve_overfit_batches
from pytorch_lightning.trainer.states import RunningStage
from pytorch_lightning.utilities import CombinedLoader

from seqmodels.data.batching.language_modeling import ContiguousBatches
from seqmodels.data.corpora.builtin import pydoc_topics_lines
from seqmodels.data.modules.base import TaskData
from seqmodels.data.modules.classification import ClassificationData
from seqmodels.data.modules.language_modeling import LanguageModelData
from seqmodels.data.modules.tagging import TaggingData
from seqmodels.data.modules.translation import TranslationData
from seqmodels.data.modules.word2vec import Word2VecData
from seqmodels.errors import ConfigError

Keys = Callable[[Any], List[Hashable]]  # a batch -> one key per sample


def _rows(tensor: torch.Tensor, lengths: torch.Tensor) -> List[Tuple[int, ...]]:
    return [tuple(row[:length].tolist()) for row, length in zip(tensor, lengths.tolist())]


def _pydoc_files(tmp_path: Path) -> dict:
    lines = pydoc_topics_lines()
    files = {}
    for split, count in (("train", 300), ("valid", 60)):
        files[split] = str(tmp_path / f"{split}.txt")
        Path(files[split]).write_text("\n".join(lines[split][:count]) + "\n")
    return files


def _classification(tmp_path: Path) -> Tuple[TaskData, Keys]:
    data = ClassificationData(num_examples={"train": 84, "valid": 25}, batch_size=8, eval_batch_size=6)
    return data, lambda batch: list(zip(_rows(batch.words, batch.lengths), batch.labels.tolist()))


def _tagging(tmp_path: Path) -> Tuple[TaskData, Keys]:
    data = TaggingData(num_sentences={"train": 84, "valid": 25}, batch_size=8, eval_batch_size=6)
    return data, lambda batch: list(zip(_rows(batch.words, batch.lengths), _rows(batch.tags, batch.lengths)))


def _translation(tmp_path: Path) -> Tuple[TaskData, Keys]:
    data = TranslationData(corpus="dates", source_level="char", target_level="char",
                           num_examples={"train": 84, "valid": 25, "test": 0}, batch_size=8, eval_batch_size=6)
    return data, lambda batch: batch.index.tolist()


def _word2vec(tmp_path: Path) -> Tuple[TaskData, Keys]:
    data = Word2VecData(corpus="files", files=_pydoc_files(tmp_path), min_freq=2, window=2, batch_size=256,
                        eval_batch_size=300, run_length=16)
    return data, lambda batch: [tuple(run) for run in batch.tokens.tolist()]  # a run of words with its window


def _lm_sentences(tmp_path: Path) -> Tuple[TaskData, Keys]:
    data = LanguageModelData(corpus="files", files=_pydoc_files(tmp_path), batching="sentences", batch_size=8,
                             eval_batch_size=6)
    return data, lambda batch: _rows(batch[0], batch[2])


def _trainer(rank: int, world_size: int, epoch: int = 0, overfit_batches: int = 0) -> SimpleNamespace:
    return SimpleNamespace(global_rank=rank, world_size=world_size, accelerator=None, current_epoch=epoch,
                           overfit_batches=overfit_batches)


def _epoch(data: TaskData, keys: Keys, split: str, world_size: int, epoch: int = 0) -> List[List[Hashable]]:
    """Every rank's samples, batch by batch, in one epoch of ``split``."""
    ranks = []
    for rank in range(world_size):
        data.trainer = _trainer(rank, world_size, epoch)
        loader = data.train_dataloader() if split == "train" else data.val_dataloader()
        _set_sampler_epoch(loader, epoch)  # what Lightning does before every epoch
        ranks.append([keys(batch) for batch in loader])
    data.trainer = None
    return ranks


def _samples(ranks: List[List[List[Hashable]]]) -> Counter:
    return Counter(key for batches in ranks for batch in batches for key in batch)


@pytest.mark.parametrize("make", [_classification, _tagging, _translation, _word2vec, _lm_sentences])
def test_ranks_share_each_epoch_evenly_and_evaluate_every_sample_once(make, tmp_path: Path) -> None:
    data, keys = make(tmp_path)
    data.setup("fit")
    for epoch in (0, 1):
        single, ranks = _epoch(data, keys, "train", 1, epoch), _epoch(data, keys, "train", 2, epoch)
        assert len(ranks[0]) == len(ranks[1]) > 1
        assert _samples(ranks) == _samples(single)
    assert _epoch(data, keys, "train", 2, 0)[0] != _epoch(data, keys, "train", 2, 1)[0]
    assert _samples(_epoch(data, keys, "valid", 2)) == _samples(_epoch(data, keys, "valid", 1))


def _bptt(tmp_path: Path) -> Tuple[TaskData, Keys]:
    data = LanguageModelData(corpus="files", files=_pydoc_files(tmp_path), batch_size=4, eval_batch_size=3, bptt=20)
    return data, lambda batch: _rows(batch[0], torch.full((len(batch[0]),), batch[0].size(1)))


@pytest.mark.parametrize("make", [_classification, _tagging, _translation, _word2vec, _lm_sentences, _bptt])
def test_overfit_batches_keeps_the_loader_and_trains_on_the_same_batches_every_epoch(make, tmp_path: Path) -> None:
    data, keys = make(tmp_path)
    data.setup("fit")
    data.trainer = _trainer(0, 1, overfit_batches=3)
    combined = CombinedLoader(data.train_dataloader(), "max_size_cycle")
    loader = combined.flattened[0]
    _resolve_overfit_batches(combined, RunningStage.TRAINING)  # what Lightning's fit loop does when overfitting
    assert combined.flattened == [loader]  # kept: still resumable, no sampler swapped in
    epochs = []
    for epoch in (0, 1):
        _set_sampler_epoch(loader, epoch)
        epochs.append([keys(batch) for batch in loader][:3])
    assert epochs[0] == epochs[1] and len(epochs[0]) == 3


def test_translation_batches_keep_the_positions_in_the_whole_split(tmp_path: Path) -> None:
    data, keys = _translation(tmp_path)
    data.setup("fit")
    assert sorted(_samples(_epoch(data, keys, "valid", 2))) == list(range(25))


def test_evaluation_rows_together_are_the_single_process_rows() -> None:
    stream = torch.arange(103)
    single = ContiguousBatches(stream, batch_size=5, bptt=7)
    shards = [ContiguousBatches(stream, 5, 7, shard, 2, split_rows=True) for shard in range(2)]
    assert len(shards[0]) == len(shards[1]) == len(single)
    for i in range(len(single)):
        for part in (0, 1):  # inputs, targets
            merged = torch.empty_like(single[i][part])
            merged[0::2], merged[1::2] = shards[0][i][part], shards[1][i][part]
            assert torch.equal(merged, single[i][part])


def test_bptt_training_rows_are_disjoint_and_evaluation_rows_are_the_single_process_ones(tmp_path: Path) -> None:
    data = LanguageModelData(corpus="files", files=_pydoc_files(tmp_path), batch_size=4, eval_batch_size=3, bptt=20)
    data.setup("fit")

    def whole(batch: Any) -> Any:
        return batch

    def rows(batches: List[Any]) -> List[Tuple[int, ...]]:
        """Each row of the batches, read across them (a row carries its state from batch to batch)."""
        return [tuple(row.tolist()) for row in torch.cat([inputs for inputs, _, _ in batches], dim=1)]

    train = _epoch(data, whole, "train", 2)
    assert len(train[0]) == len(train[1])
    assert not set(rows(train[0])) & set(rows(train[1]))
    valid, single = _epoch(data, whole, "valid", 2), _epoch(data, whole, "valid", 1)
    assert len(valid[0]) == len(valid[1]) == len(single[0])
    assert sorted(rows(valid[0]) + rows(valid[1])) == sorted(rows(single[0]))
    data.trainer = _trainer(0, 4)
    with pytest.raises(ConfigError, match="data.eval_batch_size=3"):
        data.val_dataloader()


def test_loaders_pin_memory_on_cuda_only() -> None:
    data = ClassificationData(num_examples={"train": 20, "valid": 5}, batch_size=4)
    data.setup("fit")
    assert not data.pin_memory() and not data.train_dataloader().pin_memory
    data.trainer = SimpleNamespace(global_rank=0, world_size=1, accelerator=CUDAAccelerator())
    assert data.pin_memory() and data.val_dataloader().pin_memory
