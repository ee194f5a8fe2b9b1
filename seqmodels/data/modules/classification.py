"""LightningDataModule for text classification: labelled texts -> vocabulary and label set -> batches.

Corpora of labelled texts (:mod:`seqmodels.data.corpora.builtin`):
- ``reviews``: the embedded generator of restaurant reviews with negation and contrast
  (:mod:`seqmodels.data.corpora.reviews`), where word order decides the label;
- ``agreement``: the embedded subject-verb agreement generator (:mod:`seqmodels.data.corpora.agreement`): "the cats ,
  which <``distance`` neutral words> ," -> "were"; the distance to remember is the option ``distance``;
- ``sst2``: ``<data_dir>/sst2/train.tsv``, ``dev.tsv`` (valid) and ``test.tsv`` when present
  (``sentence<TAB>label`` with a header);
- ``files``: your own TSV / CSV files (``files.train`` / ``valid`` / ``test``), columns by index or header name.

Texts are tokenised by :func:`seqmodels.data.corpora.labelled_text.tokenize_text`; the vocabulary and the label set
come from the training split; a validation or test label the training split lacks is an error naming the
file and line.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Union

from torch.utils.data import DataLoader

from seqmodels.data.batching.classification import TextBatch, collate_texts
from seqmodels.data.corpora.corpus import LABELLED, CorpusRequest
from seqmodels.data.corpora.labelled_text import check_labels, label_set, tokenize_text
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.data.encoding.vocabulary import Vocabulary, check_vocabulary_options
from seqmodels.data.modules.base import JSONFiles, TaskData
from seqmodels.data.modules.vector_words import check_vector_words_limit, with_vector_words


class ClassificationData(TaskData):
    """Batches (:class:`~seqmodels.data.batching.classification.TextBatch`) of labelled texts.

    Args:
        corpus: "reviews", "sst2", "files" or "agreement" (above); data_dir: ``paths.data_dir``.
        files: for corpus="files": {"train": path, "valid": path, "test": path or null}.
        text_column, label_column: index or header name; delimiter: "\\t" or ","; header: true, false or "auto".
        lowercase: lower-case the words. min_freq, max_size: vocabulary cut-offs (rarer words become <unk>).
        vector_words, vector_words_limit: a word2vec / GloVe file whose first ``vector_words_limit`` words join the
            vocabulary after the training words, so that a word never seen in training (dev, test, your text) still
            has the pretrained vector of ``task.pretrained_vectors``; null: the training words only.
        num_examples, seed: how many reviews (or agreement sentences) the generator writes per split, and its seed.
        distance, max_distance: for corpus="agreement": the words between subject and verb (1..max_distance).
        batch_size, eval_batch_size: texts per training / evaluation batch.
    """

    encoding_hparam = "vocabulary"

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
        vector_words: Optional[str] = None,
        vector_words_limit: int = 100000,
        num_examples: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        batch_size: int = 32,
        eval_batch_size: int = 128,
        num_workers: int = 0,
        distance: int = 8,
        max_distance: int = 1000,
    ) -> None:
        check_vocabulary_options(min_freq, max_size)
        check_vector_words_limit(vector_words_limit)
        labelled = find_corpus(corpus, LABELLED)
        options = {"text_column": text_column, "label_column": label_column, "delimiter": delimiter,
                   "header": header, "distance": distance, "max_distance": max_distance}
        sizes = dict(num_examples or {"train": 3000, "valid": 500, "test": 500})
        request = CorpusRequest(data_dir, files, sizes=sizes, seed=seed, options=options)
        super().__init__(labelled, request, batch_size, eval_batch_size, num_workers)
        self.lowercase, self.min_freq, self.max_size = lowercase, min_freq, max_size
        self.vector_words, self.vector_words_limit = vector_words, vector_words_limit
        self.vocabulary: Optional[Vocabulary] = None
        self.labels: Optional[List[str]] = None
        self.tokens: Dict[str, List[List[str]]] = {}
        self.label_ids: Dict[str, List[int]] = {}

    def restore_encoding(self, saved: Mapping[str, Any]) -> None:
        """Encode with the checkpoint's vocabulary (``Vocabulary.to_dict()``) instead of building one."""
        self.vocabulary = Vocabulary.from_dict(saved)

    def test_only(self, hparams: Mapping[str, Any]) -> None:
        """The checkpoint's vocabulary and label set (in its order: the label ids of its output layer)."""
        super().test_only(hparams)
        self.labels = list(hparams["labels"])

    def setup(self, stage: Optional[str] = None) -> None:
        if self.tokens:
            return
        examples = self.read_corpus()
        if self.labels is None:
            self.labels = label_set(examples["train"])
        for split, split_examples in examples.items():
            check_labels(split_examples, self.labels, self.where(split))
        self.tokens = {split: [tokenize_text(e.text, self.lowercase) for e in split_examples]
                       for split, split_examples in examples.items()}
        if self.vocabulary is None:
            vocabulary = Vocabulary.build(self.tokens["train"], self.min_freq, self.max_size)
            self.vocabulary = with_vector_words(vocabulary, self.vector_words, self.vector_words_limit)
        index = {label: i for i, label in enumerate(self.labels)}
        self.label_ids = {split: [index[e.label] for e in split_examples] for split, split_examples in examples.items()}

    @property
    def has_test(self) -> bool:
        return "test" in self.tokens

    def encoding_files(self) -> JSONFiles:
        """The words and the labels."""
        return {"vocab": self.vocabulary.to_dict(), "labels": list(self.labels)}

    def task_arguments(self) -> Dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_dict(), "labels": list(self.labels), "lowercase": self.lowercase}

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        tokens, labels, vocabulary = self.tokens[split], self.label_ids[split], self.vocabulary

        def collate(batch: List[int]) -> TextBatch:
            return collate_texts([tokens[i] for i in batch], vocabulary, [labels[i] for i in batch])

        return self.bucketed_loader(split, list(range(len(tokens))), [len(t) for t in tokens], batch_size, shuffle,
                                    collate)
