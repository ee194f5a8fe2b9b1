"""LightningDataModule for word2vec: any corpus the language model reads -> words -> (input, target) examples.

Words are split as :func:`seqmodels.data.labelled_text.tokenize_text` does (whitespace, punctuation off
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
from typing import Any, Dict, List, Mapping, NamedTuple, Optional

import torch
from torch import Tensor
from torch.utils.data import DataLoader, TensorDataset

from seqmodels.data.corpora import corpus_lines
from seqmodels.data.labelled_text import tokenize_text
from seqmodels.data.resumable import ResumableLoader
from seqmodels.data.skipgram_pairs import NegativeSampler, cbow_examples, keep_probabilities, skipgram_pairs
from seqmodels.data.split_data import SplitData, check_choice, check_positive_ints, data_seed
from seqmodels.data.vocabulary import SPECIALS, Vocabulary, check_vocabulary_options

ARCHITECTURES = ("skipgram", "cbow")


class Word2VecBatch(NamedTuple):
    inputs: Tensor               # (B,) centre words (skip-gram) or (B, 2 window) context words (CBOW)
    targets: Tensor              # (B,) the word to predict
    negatives: Optional[Tensor]  # (B, K) noise words, or None for the full softmax


def collate_examples(examples: List[Any], sampler: Optional[NegativeSampler], negatives: int,
                     generator: Optional[torch.Generator] = None) -> Word2VecBatch:
    inputs = torch.stack([example[0] for example in examples])
    targets = torch.stack([example[1] for example in examples])
    noise = sampler.sample((len(examples), negatives), generator) if sampler is not None else None
    return Word2VecBatch(inputs, targets, noise)


class Word2VecData(SplitData):
    """Batches (:class:`Word2VecBatch`) of word2vec examples from a text corpus.

    Args:
        corpus, data_dir, files, download: as for the language model (pydoc_topics, wikitext-2, ptb, files).
        lowercase: lower-case the text. min_freq, max_size: vocabulary cut-offs (rarer words become <unk>).
        architecture: "skipgram" or "cbow"; window: the context words on each side.
        subsample: the threshold t of frequent-word subsampling (0: keep every word).
        negatives: K noise words per example (0: the full softmax).
        batch_size, eval_batch_size: examples per batch.
    """

    vocabulary_hparam = "vocabulary"

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
        super().__init__()
        check_choice("architecture", architecture, ARCHITECTURES)
        check_positive_ints(window=window, batch_size=batch_size, eval_batch_size=eval_batch_size)
        check_vocabulary_options(min_freq, max_size)
        self.corpus, self.data_dir, self.files, self.download = corpus, data_dir, files, download
        self.lowercase, self.min_freq, self.max_size = lowercase, min_freq, max_size
        self.architecture, self.window, self.subsample, self.negatives = architecture, window, subsample, negatives
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers
        self.vocabulary: Optional[Vocabulary] = None
        self.ids: Dict[str, List[List[int]]] = {}
        self.counts: Optional[Tensor] = None

    def use_vocabulary(self, vocabulary: Mapping[str, Any]) -> None:
        self.vocabulary = Vocabulary.from_dict(vocabulary)

    def prepare_data(self) -> None:
        if self.download:
            corpus_lines(self.corpus, self.data_dir, self.files, download=True)

    def setup(self, stage: Optional[str] = None) -> None:
        if self.ids:
            return
        lines = corpus_lines(self.corpus, self.data_dir, self.files)
        words = {split: [tokenize_text(line, self.lowercase) for line in split_lines]
                 for split, split_lines in lines.items()}
        if self.vocabulary is None:
            self.vocabulary = Vocabulary.build(words["train"], self.min_freq, self.max_size)
        self.ids = {split: [self.vocabulary.encode(sentence) for sentence in sentences if sentence]
                    for split, sentences in words.items()}
        counts = torch.zeros(len(self.vocabulary), dtype=torch.long)
        for sentence in self.ids["train"]:
            counts += torch.bincount(torch.tensor(sentence, dtype=torch.long), minlength=len(self.vocabulary))
        counts[: len(SPECIALS)] = 0  # <unk> and the others: never a noise word, never subsampled in
        self.counts = counts

    @property
    def has_test(self) -> bool:
        return "test" in self.ids

    def vocabularies(self) -> Dict[str, Any]:
        return {"vocab": self.vocabulary}

    def task_arguments(self) -> Dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_dict(), "architecture": self.architecture,
                "negatives": self.negatives}

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

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        examples = self.examples(split)
        sampler = NegativeSampler(self.counts) if self.negatives > 0 else None
        # validation and test draw the same noise words every epoch, so that their losses compare across epochs
        generator = None if shuffle else torch.Generator().manual_seed(0)
        collate = partial(collate_examples, sampler=sampler, negatives=self.negatives, generator=generator)
        lengths = torch.ones(len(examples), dtype=torch.long)  # one length: plain batches, shared out
        batches = self.buckets(split, lengths, batch_size, shuffle)
        return ResumableLoader(examples, batch_sampler=batches, collate_fn=collate, num_workers=self.num_workers,
                               pin_memory=self.pin_memory())
