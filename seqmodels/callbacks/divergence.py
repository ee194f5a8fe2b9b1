"""Stop a diverging run at once, loudly: a non-finite loss or gradient is the course's exploding gradient.

- after every training step the loss must be finite (``on_train_batch_end``): a non-finite gradient makes
  the next step's loss non-finite, so it stops the run one step later;
- every checkpoint's weights must be finite before it is written (``on_save_checkpoint``), so NaN weights are
  never saved, also by a save that falls between the bad gradient and the next loss. (A gradient-norm check
  at every step would cost a pass over all gradients: 4% of the LM benchmark's step time.)
- after every validation the main metric must be finite (``on_validation_end``, which runs before the
  checkpoint callbacks'), so a non-finite model is never promoted to "best".

Each raises :class:`TrainingDiverged`, one line naming the epoch, the step and the last finite loss; ``train.py``
prints it and exits with status 1. The checkpoints written before stay as they were.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional

import pytorch_lightning as pl
import torch

from seqmodels.errors import SeqmodelsError
from seqmodels.tasks.base import SequenceTask

ADVICE = "lower task.optimizer.lr, or clip the gradient norm (trainer.gradient_clip_val=1.0)"


class TrainingDiverged(SeqmodelsError):
    """The loss, the weights or the main validation metric became NaN or infinite."""


class DivergenceGuard(pl.Callback):
    """Raises :class:`TrainingDiverged` at the first non-finite loss, saved weight or main validation metric."""

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

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                           checkpoint: Dict[str, Any]) -> None:
        bad = next((name for name, value in checkpoint.get("state_dict", {}).items()
                    if isinstance(value, torch.Tensor) and value.is_floating_point()
                    and not bool(torch.isfinite(value).all())), None)
        if bad is not None:
            self._stop(trainer, f"the weight {bad} holds NaN or infinite values (a non-finite gradient)")

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
