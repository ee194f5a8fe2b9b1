"""What the DataModules share: a loader per split (train shuffled, valid and test in order) and, under
DDP, each process's share of a split."""

from __future__ import annotations

from typing import Tuple

import pytorch_lightning as pl
from torch.utils.data import DataLoader


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
