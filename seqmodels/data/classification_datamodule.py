"""LightningDataModule for text classification: labelled texts -> vocabulary and label set -> batches.

Corpora:
- ``reviews``: the embedded generator of restaurant reviews with negation and contrast
  (:mod:`seqmodels.data.reviews`), where word order decides the label;
- ``agreement``: the embedded subject-verb agreement generator (:mod:`seqmodels.data.agreement`): "the cats ,
  which <``distance`` neutral words> ," -> "were"; the distance to remember is the option ``distance``;
- ``sst2``: ``<data_dir>/sst2/train.tsv``, ``dev.tsv`` (valid) and ``test.tsv`` when present
  (``sentence<TAB>label`` with a header);
- ``files``: your own TSV / CSV files (``files.train`` / ``valid`` / ``test``), columns by index or header name.

Texts are tokenised by :func:`seqmodels.data.labelled_text.tokenize_text`; the vocabulary and the label set
come from the training split; a validation or test label the training split lacks is an error naming the
file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data import agreement, reviews
from seqmodels.data.labelled_text import (
    LabelledText,
    check_labelled_options,
    check_labels,
    label_set,
    read_labelled,
    tokenize_text,
)
from seqmodels.data.resumable import ResumableLoader
from seqmodels.data.split_data import SplitData, check_choice, check_positive_ints, corpus_files, user_files
from seqmodels.data.vocabulary import Vocabulary, check_vocabulary_options
from seqmodels.errors import ConfigError, DataError

CORPORA = ("reviews", "sst2", "files", "agreement")
SST2 = {"train": "train.tsv", "valid": "dev.tsv", "test": "test.tsv"}


class TextBatch(NamedTuple):
    words: Tensor     # (B, T) word ids, pad_id past each length
    lengths: Tensor   # (B,)
    labels: Tensor    # (B,) label ids (-100 when unknown, e.g. at prediction)


def collate_texts(token_lists: Sequence[Sequence[str]], vocabulary: Vocabulary,
                  labels: Optional[Sequence[int]] = None) -> TextBatch:
    """A padded batch of tokenised texts (each at least one token)."""
    if any(len(tokens) == 0 for tokens in token_lists):
        raise DataError("a text without words cannot be classified")
    lengths = torch.tensor([len(tokens) for tokens in token_lists], dtype=torch.long)
    words = torch.full((len(token_lists), int(lengths.max())), vocabulary.pad_id, dtype=torch.long)
    for row, tokens in enumerate(token_lists):
        words[row, :len(tokens)] = torch.tensor(vocabulary.encode(tokens))
    gold = torch.tensor(labels if labels is not None else [-100] * len(token_lists), dtype=torch.long)
    return TextBatch(words, lengths, gold)


class ClassificationData(SplitData):
    """Batches (:class:`TextBatch`) of labelled texts.

    Args:
        corpus: "reviews", "sst2", "files" or "agreement" (above); data_dir: ``paths.data_dir``.
        files: for corpus="files": {"train": path, "valid": path, "test": path or null}.
        text_column, label_column: index or header name; delimiter: "\\t" or ","; header: true, false or "auto".
        lowercase: lower-case the words. min_freq, max_size: vocabulary cut-offs (rarer words become <unk>).
        num_examples, seed: how many reviews (or agreement sentences) the generator writes per split, and its seed.
        distance, max_distance: for corpus="agreement": the words between subject and verb (1..max_distance).
        batch_size, eval_batch_size: texts per training / evaluation batch.
    """

    vocabulary_hparam = "vocabulary"  # the task hyperparameter that holds the vocabulary in a checkpoint

    def __init__(
        self,
        corpus: str = "reviews",
        data_dir: Optional[str] = None,
        files: Optional[Mapping[str, Optional[str]]] = None,
        text_column: Union[int, str] = 0,
        label_column: Union[int, str] = 1,
        delimiter: str = "\t",
        header: Union[bool, str] = "auto",
        lowercase: bool = True,
        min_freq: int = 1,
        max_size: Optional[int] = None,
        num_examples: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        batch_size: int = 32,
        eval_batch_size: int = 128,
        num_workers: int = 0,
        distance: int = 8,
        max_distance: int = 1000,
    ) -> None:
        super().__init__()
        check_choice("corpus", corpus, CORPORA)
        if corpus == "agreement":
            check_positive_ints(max_distance=max_distance)
            if isinstance(distance, bool) or not isinstance(distance, int) or not 1 <= distance <= max_distance:
                raise ConfigError(f"data.distance={distance!r}: must be an integer from 1 to data.max_distance="
                                  f"{max_distance} (raise data.max_distance for longer clauses)")
        self.distance, self.max_distance = distance, max_distance
        if corpus in ("files", "sst2"):
            delimiter = check_labelled_options(delimiter, header, text_column, label_column, prefix="data.")
        check_positive_ints(batch_size=batch_size, eval_batch_size=eval_batch_size)
        check_vocabulary_options(min_freq, max_size)
        self.corpus, self.data_dir, self.files = corpus, data_dir, files
        self.text_column, self.label_column, self.delimiter, self.header = text_column, label_column, delimiter, header
        self.lowercase, self.min_freq, self.max_size, self.seed = lowercase, min_freq, max_size, seed
        self.num_examples = dict(num_examples or {"train": 3000, "valid": 500, "test": 500})
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers
        self.vocabulary: Optional[Vocabulary] = None
        self.labels: Optional[List[str]] = None
        self.tokens: Dict[str, List[List[str]]] = {}
        self.label_ids: Dict[str, List[int]] = {}

    def use_vocabulary(self, vocabulary: Mapping[str, Any]) -> None:
        """Encode with a trained model's vocabulary instead of building one (resuming)."""
        self.vocabulary = Vocabulary.from_dict(vocabulary)

    def setup(self, stage: Optional[str] = None) -> None:
        if self.tokens:
            return
        examples = self._read()
        if self.labels is None:
            self.labels = label_set(examples["train"])
        for split, split_examples in examples.items():
            check_labels(split_examples, self.labels, self._where(split))
        self.tokens = {split: [tokenize_text(e.text, self.lowercase) for e in split_examples]
                       for split, split_examples in examples.items()}
        if self.vocabulary is None:
            self.vocabulary = Vocabulary.build(self.tokens["train"], self.min_freq, self.max_size)
        index = {label: i for i, label in enumerate(self.labels)}
        self.label_ids = {split: [index[e.label] for e in split_examples] for split, split_examples in examples.items()}

    def _read(self) -> Dict[str, List[LabelledText]]:
        if self.corpus == "reviews":
            return {split: reviews.generate(self.num_examples[split], self.seed + number)
                    for number, split in enumerate(("train", "valid", "test")) if self.num_examples.get(split)}
        if self.corpus == "agreement":
            return {split: agreement.generate(self.num_examples[split], self.distance, self.seed + number)
                    for number, split in enumerate(("train", "valid", "test")) if self.num_examples.get(split)}
        return {split: read_labelled(path, self.text_column, self.label_column, self.delimiter, self.header)
                for split, path in self._paths().items()}

    def _paths(self) -> Dict[str, Path]:
        if self.corpus == "sst2":
            return corpus_files(self.data_dir, "sst2", SST2, "SST-2's train.tsv and dev.tsv (GLUE format: "
                                "sentence<TAB>label, with a header)")
        return user_files(self.files)

    def _where(self, split: str) -> str:
        if self.corpus in ("reviews", "agreement"):
            return f"the generated {split} {'reviews' if self.corpus == 'reviews' else 'agreement sentences'}"
        return str(self._paths()[split])

    @property
    def has_test(self) -> bool:
        return "test" in self.tokens

    def vocabularies(self) -> Dict[str, Any]:
        """What is written as JSON next to the checkpoints: the words and the labels."""
        return {"vocab": self.vocabulary, "labels": list(self.labels)}

    def task_arguments(self) -> Dict[str, Any]:
        """What the task needs from the data, as plain values (they go into the checkpoint)."""
        return {"vocabulary": self.vocabulary.to_dict(), "labels": list(self.labels), "lowercase": self.lowercase}

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        tokens, labels, vocabulary = self.tokens[split], self.label_ids[split], self.vocabulary

        def collate(batch: List[int]) -> TextBatch:
            return collate_texts([tokens[i] for i in batch], vocabulary, [labels[i] for i in batch])

        sampler = self.buckets(split, [len(t) for t in tokens], batch_size, shuffle)
        return ResumableLoader(list(range(len(tokens))), batch_sampler=sampler, collate_fn=collate,
                               num_workers=self.num_workers, pin_memory=self.pin_memory())
