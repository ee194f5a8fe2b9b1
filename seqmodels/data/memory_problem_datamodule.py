"""LightningDataModule for the long-range memory problems of :mod:`seqmodels.data.memory_problems`: the adding
problem and copy memory, generated per split with seeds ``seed``, ``seed + 1``, ``seed + 2`` (train, valid,
test), at the time lag ``length`` (T) set in config, so a sweep over T is one command::

    python train.py -m task=adding data.length=50,100,200 model=rnn,lstm

Every sequence of a problem has the same length, so batches hold no padding; under DDP each process gets
its share through :meth:`SplitData.buckets` (every process as many training batches).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, NamedTuple, Optional

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data import memory_problems
from seqmodels.data.resumable import ResumableLoader
from seqmodels.data.split_data import SplitData, check_choice, check_positive_ints
from seqmodels.errors import ConfigError

PROBLEMS = ("adding", "copy")
SPLITS = ("train", "valid", "test")


class MemoryBatch(NamedTuple):
    inputs: Tensor   # adding: (B, T, 2) float [value, marker]; copy: (B, T + 2 n_copy) ids
    targets: Tensor  # adding: (B,) float sums; copy: (B, T + 2 n_copy) ids (0 = blank)


class MemoryProblemData(SplitData):
    """Batches (:class:`MemoryBatch`) of the adding problem or copy memory.

    Args:
        problem: "adding" or "copy".
        length: T, the time lag: the adding problem's sequence length (>= 2), or copy memory's blanks + delimiter
            between the symbols and their recall (>= 1); at most ``max_length``.
        num_examples: sequences per split, {"train": ..., "valid": ..., "test": ...} (test 0 or absent: no test).
        seed: of the generator. batch_size, eval_batch_size: sequences per training / evaluation batch.
        max_length: a guard against a typo'd length (memory grows as num_examples x T).
        copy_symbols, copy_length: copy memory's alphabet size and number of symbols to copy.
    """

    vocabulary_hparam = "problem"  # train.py reads it back from a checkpoint when resuming (see use_vocabulary)

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
        super().__init__()
        check_choice("problem", problem, PROBLEMS)
        check_positive_ints(batch_size=batch_size, eval_batch_size=eval_batch_size, max_length=max_length,
                            copy_symbols=copy_symbols, copy_length=copy_length)
        minimum = 2 if problem == "adding" else 1
        if isinstance(length, bool) or not isinstance(length, int) or length < minimum:
            what, need = (("the adding problem", "T >= 2 (two marked numbers)") if problem == "adding"
                          else ("copy memory", "T >= 1 (the delimiter is its last step)"))
            raise ConfigError(f"data.length={length!r}: {what} needs {need}")
        if length > max_length:
            raise ConfigError(f"data.length={length} is above data.max_length={max_length}; raise data.max_length "
                              "if you mean it (the data takes num_examples x length memory)")
        self.problem, self.length, self.seed, self.max_length = problem, length, seed, max_length
        self.copy_symbols, self.copy_length = copy_symbols, copy_length
        self.num_examples = dict(num_examples or {"train": 10000, "valid": 1000, "test": 1000})
        for split in ("train", "valid"):
            if not self.num_examples.get(split):
                raise ConfigError(f"data.num_examples.{split} must be >= 1")
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers
        self.data: Dict[str, MemoryBatch] = {}

    def use_vocabulary(self, problem: Any) -> None:
        """Resuming: these problems have no vocabulary (the ids are fixed by ``copy_symbols``), so there is
        nothing to reuse; the checkpoint's ``problem`` is only checked against this data's."""
        if problem != self.problem:
            raise ConfigError(f"ckpt_path: the checkpoint was trained on the {problem!r} problem, "
                              f"but data.problem={self.problem!r}")

    def setup(self, stage: Optional[str] = None) -> None:
        if self.data:
            return
        for number, split in enumerate(SPLITS):
            count = self.num_examples.get(split)
            if not count:
                continue
            if self.problem == "adding":
                inputs, targets = memory_problems.adding(self.length, count, self.seed + number)
            else:
                inputs, targets = memory_problems.copy(self.length, count, self.seed + number,
                                                       self.copy_symbols, self.copy_length)
            self.data[split] = MemoryBatch(inputs, targets)

    @property
    def has_test(self) -> bool:
        return "test" in self.data

    def vocabularies(self) -> Dict[str, Any]:
        """Nothing to write beside the checkpoints: the inputs are numbers and fixed ids."""
        return {}

    def task_arguments(self) -> Dict[str, Any]:
        """The problem and the network's sizes: adding reads [value, marker] and predicts one number; copy reads
        and predicts one of ``copy_symbols + 2`` ids (blank, the symbols, the delimiter)."""
        classes = self.copy_symbols + 2
        return {"problem": self.problem,
                "input_size": 2 if self.problem == "adding" else classes,
                "num_outputs": 1 if self.problem == "adding" else classes}

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        data = self.data[split]

        def collate(batch: List[int]) -> MemoryBatch:
            index = torch.tensor(batch, dtype=torch.long)
            return MemoryBatch(data.inputs[index], data.targets[index])

        sampler = self.buckets(split, [data.inputs.size(1)] * len(data.inputs), batch_size, shuffle)
        return ResumableLoader(list(range(len(data.inputs))), batch_sampler=sampler, collate_fn=collate,
                               num_workers=self.num_workers, pin_memory=self.pin_memory())
