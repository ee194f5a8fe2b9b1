"""Stop a diverging run at once, loudly: a non-finite loss or gradient is the course's exploding gradient.

- after every training step the loss must be finite (``on_train_batch_end``);
- before every optimiser step the gradient norm ‖∇L‖₂ (before clipping) must be finite
  (``on_before_optimizer_step``; skipped under float16 loss scaling, whose scaler skips overflowing steps
  itself), so NaN weights are never written;
- after every validation the main metric must be finite (``on_validation_end``, which runs before the
  checkpoint callbacks'), so a non-finite model is never promoted to "best".

Each raises :class:`TrainingDiverged`, one line naming the epoch, the step and the last finite loss; ``train.py``
prints it and exits with status 1. The checkpoints written before stay as they were.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import pytorch_lightning as pl
import torch
from pytorch_lightning.plugins.precision import MixedPrecision
from torch.optim import Optimizer

from seqmodels.errors import SeqmodelsError
from seqmodels.tasks.base import SequenceTask

ADVICE = "lower task.optimizer.lr, or clip the gradient norm (trainer.gradient_clip_val=1.0)"


class TrainingDiverged(SeqmodelsError):
    """The loss, the gradient or the main validation metric became NaN or infinite."""


class DivergenceGuard(pl.Callback):
    """Raises :class:`TrainingDiverged` at the first non-finite loss, gradient norm or main validation metric."""

    def __init__(self) -> None:
        self.last_finite: Optional[tuple[int, float]] = None  # (step, loss) of the last finite training loss

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        if loss is None:
            return
        value = float(loss.detach())
        if not math.isfinite(value):
            self._stop(trainer, f"the training loss is {value}")
        self.last_finite = (trainer.global_step, value)

    def on_before_optimizer_step(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                                 optimizer: Optimizer) -> None:
        precision = trainer.precision_plugin
        if isinstance(precision, MixedPrecision) and precision.scaler is not None:
            return  # float16 loss scaling: an overflowing step is expected, and the scaler skips it
        gradients = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        if not gradients:
            return
        norm = float(torch.nn.utils.get_total_norm(gradients))
        if not math.isfinite(norm):
            self._stop(trainer, f"the gradient norm is {norm}")

    def on_validation_end(self, trainer: pl.Trainer, pl_module: SequenceTask) -> None:  # type: ignore[override]
        if trainer.sanity_checking:
            return
        metric = pl_module.main_metric
        value = trainer.callback_metrics.get(metric)
        if value is not None and not math.isfinite(float(value)):
            self._stop(trainer, f"the validation metric {metric} is {float(value)}")

    def _stop(self, trainer: pl.Trainer, what: str) -> None:
        last = (f"the last finite training loss was {self.last_finite[1]:.4g} at step {self.last_finite[0]}"
                if self.last_finite else "no training step had a finite loss")
        raise TrainingDiverged(f"training diverged at epoch {trainer.current_epoch}, step {trainer.global_step}: "
                               f"{what}; {last}. Nothing non-finite was saved; {ADVICE}")
