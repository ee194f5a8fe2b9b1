"""What the DataModules share: a loader per split (train shuffled, valid and test in order) and, under
DDP, each process's share of a split (every process the same number of training batches, each item read
by one process)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import pytorch_lightning as pl
from pytorch_lightning.accelerators import CUDAAccelerator
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data.length_buckets import LengthBuckets
from seqmodels.errors import ConfigError, DataError

REQUIRED = ("train", "valid")  # test is optional everywhere (some test splits are kept back)


def corpus_files(data_dir: Optional[str], folder_name: str, file_names: Mapping[str, str],
                 what: str) -> Dict[str, Path]:
    """{split: path} of a published corpus in ``<data_dir>/<folder_name>``; a missing train or valid file is
    a DataError that says where to put ``what`` (the files, and how to get them)."""
    folder = Path(data_dir or ".") / folder_name
    paths = {split: folder / name for split, name in file_names.items()}
    for split in REQUIRED:
        if not paths[split].is_file():
            raise DataError(f"{paths[split]}: no such file; put {what} in {folder}, or point paths.data_dir "
                            f"(SEQMODELS_DATA_DIR) at the folder holding {folder_name}/")
    return {split: path for split, path in paths.items() if path.is_file()}


def user_files(files: Optional[Mapping[str, Optional[str]]]) -> Dict[str, Path]:
    """{split: path} of ``data.files``; train and valid must be set."""
    files = dict(files or {})
    for split in REQUIRED:
        if not files.get(split) or files[split] == "???":
            raise ConfigError(f"data.files.{split} is not set: give the path of the {split} file")
    return {split: Path(path) for split, path in files.items() if path}


def check_choice(option: str, value: Any, choices: Sequence[str]) -> None:
    """A ConfigError naming ``data.<option>`` when ``value`` is not one of ``choices``."""
    if value not in choices:
        raise ConfigError(f"data.{option}={value!r}: choose one of {list(choices)}")


def check_positive_ints(**options: Any) -> None:
    """A ConfigError naming the first ``data.<option>`` that is not an integer >= 1."""
    for option, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"data.{option}={value!r}: must be an integer >= 1")


def data_seed() -> int:
    """The seed of the data order: the run's (``seed_everything`` puts it in ``PL_GLOBAL_SEED``, which DDP's
    processes inherit), else 0; the same in every process, whatever each process's random state."""
    return int(os.environ.get("PL_GLOBAL_SEED", 0))


class SplitData(pl.LightningDataModule):
    """Subclasses set ``batch_size`` / ``eval_batch_size`` and write ``_loader(split, batch_size, shuffle)``."""

    batch_size: int
    eval_batch_size: int

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", self.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("valid", self.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", self.eval_batch_size, shuffle=False)

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

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        raise NotImplementedError
