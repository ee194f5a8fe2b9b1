"""LightningDataModule for sequence tagging: tagged sentences -> vocabularies -> padded batches.

Corpora of tagged sentences (:mod:`seqmodels.data.corpora.builtin`):
- ``names``: the embedded generator of name-tagging sentences (:mod:`seqmodels.data.corpora.name_tagging`);
- ``conll2003``: ``<data_dir>/conll2003/eng.train``, ``eng.testa`` (valid) and, when present, ``eng.testb``;
  its tags are IOB1;
- ``files``: your own CoNLL-column or two-column ``token tag`` files (``files.train`` / ``valid`` / ``test``).

Tags are converted from ``source_scheme`` (the files') to ``scheme`` (the model's). The tag set is every
tag of ``scheme`` for the entity types of the training data, "O" first; a validation or test tag of
another type is an error naming the file. Batches hold sentences of similar length (fewer padded steps).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Mapping, Optional, Sequence

from torch.utils.data import DataLoader

from seqmodels.data.batching.tagging import TaggingBatch, TaggingEncoder
from seqmodels.data.corpora.conll import TaggedSentence
from seqmodels.data.corpora.corpus import TAGGED, CorpusRequest
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.data.encoding.tag_schemes import SCHEMES, TagError, convert, entity_type, from_spans, spans
from seqmodels.data.encoding.vocabulary import SPECIALS, check_vocabulary_options
from seqmodels.data.modules.base import JSONFiles, TaskData
from seqmodels.data.modules.vector_words import check_vector_words_limit, with_vector_words
from seqmodels.errors import ConfigError, DataError, check_choice


def scheme_tags(types: Sequence[str], scheme: str) -> List[str]:
    """Every tag of ``scheme`` for these entity types, "O" first."""
    prefixes = {"iob1": "BI", "iob2": "BI", "bioes": "BIES"}[scheme]
    return ["O"] + [f"{prefix}-{kind}" for kind in sorted(types) for prefix in prefixes]


class TaggingData(TaskData):
    """Batches (:class:`~seqmodels.data.batching.tagging.TaggingBatch`) of tagged sentences.

    Args:
        corpus: "names", "conll2003" or "files" (above); data_dir: ``paths.data_dir``.
        files: for corpus="files": {"train": path, "valid": path, "test": path or null}.
        tag_column: the column holding the tags (CoNLL-2003: -1, the NER column; 1 for ``token tag`` files).
        source_scheme: the files' tag scheme; scheme: the model's ("iob1", "iob2", "bioes").
        lowercase: look words up lowercased (the capitalisation then goes in as a feature).
        characters: build a character vocabulary (for the character-level word encoder).
        min_freq, max_size: word-vocabulary cut-offs (rarer words become ``<unk>``).
        vector_words, vector_words_limit: a word2vec / GloVe file whose first ``vector_words_limit`` words join the
            word vocabulary after the training words (:mod:`seqmodels.data.modules.vector_words`); null: none.
        num_sentences, seed: how many sentences the ``names`` generator writes per split, and its seed.
        entity_types: keep only these entity types (the others become "O"); None keeps all.
        batch_size, eval_batch_size: sentences per training / evaluation batch.
    """

    encoding_hparam = "encoder"

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
        vector_words: Optional[str] = None,
        vector_words_limit: int = 100000,
        num_sentences: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        entity_types: Optional[Sequence[str]] = None,
        batch_size: int = 32,
        eval_batch_size: int = 64,
        num_workers: int = 0,
    ) -> None:
        tagged = find_corpus(corpus, TAGGED)
        check_choice("data.source_scheme", source_scheme, SCHEMES)
        check_choice("data.scheme", scheme, SCHEMES)
        check_vocabulary_options(min_freq, max_size)
        check_vector_words_limit(vector_words_limit)
        if isinstance(tag_column, bool) or not isinstance(tag_column, int):
            raise ConfigError(f"data.tag_column={tag_column!r}: give the index of the tags' column (-1: the last)")
        if isinstance(entity_types, str):  # data.entity_types=PER: one type, not the set of its letters
            entity_types = [entity_types]
        sizes = dict(num_sentences or {"train": 2000, "valid": 300, "test": 300})
        request = CorpusRequest(data_dir, files, sizes=sizes, seed=seed, options={"tag_column": tag_column})
        super().__init__(tagged, request, batch_size, eval_batch_size, num_workers)
        self.tag_column = tag_column
        self.source_scheme = "iob1" if corpus == "conll2003" else source_scheme  # CoNLL-2003 is released in IOB1
        self.scheme, self.lowercase, self.characters = scheme, lowercase, characters
        self.min_freq, self.max_size = min_freq, max_size
        self.vector_words, self.vector_words_limit = vector_words, vector_words_limit
        self.entity_types = set(entity_types) if entity_types else None
        self.encoder: Optional[TaggingEncoder] = None
        self.sentences: Dict[str, List[TaggedSentence]] = {}
        self.tag_ids: Dict[str, List[List[int]]] = {}

    def restore_encoding(self, saved: Mapping[str, Any]) -> None:
        """Encode with the checkpoint's vocabularies (``TaggingEncoder.to_dict()``) instead of building them."""
        self.encoder = TaggingEncoder.from_dict(saved)

    def setup(self, stage: Optional[str] = None) -> None:
        if self.sentences:
            return
        raw = self.read_corpus()
        self.sentences = {split: [self._convert(sentence, split, number)
                                  for number, sentence in enumerate(sentences, start=1)]
                          for split, sentences in raw.items()}
        if self.encoder is None:
            types = sorted({entity_type(tag) for s in self.sentences["train"] for tag in s.tags} - {None})
            if self.entity_types is not None and not self.entity_types <= set(types):
                found = sorted({entity_type(tag) for s in raw["train"] for tag in s.tags} - {None})
                raise ConfigError(f"data.entity_types={sorted(self.entity_types)}: the training data has no entity of "
                                  f"type {sorted(self.entity_types - set(types))}; its types are {found}")
            built = TaggingEncoder.build([s.tokens for s in self.sentences["train"]], scheme_tags(types, self.scheme),
                                         self.lowercase, self.characters, self.min_freq, self.max_size)
            words = with_vector_words(built.words, self.vector_words, self.vector_words_limit)
            self.encoder = TaggingEncoder(words, built.tags, built.chars, built.lowercase)
        for split, sentences in self.sentences.items():
            self._check_known_tags(split, sentences)
            where = self.where(split)
            self.tag_ids[split] = [self.encoder.tag_ids_of(s.tags, where) for s in sentences]

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
            return f"{self.where(split)}, line {sentence.line + position}"
        return f"{self.where(split)}, sentence {number}, token {position + 1}"

    @property
    def has_test(self) -> bool:
        return "test" in self.sentences

    def encoding_files(self) -> JSONFiles:
        """The words, the characters (when the model reads them) and the tag set."""
        files: JSONFiles = {"vocab": self.encoder.words.to_dict(), "tags": list(self.encoder.tags)}
        if self.encoder.chars is not None:
            files["chars"] = self.encoder.chars.to_dict()
        return files

    def task_arguments(self) -> Dict[str, Any]:
        return {"encoder": self.encoder.to_dict(), "scheme": self.scheme, "singletons_from": self.singletons_from()}

    def singletons_from(self) -> int:
        """The first word id after the last one seen twice or more in the training sentences: the vocabulary ranks
        words by their training count, so the words from there on were seen once (or, in a vocabulary restored
        from a checkpoint, perhaps never) — the singletons of ``task.features.singleton_unk``."""
        words, lowercase = self.encoder.words, self.encoder.lowercase
        counts = Counter(words.encode(token.lower() if lowercase else token
                                      for sentence in self.sentences["train"] for token in sentence.tokens))
        frequent = [word for word, count in counts.items() if count >= 2 and word >= len(SPECIALS)]
        return max(frequent, default=len(SPECIALS) - 1) + 1

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        sentences = [s.tokens for s in self.sentences[split]]
        tag_ids, encoder = self.tag_ids[split], self.encoder

        def collate(batch: List[int]) -> TaggingBatch:
            return encoder.collate([sentences[i] for i in batch], [tag_ids[i] for i in batch])

        return self.bucketed_loader(split, list(range(len(sentences))), [len(s) for s in sentences], batch_size,
                                    shuffle, collate)
