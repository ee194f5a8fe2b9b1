"""A callback for the DDP tests: each process writes what its training and validation batches held, per epoch,
to ``<run folder>/seen/<stage>_rank<r>_epoch<e>.json`` (a seq2seq batch by its pair indices, an LM batch by its
input rows), so a test can check that every sample was read exactly once across the processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytorch_lightning as pl


def batch_items(batch: Any) -> List[Any]:
    if "index" in getattr(batch, "_fields", ()):      # TranslationBatch
        return batch.index.tolist()
    inputs = batch[0]                                 # an LM batch: (inputs, targets, lengths)
    return inputs.tolist()


class SeenSamples(pl.Callback):
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.seen: Dict[str, List[Any]] = {"train": [], "val": []}

    def _write(self, trainer: pl.Trainer, stage: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{stage}_rank{trainer.global_rank}_epoch{trainer.current_epoch}.json"
        path.write_text(json.dumps({"world_size": trainer.world_size, "batches": self.seen[stage]}))
        self.seen[stage] = []

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        self.seen["train"].append(batch_items(batch))

    def on_validation_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                                  batch_idx: int, dataloader_idx: int = 0) -> None:
        if not trainer.sanity_checking:
            self.seen["val"].append(batch_items(batch))

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer, "train")

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self._write(trainer, "val")
