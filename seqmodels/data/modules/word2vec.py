"""LightningDataModule for word2vec: any corpus the language model reads -> words -> batches of runs of words.

Words are split as :func:`seqmodels.data.corpora.labelled_text.tokenize_text` does (whitespace, punctuation off
the ends of words, lowercased when ``lowercase``). Every epoch subsamples the frequent words anew (as word2vec
does; the training config sets ``trainer.reload_dataloaders_every_n_epochs: 1``) from the run's seed and the
epoch, so that every DDP process draws the same words and takes its own share of the batches. A batch is a few
runs of consecutive words with their windows (:class:`~seqmodels.data.batching.word2vec.Word2VecBatch`); with
negative sampling it also holds a pool of noise words per run, drawn from P(w) ∝ f(w)^0.75. Validation reads
every word of the valid split with its full window, without subsampling.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Dict, List, Mapping, Optional

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data.batching.word2vec import WordRuns, window_weights
from seqmodels.data.batching.word_sampling import NegativeSampler, keep_probabilities, kept_words, word_stream
from seqmodels.data.corpora.labelled_text import tokenize_text
from seqmodels.data.encoding.vocabulary import SPECIALS
from seqmodels.data.modules.base import data_seed
from seqmodels.data.modules.line_corpus import LineCorpusData
from seqmodels.data.options import check_positive_ints
from seqmodels.errors import check_choice

ARCHITECTURES = ("skipgram", "cbow")


class Word2VecData(LineCorpusData):
    """Batches (:class:`~seqmodels.data.batching.word2vec.Word2VecBatch`) of word2vec examples from a corpus of lines.

    Args:
        corpus, data_dir, files, download: as for the language model (pydoc_topics, wikitext-2, ptb, files).
        lowercase: lower-case the text. min_freq, max_size: vocabulary cut-offs (rarer words become <unk>).
        architecture: "skipgram" or "cbow"; window: the context words on each side.
        subsample: the threshold t of frequent-word subsampling (0: keep every word).
        negatives: K noise words per (neighbour, centre word) pair (0: the full softmax).
        negatives_per_run: P, the noise words each run draws and all its pairs share (each counts K / P).
        batch_size, eval_batch_size: centre words per batch, in runs of ``run_length`` consecutive words
            (see :mod:`seqmodels.data.batching.word2vec`).
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
        architecture: str = "skipgram",
        window: int = 5,
        subsample: float = 1e-3,
        negatives: int = 5,
        batch_size: int = 1024,
        eval_batch_size: int = 4096,
        num_workers: int = 0,
        run_length: int = 16,
        negatives_per_run: int = 30,
    ) -> None:
        check_choice("data.architecture", architecture, ARCHITECTURES)
        check_positive_ints(window=window, run_length=run_length, negatives_per_run=negatives_per_run)
        super().__init__(corpus, data_dir, files, download, "word", lowercase, min_freq, max_size, batch_size,
                         eval_batch_size, num_workers)
        self.architecture, self.window, self.subsample, self.negatives = architecture, window, subsample, negatives
        self.run_length, self.negatives_per_run = run_length, negatives_per_run
        self.counts: Optional[Tensor] = None

    def tokens(self, line: str) -> List[str]:
        return tokenize_text(line, self.lowercase)

    def setup(self, stage: Optional[str] = None) -> None:
        """Every split's words as a stream, and the training split's counts."""
        if self.counts is not None:
            return
        super().setup(stage)
        # every split's words as one stream, made once: an epoch only subsamples it
        self.streams = {split: word_stream(sentences, first_word=len(SPECIALS))
                        for split, sentences in self.ids.items()}
        # <unk> and the other specials: not in the stream, so never a noise word, never subsampled in
        self.counts = torch.bincount(self.streams["train"].tokens, minlength=len(self.vocabulary))

    def task_arguments(self) -> Dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_dict(), "architecture": self.architecture,
                "negatives": self.negatives, "counts": self.counts.tolist()}

    def runs(self, split: str) -> WordRuns:
        """This epoch's words of ``split`` in runs of ``run_length`` (training: subsampled, windows weighted as
        the dynamic window in expectation; evaluation: every word, the full window), the same in every process
        (drawn from the run's seed and the epoch); the loaders share the runs out."""
        training = split == "train"
        keep = keep_probabilities(self.counts, self.subsample) if training else None
        epoch = self.trainer.current_epoch if self.trainer else 0
        generator = torch.Generator().manual_seed(data_seed() + epoch)
        tokens, sentence_ids = kept_words(self.streams[split], keep, generator)
        return WordRuns(tokens, sentence_ids, self.window, self.run_length, self.vocabulary.pad_id,
                        window_weights(self.window, expected=training))

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        """Batches of ``batch_size`` centre words (whole runs: the last batch may hold fewer), the runs in a new
        random order every training epoch, each run with its pool of noise words."""
        runs = self.runs(split)
        sampler = NegativeSampler(self.counts) if self.negatives > 0 else None
        # validation and test draw the same noise words every epoch, so that their losses compare across epochs
        generator = None if shuffle else torch.Generator().manual_seed(0)
        collate = partial(runs.batch, sampler=sampler, negatives_per_run=self.negatives_per_run, generator=generator)
        lengths = torch.ones(len(runs), dtype=torch.long)  # one length: plain batches, shared out
        return self.bucketed_loader(split, range(len(runs)), lengths, -(-batch_size // self.run_length), shuffle,
                                    collate)
