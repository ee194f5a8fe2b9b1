"""Callbacks the kill-and-resume tests add to train.py through Hydra (``+callbacks.<name>._target_=...``):
one records every training batch it sees, one kills its own process with SIGKILL at a given step."""

from __future__ import annotations

import hashlib
import json
import os
import signal
from typing import Any

import pytorch_lightning as pl
import torch


def batch_digest(batch: Any) -> str:
    """sha1 over every tensor of a batch (tuples, named tuples, lists and dicts of tensors)."""
    digest = hashlib.sha1()

    def visit(item: Any) -> None:
        if isinstance(item, torch.Tensor):
            digest.update(item.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
        elif isinstance(item, dict):
            for key in sorted(item):
                visit(item[key])
        elif isinstance(item, (list, tuple)):
            for part in item:
                visit(part)

    visit(batch)
    return digest.hexdigest()


class BatchLog(pl.Callback):
    """Appends ``{"rank", "step", "epoch", "batch", "digest"}`` for every training batch to a JSON-lines file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"rank": trainer.global_rank, "step": trainer.global_step,
                                  "epoch": trainer.current_epoch, "batch": batch_idx,
                                  "digest": batch_digest(batch)}) + "\n")


class KillAtStep(pl.Callback):
    """``kill -9`` of its own process — or, with ``group``, of its whole process group (every DDP process) —
    when the training step ``step`` is about to start."""

    def __init__(self, step: int, group: bool = False) -> None:
        self.step, self.group = step, group

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        if trainer.global_step == self.step:
            if self.group:
                os.killpg(os.getpgid(0), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)
