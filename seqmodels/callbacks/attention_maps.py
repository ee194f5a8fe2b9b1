"""Draws the attention of a few validation examples (``task.attention_examples()``: one
:class:`~seqmodels.plots.AttentionExample` each) as heatmaps in TensorBoard's IMAGES tab after every
validation epoch, so a user sees the alignment between output and source tokens form. Tasks without
attention return [] (:meth:`SequenceTask.attention_examples <seqmodels.tasks.base.SequenceTask.attention_examples>`'s
default) and get nothing."""

from __future__ import annotations

import pytorch_lightning as pl
from pytorch_lightning.loggers import TensorBoardLogger
from pytorch_lightning.utilities import rank_zero_only

from seqmodels.plots import AttentionExample, attention_figure
from seqmodels.tasks.base import SequenceTask

__all__ = ["AttentionExample", "AttentionMaps"]


class AttentionMaps(pl.Callback):
    """Logs the first ``max_examples`` of ``pl_module.attention_examples()`` under the tags
    ``attention/example_0``, ``attention/example_1``, ..."""

    def __init__(self, max_examples: int = 4) -> None:
        self.max_examples = max_examples

    @rank_zero_only
    def on_validation_end(self, trainer: pl.Trainer, pl_module: SequenceTask) -> None:  # type: ignore[override]
        # not on_validation_epoch_end: Lightning runs the callbacks' hook before the task's
        loggers = [logger for logger in trainer.loggers if isinstance(logger, TensorBoardLogger)]
        if trainer.sanity_checking or not loggers:
            return
        for number, example in enumerate(pl_module.attention_examples()[: self.max_examples]):
            figure = attention_figure(example.source_tokens, example.output_tokens, example.weights)
            for logger in loggers:
                logger.experiment.add_figure(f"attention/example_{number}", figure,
                                             global_step=trainer.global_step, close=True)
