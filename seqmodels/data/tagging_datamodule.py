"""LightningDataModule for sequence tagging: tagged sentences -> vocabularies -> padded batches.

Corpora:
- ``names``: the embedded generator of name-tagging sentences (:mod:`seqmodels.data.name_tagging`);
- ``conll2003``: ``<data_dir>/conll2003/eng.train``, ``eng.testa`` (valid) and, when present, ``eng.testb``;
  its tags are IOB1;
- ``files``: your own CoNLL-column or two-column ``token tag`` files (``files.train`` / ``valid`` / ``test``).

Tags are converted from ``source_scheme`` (the files') to ``scheme`` (the model's). The tag set is every
tag of ``scheme`` for the entity types of the training data, "O" first; a validation or test tag of
another type is an error naming the file. Batches hold sentences of similar length (fewer padded steps).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from torch.utils.data import DataLoader

from seqmodels.data import name_tagging
from seqmodels.data.conll import TaggedSentence, read_conll
from seqmodels.data.resumable import ResumableLoader
from seqmodels.data.split_data import SplitData, check_choice, check_positive_ints, corpus_files, user_files
from seqmodels.data.tag_schemes import SCHEMES, TagError, convert, entity_type, from_spans, spans
from seqmodels.data.tagging_batches import TaggingBatch, TaggingEncoder
from seqmodels.data.vocabulary import check_vocabulary_options
from seqmodels.errors import ConfigError, DataError

CORPORA = ("names", "conll2003", "files")
CONLL2003 = {"train": "eng.train", "valid": "eng.testa", "test": "eng.testb"}
SPLITS = ("train", "valid", "test")


def scheme_tags(types: Sequence[str], scheme: str) -> List[str]:
    """Every tag of ``scheme`` for these entity types, "O" first."""
    prefixes = {"iob1": "BI", "iob2": "BI", "bioes": "BIES"}[scheme]
    return ["O"] + [f"{prefix}-{kind}" for kind in sorted(types) for prefix in prefixes]


class TaggingData(SplitData):
    """Batches (:class:`~seqmodels.data.tagging_batches.TaggingBatch`) of tagged sentences.

    Args:
        corpus: "names", "conll2003" or "files" (above); data_dir: ``paths.data_dir``.
        files: for corpus="files": {"train": path, "valid": path, "test": path or null}.
        tag_column: the column holding the tags (CoNLL-2003: -1, the NER column; 1 for ``token tag`` files).
        source_scheme: the files' tag scheme; scheme: the model's ("iob1", "iob2", "bioes").
        lowercase: look words up lowercased (the capitalisation then goes in as a feature).
        characters: build a character vocabulary (for the character-level word encoder).
        min_freq, max_size: word-vocabulary cut-offs (rarer words become ``<unk>``).
        num_sentences, seed: how many sentences the ``names`` generator writes per split, and its seed.
        entity_types: keep only these entity types (the others become "O"); None keeps all.
        batch_size, eval_batch_size: sentences per training / evaluation batch.
    """

    def __init__(
        self,
        corpus: str = "names",
        data_dir: Optional[str] = None,
        files: Optional[Mapping[str, Optional[str]]] = None,
        tag_column: int = -1,
        source_scheme: str = "iob2",
        scheme: str = "iob2",
        lowercase: bool = False,
        characters: bool = True,
        min_freq: int = 1,
        max_size: Optional[int] = None,
        num_sentences: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        entity_types: Optional[Sequence[str]] = None,
        batch_size: int = 32,
        eval_batch_size: int = 64,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        check_choice("corpus", corpus, CORPORA)
        check_choice("source_scheme", source_scheme, SCHEMES)
        check_choice("scheme", scheme, SCHEMES)
        check_positive_ints(batch_size=batch_size, eval_batch_size=eval_batch_size)
        check_vocabulary_options(min_freq, max_size)
        if isinstance(tag_column, bool) or not isinstance(tag_column, int):
            raise ConfigError(f"data.tag_column={tag_column!r}: give the index of the tags' column (-1: the last)")
        if isinstance(entity_types, str):  # data.entity_types=PER: one type, not the set of its letters
            entity_types = [entity_types]
        self.corpus, self.data_dir, self.files, self.tag_column = corpus, data_dir, files, tag_column
        self.source_scheme = "iob1" if corpus == "conll2003" else source_scheme
        self.scheme, self.lowercase, self.characters = scheme, lowercase, characters
        self.min_freq, self.max_size, self.seed = min_freq, max_size, seed
        self.entity_types = set(entity_types) if entity_types else None
        self.num_sentences = dict(num_sentences or {"train": 2000, "valid": 300, "test": 300})
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers
        self.encoder: Optional[TaggingEncoder] = None
        self.sentences: Dict[str, List[TaggedSentence]] = {}
        self.tag_ids: Dict[str, List[List[int]]] = {}

    vocabulary_hparam = "encoder"  # the task hyperparameter that holds the vocabularies in a checkpoint

    def use_vocabulary(self, vocabulary: Mapping[str, Any]) -> None:
        """Encode with a trained model's vocabularies (``TaggingEncoder.to_dict()``) instead of building them."""
        self.encoder = TaggingEncoder.from_dict(vocabulary)

    def setup(self, stage: Optional[str] = None) -> None:
        if self.sentences:
            return
        raw = self._read()
        self.sentences = {split: [self._convert(sentence, split, number)
                                  for number, sentence in enumerate(sentences, start=1)]
                          for split, sentences in raw.items()}
        if self.encoder is None:
            types = sorted({entity_type(tag) for s in self.sentences["train"] for tag in s.tags} - {None})
            if self.entity_types is not None and not self.entity_types <= set(types):
                found = sorted({entity_type(tag) for s in raw["train"] for tag in s.tags} - {None})
                raise ConfigError(f"data.entity_types={sorted(self.entity_types)}: the training data has no entity of "
                                  f"type {sorted(self.entity_types - set(types))}; its types are {found}")
            self.encoder = TaggingEncoder.build([s.tokens for s in self.sentences["train"]],
                                                scheme_tags(types, self.scheme), self.lowercase, self.characters,
                                                self.min_freq, self.max_size)
        for split, sentences in self.sentences.items():
            self._check_known_tags(split, sentences)
        self.tag_ids = {split: [self.encoder.tag_ids_of(s.tags, self._where(split)) for s in sentences]
                        for split, sentences in self.sentences.items()}

    def _convert(self, sentence: TaggedSentence, split: str, number: int) -> TaggedSentence:
        """The sentence with its tags in the model's scheme, the entity types left out turned into "O"; a malformed
        tag, or one of another scheme than ``data.source_scheme``, is a ``DataError`` naming the file and line."""
        try:
            if self.entity_types is not None:
                kept = [span for span in spans(sentence.tags) if span[0] in self.entity_types]
                tags = from_spans(kept, len(sentence.tags), self.scheme)
            else:
                tags = convert(sentence.tags, self.source_scheme, self.scheme)
        except TagError as error:
            raise DataError(f"{self._token_where(split, sentence, number, error.position)}: {error.detail}; check "
                            f"data.tag_column={self.tag_column} (the column of the NER tags) and data.source_scheme="
                            f"{self.source_scheme} (the files' scheme: {', '.join(SCHEMES)})") from None
        return TaggedSentence(sentence.tokens, tuple(tags), sentence.line)

    def _check_known_tags(self, split: str, sentences: Sequence[TaggedSentence]) -> None:
        """A ``DataError`` naming the file and line of the first tag the encoder's tag set lacks (an entity type the
        training data never had)."""
        for number, sentence in enumerate(sentences, start=1):
            for position, tag in enumerate(sentence.tags):
                if tag not in self.encoder.tag_ids:
                    raise DataError(f"{self._token_where(split, sentence, number, position)}: tag {tag!r} does not "
                                    f"occur in the training data, whose tags are {self.encoder.tags}")

    def _token_where(self, split: str, sentence: TaggedSentence, number: int, position: int) -> str:
        """Where token ``position`` of sentence ``number`` of ``split`` is: its file and line, when it has one."""
        if sentence.line:
            return f"{self._where(split)}, line {sentence.line + position}"
        return f"{self._where(split)}, sentence {number}, token {position + 1}"

    def _read(self) -> Dict[str, List[TaggedSentence]]:
        if self.corpus == "names":
            return {split: name_tagging.generate(self.num_sentences[split], self.seed + index)
                    for index, split in enumerate(SPLITS) if self.num_sentences.get(split)}
        read = {split: read_conll(path, tag_column=self.tag_column) for split, path in self._paths().items()}
        return {split: [s for s in sentences if s.tokens] for split, sentences in read.items()}

    def _paths(self) -> Dict[str, Path]:
        if self.corpus == "conll2003":
            return corpus_files(self.data_dir, "conll2003", CONLL2003, "eng.train, eng.testa (and eng.testb; "
                                "CoNLL-2003 cannot be downloaded for you, its licence forbids it)")
        return user_files(self.files)

    def _where(self, split: str) -> str:
        if self.corpus == "names":
            return f"the generated {split} sentences"
        return str(self._paths()[split])

    @property
    def has_test(self) -> bool:
        return "test" in self.sentences

    def vocabularies(self) -> Dict[str, Any]:
        """What is written as JSON next to the checkpoints: words, characters, the tag set."""
        vocabularies: Dict[str, Any] = {"vocab": self.encoder.words, "tags": list(self.encoder.tags)}
        if self.encoder.chars is not None:
            vocabularies["chars"] = self.encoder.chars
        return vocabularies

    def task_arguments(self) -> Dict[str, Any]:
        """What the task needs from the data, as plain values (they go into the checkpoint)."""
        return {"encoder": self.encoder.to_dict(), "scheme": self.scheme}

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        sentences = [s.tokens for s in self.sentences[split]]
        tag_ids, encoder = self.tag_ids[split], self.encoder

        def collate(batch: List[int]) -> TaggingBatch:
            return encoder.collate([sentences[i] for i in batch], [tag_ids[i] for i in batch])

        sampler = self.buckets(split, [len(s) for s in sentences], batch_size, shuffle)
        return ResumableLoader(list(range(len(sentences))), batch_sampler=sampler, collate_fn=collate,
                               num_workers=self.num_workers, pin_memory=self.pin_memory())
