"""LightningDataModule for word2vec: any corpus the language model reads -> words -> (input, target) examples.

Words are split as :func:`seqmodels.data.corpora.labelled_text.tokenize_text` does (whitespace, punctuation off
the ends of words, lowercased when ``lowercase``). Every epoch draws its examples anew (subsampling of
frequent words and the dynamic window are random, as in word2vec; the training config sets
``trainer.reload_dataloaders_every_n_epochs: 1``) from the run's seed and the epoch, so that every DDP
process draws the same examples and takes its own share of the batches: skip-gram pairs (centre word ->
one context word) or CBOW examples (the context words -> the centre word). With negative sampling each
batch also holds K noise words per example, drawn from P(w) ∝ f(w)^0.75. Validation uses every pair of
the valid split within the full window, without subsampling.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Dict, List, Mapping, Optional

import torch
from torch import Tensor
from torch.utils.data import DataLoader, TensorDataset

from seqmodels.data.batching.skipgram_pairs import NegativeSampler, cbow_examples, keep_probabilities, skipgram_pairs
from seqmodels.data.batching.word2vec import collate_examples
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
        negatives: K noise words per example (0: the full softmax).
        batch_size, eval_batch_size: examples per batch.
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
    ) -> None:
        check_choice("data.architecture", architecture, ARCHITECTURES)
        check_positive_ints(window=window)
        super().__init__(corpus, data_dir, files, download, "word", lowercase, min_freq, max_size, batch_size,
                         eval_batch_size, num_workers)
        self.architecture, self.window, self.subsample, self.negatives = architecture, window, subsample, negatives
        self.counts: Optional[Tensor] = None

    def tokens(self, line: str) -> List[str]:
        return tokenize_text(line, self.lowercase)

    def setup(self, stage: Optional[str] = None) -> None:
        """Every split's sentences as ids (sentences without a word left out), and the training split's counts."""
        if self.counts is not None:
            return
        super().setup(stage)
        self.ids = {split: [sentence for sentence in sentences if sentence] for split, sentences in self.ids.items()}
        counts = torch.zeros(len(self.vocabulary), dtype=torch.long)
        for sentence in self.ids["train"]:
            counts += torch.bincount(torch.tensor(sentence, dtype=torch.long), minlength=len(self.vocabulary))
        counts[: len(SPECIALS)] = 0  # <unk> and the others: never a noise word, never subsampled in
        self.counts = counts

    def task_arguments(self) -> Dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_dict(), "architecture": self.architecture,
                "negatives": self.negatives, "counts": self.counts.tolist()}

    def examples(self, split: str) -> TensorDataset:
        """This epoch's (input, target) examples of ``split`` (training: subsampled, dynamic windows), the same
        in every process (drawn from the run's seed and the epoch); the loaders share them out."""
        sentences = [[i for i in s if i >= len(SPECIALS)] for s in self.ids[split]]
        training = split == "train"
        keep = keep_probabilities(self.counts, self.subsample) if training else None
        epoch = self.trainer.current_epoch if self.trainer else 0
        generator = torch.Generator().manual_seed(data_seed() + epoch)
        if self.architecture == "skipgram":
            inputs, targets = skipgram_pairs(sentences, self.window, keep, generator, dynamic_window=training)
        else:
            inputs, targets = cbow_examples(sentences, self.window, keep, generator, pad_id=self.vocabulary.pad_id,
                                            dynamic_window=training)
        return TensorDataset(inputs, targets)

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        examples = self.examples(split)
        sampler = NegativeSampler(self.counts) if self.negatives > 0 else None
        # validation and test draw the same noise words every epoch, so that their losses compare across epochs
        generator = None if shuffle else torch.Generator().manual_seed(0)
        collate = partial(collate_examples, sampler=sampler, negatives=self.negatives, generator=generator)
        lengths = torch.ones(len(examples), dtype=torch.long)  # one length: plain batches, shared out
        return self.bucketed_loader(split, examples, lengths, batch_size, shuffle, collate)
