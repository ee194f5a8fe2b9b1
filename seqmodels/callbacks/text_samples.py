"""Writes a few model outputs (``task.example_texts()``: LM samples, tagged sentences, ...) and the
task's reports (``task.text_reports()``: e.g. NER scores per entity type) to TensorBoard's TEXT tab
after every validation epoch, so a user can read how the model improves."""

from __future__ import annotations

import pytorch_lightning as pl
from pytorch_lightning.loggers import TensorBoardLogger
from pytorch_lightning.utilities import rank_zero_only

from seqmodels.tasks.base import SequenceTask


class TextSamples(pl.Callback):
    """Logs ``pl_module.example_texts()`` under the tag ``samples`` every ``every_n_epochs`` epochs."""

    def __init__(self, every_n_epochs: int = 1) -> None:
        self.every_n_epochs = every_n_epochs

    @rank_zero_only
    def on_validation_end(self, trainer: pl.Trainer, pl_module: SequenceTask) -> None:  # type: ignore[override]
        # not on_validation_epoch_end: Lightning runs the callbacks' hook before the task's, which computes scores
        if trainer.sanity_checking or (trainer.current_epoch % self.every_n_epochs):
            return
        loggers = [logger for logger in trainer.loggers if isinstance(logger, TensorBoardLogger)]
        if not loggers:
            return
        for tag, report in pl_module.text_reports().items():
            for logger in loggers:
                logger.experiment.add_text(tag, report, global_step=trainer.global_step)
        texts = pl_module.example_texts()
        if not texts:
            return
        # TensorBoard renders markdown: an indented block keeps each sample's spaces, symbols and line breaks
        body = "\n\n".join(f"**{number}.**\n\n" + "\n".join("    " + line for line in text.split("\n"))
                           for number, text in enumerate(texts, 1))
        for logger in loggers:
            logger.experiment.add_text("samples", body, global_step=trainer.global_step)
