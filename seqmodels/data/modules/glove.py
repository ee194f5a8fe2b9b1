"""LightningDataModule for GloVe: any corpus the language model reads -> words -> co-occurrence entries (i, j, X_ij).

Words are split as word2vec's data splits them (:func:`~seqmodels.data.corpora.labelled_text.tokenize_text`), with
one vocabulary from the training split. Every split's co-occurrence counts X (window ``window``, weights 1 / d,
within a line, special tokens left out: :mod:`seqmodels.data.batching.cooccurrence`) are counted once, in
``setup``; the training entries come in a new random order every epoch (``LengthBuckets`` seeded by the run's seed
and the epoch: every DDP process draws the same order and takes its own share of the batches, and a run killed
mid-epoch resumes at its batch), ``batch_size`` entries a batch. Validation and test use their own split's entries,
counted with the training vocabulary, in order.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import torch
from torch.utils.data import DataLoader

from seqmodels.data.batching.cooccurrence import CHUNK_TOKENS, Cooccurrences, cooccurrences, whole_batch
from seqmodels.data.corpora.labelled_text import tokenize_text
from seqmodels.data.modules.line_corpus import LineCorpusData
from seqmodels.data.options import check_positive_ints
from seqmodels.errors import DataError


class GloVeData(LineCorpusData):
    """Batches (:class:`~seqmodels.data.batching.cooccurrence.CooccurrenceBatch`) of co-occurrence entries.

    Args:
        corpus, data_dir, files, download: as for the language model (pydoc_topics, wikitext-2, ptb, files).
        lowercase: lower-case the text. min_freq, max_size: vocabulary cut-offs (rarer words become <unk>).
        window: the largest distance between two co-occurring words (each side).
        chunk_tokens: the words counted at a time (the counting's working memory; the counts do not change).
        batch_size, eval_batch_size: entries per batch.
    """

    def __init__(
        self,
        corpus: str = "pydoc_topics",
        data_dir: Optional[str] = None,
        files: Optional[Mapping[str, Optional[str]]] = None,
        download: bool = False,
        lowercase: bool = True,
        min_freq: int = 3,
        max_size: Optional[int] = None,
        window: int = 10,
        chunk_tokens: int = CHUNK_TOKENS,
        batch_size: int = 1024,
        eval_batch_size: int = 4096,
        num_workers: int = 0,
    ) -> None:
        check_positive_ints(window=window, chunk_tokens=chunk_tokens)
        super().__init__(corpus, data_dir, files, download, "word", lowercase, min_freq, max_size, batch_size,
                         eval_batch_size, num_workers)
        self.window, self.chunk_tokens = window, chunk_tokens
        self.entries: Dict[str, Cooccurrences] = {}

    def tokens(self, line: str) -> List[str]:
        return tokenize_text(line, self.lowercase)

    def setup(self, stage: Optional[str] = None) -> None:
        """Every split's co-occurrence entries, counted with the training split's vocabulary."""
        if self.entries:
            return
        super().setup(stage)
        self.entries = {split: Cooccurrences(*cooccurrences(sentences, len(self.vocabulary), self.window,
                                                            self.chunk_tokens))
                        for split, sentences in self.ids.items()}
        for split, entries in self.entries.items():
            if len(entries) == 0:
                raise DataError(f"{self.where(split)}: no two words of the vocabulary within data.window="
                                f"{self.window} of each other on a line, so nothing co-occurs")

    def task_arguments(self) -> Dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_dict()}

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        entries = self.entries[split]
        lengths = torch.ones(len(entries), dtype=torch.long)  # one length: plain batches, shared out
        return self.bucketed_loader(split, entries, lengths, batch_size, shuffle, whole_batch)
