"""An n-gram language model fitted on the same training stream, evaluated on the same
validation and test streams as the RNN, so the run shows what the RNN buys.

At the start of fitting it logs ``baseline/val_ppl_{n}gram`` for n = 1..order and at the
start of testing ``baseline/test_ppl_{n}gram``; ``results`` keeps them for the run summary.
"""

from __future__ import annotations

from typing import Dict

import pytorch_lightning as pl
from pytorch_lightning.utilities import rank_zero_only

from seqmodels.callbacks.results import ResultsCallback
from seqmodels.models.ngram import NGramModel


class NGramBaseline(ResultsCallback):
    """Interpolated Witten-Bell n-grams of order 1..``order`` (see :mod:`seqmodels.models.ngram`)."""

    def __init__(self, order: int = 3) -> None:
        if order < 1:
            raise ValueError(f"NGramBaseline: order must be >= 1, got {order}")
        super().__init__()
        self.order = order
        self.models: Dict[int, NGramModel] = {}

    def _evaluate(self, trainer: pl.Trainer, split: str, prefix: str) -> None:
        data = trainer.datamodule
        if not self.models:
            train = data.stream("train")
            self.models = {n: NGramModel(n, len(data.vocabulary)).fit(train) for n in range(1, self.order + 1)}
        stream = data.stream(split)
        for n, model in self.models.items():
            self.results[f"baseline/{prefix}_ppl_{n}gram"] = model.perplexity(stream)
        for logger in trainer.loggers:
            logger.log_metrics({k: v for k, v in self.results.items() if f"/{prefix}_" in k}, step=0)

    @rank_zero_only
    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._evaluate(trainer, "valid", "val")

    @rank_zero_only
    def on_test_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._evaluate(trainer, "test", "test")
