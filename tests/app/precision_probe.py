"""A callback that records the precision the Trainer was built with (tests only)."""

from __future__ import annotations

from typing import Optional

import pytorch_lightning as pl


class PrecisionProbe(pl.Callback):
    latest: Optional[str] = None

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        PrecisionProbe.latest = str(trainer.precision)
