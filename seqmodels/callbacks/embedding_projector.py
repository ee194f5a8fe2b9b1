"""Writes a task's word embeddings, with the words as labels, to TensorBoard's PROJECTOR tab at the end of
training, so a user gets the course's PCA / t-SNE picture of the embedding matrix E in a click."""

from __future__ import annotations

import pytorch_lightning as pl
from pytorch_lightning.loggers import TensorBoardLogger
from pytorch_lightning.utilities import rank_zero_only

from seqmodels.tasks.base import SequenceTask


class EmbeddingProjector(pl.Callback):
    """Logs the rows of ``pl_module.word_embedding()`` for ``pl_module.embedding_words()`` (most frequent
    first), at most ``max_words`` of them, under the tag ``word_embeddings``."""

    def __init__(self, max_words: int = 5000) -> None:
        self.max_words = max_words

    @rank_zero_only
    def on_train_end(self, trainer: pl.Trainer, pl_module: SequenceTask) -> None:  # type: ignore[override]
        loggers = [logger for logger in trainer.loggers if isinstance(logger, TensorBoardLogger)]
        words = pl_module.embedding_words()[: self.max_words]
        if not loggers or not words:
            return
        vectors = pl_module.word_embedding().weight.detach().float().cpu()[: len(words)]
        labels = [word if word.strip() else repr(word) for word in words]  # " " and "\n" are characters too
        for logger in loggers:
            logger.experiment.add_embedding(vectors, metadata=labels, tag="word_embeddings",
                                            global_step=trainer.global_step)
