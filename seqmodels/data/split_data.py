"""What the DataModules share: a loader per split (train shuffled, valid and test in order) and, under
DDP, each process's share of a split."""

from __future__ import annotations

from typing import Any, Sequence, Tuple

import pytorch_lightning as pl
from torch.utils.data import DataLoader

from seqmodels.errors import ConfigError


def check_choice(option: str, value: Any, choices: Sequence[str]) -> None:
    """A ConfigError naming ``data.<option>`` when ``value`` is not one of ``choices``."""
    if value not in choices:
        raise ConfigError(f"data.{option}={value!r}: choose one of {list(choices)}")


def check_positive_ints(**options: Any) -> None:
    """A ConfigError naming the first ``data.<option>`` that is not an integer >= 1."""
    for option, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"data.{option}={value!r}: must be an integer >= 1")


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
        """(this process's rank, the number of processes): each reads every num_shards-th item."""
        return (self.trainer.global_rank, self.trainer.world_size) if self.trainer else (0, 1)

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        raise NotImplementedError
