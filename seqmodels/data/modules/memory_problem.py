"""LightningDataModule for the long-range memory problems of :mod:`seqmodels.data.corpora.memory_problems`: the
adding problem and copy memory (registered as generated corpora, ``data.problem=adding|copy``), generated per
split with seeds ``seed``, ``seed + 1``, ``seed + 2`` (train, valid, test), at the time lag ``length`` (T) set
in config, so a sweep over T is one command::

    python train.py -m task=adding data.length=50,100,200 model=rnn,lstm

Every sequence of a problem has the same length, so batches hold no padding; under DDP each process gets
its share through :meth:`TaskData.buckets` (every process as many training batches).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Dict, Mapping, Optional

from torch.utils.data import DataLoader

from seqmodels.data.batching.memory_problem import MemoryBatch, collate_sequences
from seqmodels.data.corpora.corpus import REQUIRED, SEQUENCES, CorpusRequest
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.data.modules.base import JSONFiles, TaskData
from seqmodels.data.options import check_positive_ints
from seqmodels.errors import ConfigError


class MemoryProblemData(TaskData):
    """Batches (:class:`~seqmodels.data.batching.memory_problem.MemoryBatch`) of the adding problem or copy memory.

    Args:
        problem: "adding" or "copy".
        length: T, the time lag: the adding problem's sequence length (>= 2), or copy memory's blanks + delimiter
            between the symbols and their recall (>= 1); at most ``max_length``.
        num_examples: sequences per split, {"train": ..., "valid": ..., "test": ...} (test 0 or absent: no test).
        seed: of the generator. batch_size, eval_batch_size: sequences per training / evaluation batch.
        max_length: a guard against a typo'd length (memory grows as num_examples x T).
        copy_symbols, copy_length: copy memory's alphabet size and number of symbols to copy.
    """

    encoding_hparam = "problem"  # the problem fixes the inputs' encoding (see restore_encoding)

    def __init__(
        self,
        problem: str = "adding",
        length: int = 100,
        num_examples: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        batch_size: int = 50,
        eval_batch_size: int = 500,
        max_length: int = 10000,
        copy_symbols: int = 8,
        copy_length: int = 10,
        num_workers: int = 0,
    ) -> None:
        check_positive_ints(max_length=max_length, copy_symbols=copy_symbols, copy_length=copy_length)
        generated = find_corpus(problem, SEQUENCES, option="problem")
        sizes = dict(num_examples or {"train": 10000, "valid": 1000, "test": 1000})
        options = {"length": length, "copy_symbols": copy_symbols, "copy_length": copy_length}
        super().__init__(generated, CorpusRequest(sizes=sizes, seed=seed, options=options), batch_size,
                         eval_batch_size, num_workers)
        if length > max_length:
            raise ConfigError(f"data.length={length} is above data.max_length={max_length}; raise data.max_length "
                              "if you mean it (the data takes num_examples x length memory)")
        for split in REQUIRED:
            if not sizes.get(split):
                raise ConfigError(f"data.num_examples.{split} must be >= 1")
        self.problem, self.length, self.max_length = problem, length, max_length
        self.copy_symbols, self.copy_length = copy_symbols, copy_length
        self.data: Dict[str, MemoryBatch] = {}

    def restore_encoding(self, saved: Any) -> None:
        """These problems have no vocabulary (the ids are fixed by ``copy_symbols``), so there is nothing to
        restore; the checkpoint's ``problem`` is only checked against this data's."""
        if saved != self.problem:
            raise ConfigError(f"ckpt_path: the checkpoint was trained on the {saved!r} problem, "
                              f"but data.problem={self.problem!r}")

    def setup(self, stage: Optional[str] = None) -> None:
        if not self.data:
            self.data = {split: MemoryBatch(*split_data) for split, split_data in self.read_corpus().items()}

    @property
    def has_test(self) -> bool:
        return "test" in self.data

    def encoding_files(self) -> JSONFiles:
        """Nothing to write beside the checkpoints: the inputs are numbers and fixed ids."""
        return {}

    def task_arguments(self) -> Dict[str, Any]:
        """The problem and the network's sizes: adding reads [value, marker] and predicts one number; copy reads
        and predicts one of ``copy_symbols + 2`` ids (blank, the symbols, the delimiter)."""
        classes = self.copy_symbols + 2
        return {"problem": self.problem,
                "input_size": 2 if self.problem == "adding" else classes,
                "num_outputs": 1 if self.problem == "adding" else classes}

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        data = self.data[split]
        return self.bucketed_loader(split, list(range(len(data.inputs))), [data.inputs.size(1)] * len(data.inputs),
                                    batch_size, shuffle, partial(collate_sequences, data))
