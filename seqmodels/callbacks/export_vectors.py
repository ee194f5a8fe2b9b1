"""Writes a task's word embeddings as a word2vec text file at the end of training: the file any
embedding tool reads, ``task.pretrained_vectors`` reads back, and ``seqmodels neighbours`` queries."""

from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.utilities import rank_zero_info, rank_zero_only

from seqmodels.data.encoding.vocabulary import SPECIALS
from seqmodels.nn.embedding import write_vectors
from seqmodels.tasks.base import SequenceTask


class ExportVectors(pl.Callback):
    """``pl_module.word_embedding()``'s rows for ``pl_module.embedding_words()`` (special tokens left out)
    to ``path`` in word2vec text format."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    @rank_zero_only
    def on_train_end(self, trainer: pl.Trainer, pl_module: SequenceTask) -> None:  # type: ignore[override]
        words = pl_module.embedding_words()
        if not words:
            return
        vectors = pl_module.word_embedding().weight.detach().float().cpu()
        kept = [i for i, word in enumerate(words) if word not in SPECIALS]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_vectors(self.path, [words[i] for i in kept], vectors[kept])
        rank_zero_info(f"word vectors: {self.path} ({len(kept)} words x {vectors.size(1)})")
