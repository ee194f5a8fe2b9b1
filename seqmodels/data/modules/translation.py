"""LightningDataModule for translation: sentence pairs -> source and target vocabularies -> batches.

Corpora of sentence pairs (:mod:`seqmodels.data.corpora.builtin`):
- ``dates``: the embedded generator of human-written dates and their ISO form (:mod:`seqmodels.data.corpora.dates`),
  best read character by character (``source_level=char``, ``target_level=char``);
- ``multi30k``: ``<data_dir>/multi30k/train.<lang>.gz`` and ``val.<lang>.gz`` (valid), and
  ``test_2016_flickr.<lang>.gz`` when present; German to English by default (``source_language`` /
  ``target_language`` turn it around);
- ``files``: your own corpus (``files.train`` / ``valid`` / ``test``), each split either
  ``{source: path, target: path}`` (two aligned files) or the path of a ``source<TAB>target`` file.

Sentences are split into words or characters by :func:`seqmodels.data.corpora.parallel_text.translation_tokens`, or
(``source_level`` / ``target_level`` = ``subword``) into the pieces of a sentencepiece model that Moses-tokenised
training sentences teach (:mod:`seqmodels.data.encoding.subwords`; one model for both sides with
``shared_vocabulary``). The vocabularies come from the training split (one shared by both sides with
``shared_vocabulary``). Training pairs longer than ``max_source_length`` / ``max_target_length`` tokens are dropped;
valid and test never are. The task hyperparameter ``vocabularies`` holds both vocabularies and, for subword
sides, their subword models under ``"subwords"``: a checkpoint tokenises raw text on its own.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from pytorch_lightning.utilities import rank_zero_info
from torch.utils.data import DataLoader

from seqmodels.data.batching.translation import TranslationBatch, collate_pairs
from seqmodels.data.corpora.corpus import PAIRS, REQUIRED, CorpusRequest
from seqmodels.data.corpora.parallel_text import LEVELS, SentenceCodec
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.data.encoding.subwords import MODEL_TYPES, SubwordModel, moses_tokenized
from seqmodels.data.encoding.vocabulary import Vocabulary, check_vocabulary_options
from seqmodels.data.modules.base import JSONFiles, TaskData
from seqmodels.data.options import check_positive_ints
from seqmodels.errors import ConfigError, DataError, check_choice

SIDES = ("source", "target")  # the keys of the task hyperparameter "vocabularies" (saved in every checkpoint)
SUBWORDS = "subwords"         # and its key of the subword sides' models, {side: SubwordModel.to_dict()}
DATES_EXAMPLES = {"train": 20000, "valid": 1000, "test": 1000}


class TranslationData(TaskData):
    """Batches (:class:`~seqmodels.data.batching.translation.TranslationBatch`) of sentence pairs.

    Args:
        corpus: "dates", "multi30k" or "files" (above); data_dir: ``paths.data_dir``.
        files: for corpus="files": {"train": ..., "valid": ..., "test": ... or null}, each
            {"source": path, "target": path} or the path of a TSV file (source<TAB>target).
        source_language, target_language: Multi30k's file suffixes ("de", "en").
        source_level, target_level: "word", "char" or "subword". lowercase: lower-case both sides (and the
            references).
        subword_vocab_size, subword_model: the pieces of each subword side's model (a soft limit: a small corpus
            gets fewer) and its kind, "unigram" (Kudo 2018) or "bpe" (Sennrich et al. 2016).
        min_freq, max_size: vocabulary cut-offs (rarer tokens become <unk>).
        shared_vocabulary: one vocabulary from both sides' training tokens (needs the same level on both sides).
        max_source_length, max_target_length: drop longer training pairs (in tokens); null keeps them all.
        num_examples, seed: how many date pairs the generator writes per split, and its seed.
        batch_size, eval_batch_size: pairs per training / evaluation batch.
    """

    encoding_hparam = "vocabularies"

    def __init__(
        self,
        corpus: str = "dates",
        data_dir: Optional[str] = None,
        files: Optional[Mapping[str, Any]] = None,
        source_language: str = "de",
        target_language: str = "en",
        source_level: str = "word",
        target_level: str = "word",
        lowercase: bool = True,
        min_freq: int = 1,
        max_size: Optional[int] = None,
        shared_vocabulary: bool = False,
        subword_vocab_size: int = 8000,
        subword_model: str = "unigram",
        max_source_length: Optional[int] = None,
        max_target_length: Optional[int] = None,
        num_examples: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        batch_size: int = 64,
        eval_batch_size: int = 256,
        num_workers: int = 0,
    ) -> None:
        pairs = find_corpus(corpus, PAIRS)
        check_choice("data.source_level", source_level, LEVELS)
        check_choice("data.target_level", target_level, LEVELS)
        check_vocabulary_options(min_freq, max_size)
        check_choice("data.subword_model", subword_model, MODEL_TYPES)
        check_positive_ints(subword_vocab_size=subword_vocab_size)
        optional = {"max_source_length": max_source_length, "max_target_length": max_target_length}
        check_positive_ints(**{option: value for option, value in optional.items() if value is not None})
        if shared_vocabulary and source_level != target_level:
            raise ConfigError(f"data.shared_vocabulary=true needs one level on both sides, but data.source_level="
                              f"{source_level} and data.target_level={target_level}")
        sizes = {**DATES_EXAMPLES, **dict(num_examples or {})}
        check_positive_ints(**{f"num_examples.{split}": sizes[split] for split in REQUIRED})
        languages = {"source_language": source_language, "target_language": target_language}
        super().__init__(pairs, CorpusRequest(data_dir, files, sizes=sizes, seed=seed, options=languages), batch_size,
                         eval_batch_size, num_workers)
        self.source_level, self.target_level, self.lowercase = source_level, target_level, lowercase
        self.min_freq, self.max_size, self.shared_vocabulary = min_freq, max_size, shared_vocabulary
        self.max_source_length, self.max_target_length = max_source_length, max_target_length
        self.subword_vocab_size, self.subword_model = subword_vocab_size, subword_model
        self.languages = {"source": source_language, "target": target_language}
        self.levels = {"source": source_level, "target": target_level}
        self.subwords: Dict[str, SubwordModel] = {}  # the subword sides' models, trained in setup or restored
        self.source_vocabulary: Optional[Vocabulary] = None
        self.target_vocabulary: Optional[Vocabulary] = None
        self.source_tokens: Dict[str, List[List[str]]] = {}
        self.target_tokens: Dict[str, List[List[str]]] = {}
        self.source_texts: Dict[str, List[str]] = {}
        self.target_texts: Dict[str, List[str]] = {}

    def restore_encoding(self, saved: Mapping[str, Any]) -> None:
        """Encode with the checkpoint's vocabularies, ``{"source": Vocabulary.to_dict(), "target": ...,
        "subwords": {side: SubwordModel.to_dict()} (subword sides only)}``, instead of building them."""
        if not set(SIDES) <= set(saved):
            raise DataError(f"the checkpoint's vocabularies hold {sorted(saved)}, not 'source' and 'target'; "
                            "was it written by a translation task?")
        self.source_vocabulary, self.target_vocabulary = (Vocabulary.from_dict(saved[side]) for side in SIDES)
        self.subwords = {side: SubwordModel.from_dict(model) for side, model in saved.get(SUBWORDS, {}).items()}
        for side in SIDES:
            if (side in self.subwords) != (self.levels[side] == "subword"):
                level = "subword" if side in self.subwords else "word or char"
                raise ConfigError(f"data.{side}_level={self.levels[side]} but the checkpoint's {side} side is "
                                  f"{level}-level; run with the level it was trained with")

    def setup(self, stage: Optional[str] = None) -> None:
        if self.source_tokens:
            return
        for split, pairs in self.read_corpus().items():
            self.source_texts[split] = [self._text(pair.source) for pair in pairs]
            self.target_texts[split] = [self._text(pair.target) for pair in pairs]
        if not self.subwords:
            self._train_subwords()
        source_codec, target_codec = (self.codec(side) for side in SIDES)
        for split in self.source_texts:
            self.source_tokens[split] = [source_codec.tokens(text) for text in self.source_texts[split]]
            self.target_tokens[split] = [target_codec.tokens(text) for text in self.target_texts[split]]
        self._drop_long_training_pairs()
        if self.source_vocabulary is None:
            self._build_vocabularies()

    def _text(self, sentence: str) -> str:
        return sentence.lower() if self.lowercase else sentence

    def codec(self, side: str) -> SentenceCodec:
        """How ``side`` ("source" or "target") turns sentences into tokens and back."""
        return SentenceCodec(self.levels[side], self.lowercase, self.subwords.get(side), f"{side}_level")

    def _train_subwords(self) -> None:
        """A subword model for each subword side, from its training sentences (one for both with
        ``shared_vocabulary``); nothing to do without a subword side."""
        sides = [side for side in SIDES if self.levels[side] == "subword"]
        if not sides:
            return
        if "train" not in self.source_texts:
            raise DataError("subword units are learnt from the training split, which this corpus lacks")
        texts = {"source": self.source_texts["train"], "target": self.target_texts["train"]}
        moses = {side: moses_tokenized(texts[side], self.languages[side]) for side in sides}
        if self.shared_vocabulary:
            shared = SubwordModel.train(moses["source"] + moses["target"], self.subword_vocab_size,
                                        self.subword_model, self.languages["source"], "the training pairs")
            self.subwords = {side: shared.for_language(self.languages[side]) for side in SIDES}
            return
        self.subwords = {side: SubwordModel.train(moses[side], self.subword_vocab_size, self.subword_model,
                                                  self.languages[side], f"the training {side}s") for side in sides}

    def _drop_long_training_pairs(self) -> None:
        """Drop the training pairs longer than max_source_length / max_target_length tokens."""
        limited = self.max_source_length is not None or self.max_target_length is not None
        if not limited or "train" not in self.source_tokens:  # evaluating a checkpoint reads no training pairs
            return
        sources, targets = self.source_tokens["train"], self.target_tokens["train"]
        keep = [i for i in range(len(sources))
                if (self.max_source_length is None or len(sources[i]) <= self.max_source_length)
                and (self.max_target_length is None or len(targets[i]) <= self.max_target_length)]
        limits = f"data.max_source_length={self.max_source_length}, data.max_target_length={self.max_target_length}"
        if not keep:
            raise DataError(f"no training pair is short enough for {limits}; raise the limits")
        if len(keep) < len(sources):
            rank_zero_info(f"data: dropped {len(sources) - len(keep)} of {len(sources)} training pairs longer than "
                           f"{limits} tokens")
        for column in (self.source_tokens, self.target_tokens, self.source_texts, self.target_texts):
            column["train"] = [column["train"][i] for i in keep]

    def _build_vocabularies(self) -> None:
        sources, targets = self.source_tokens["train"], self.target_tokens["train"]
        if self.shared_vocabulary:
            shared = Vocabulary.build(sources + targets, self.min_freq, self.max_size, level=self.source_level,
                                      what="the training pairs (both sides)")
            self.source_vocabulary = self.target_vocabulary = shared
        else:
            self.source_vocabulary = Vocabulary.build(sources, self.min_freq, self.max_size, level=self.source_level,
                                                      what="the training sources")
            self.target_vocabulary = Vocabulary.build(targets, self.min_freq, self.max_size, level=self.target_level,
                                                      what="the training targets")

    @property
    def has_test(self) -> bool:
        return "test" in self.source_tokens

    def references(self, split: str) -> List[str]:
        """The target sentences of ``split`` as the model sees them (lower-cased when ``lowercase``)."""
        return self.target_texts[split]

    def sources(self, split: str) -> List[str]:
        """The source sentences of ``split`` as the model sees them (lower-cased when ``lowercase``)."""
        return self.source_texts[split]

    def by_side(self) -> Dict[str, Vocabulary]:
        """Both vocabularies, by side (``SIDES``: the names the task hyperparameter ``vocabularies`` gives them)."""
        return dict(zip(SIDES, (self.source_vocabulary, self.target_vocabulary)))

    def encoding_files(self) -> JSONFiles:
        """``<side>_vocab``: both sides' vocabularies; ``<side>_subwords``: each subword side's model."""
        files: JSONFiles = {f"{side}_vocab": vocabulary.to_dict() for side, vocabulary in self.by_side().items()}
        files.update({f"{side}_subwords": model.to_dict() for side, model in self.subwords.items()})
        return files

    def task_arguments(self) -> Dict[str, Any]:
        vocabularies: Dict[str, Any] = {side: vocabulary.to_dict() for side, vocabulary in self.by_side().items()}
        if self.subwords:
            vocabularies[SUBWORDS] = {side: model.to_dict() for side, model in self.subwords.items()}
        return {"vocabularies": vocabularies,
                "source_level": self.source_level, "target_level": self.target_level, "lowercase": self.lowercase}

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        sources, targets = self.source_tokens[split], self.target_tokens[split]
        source_vocabulary, target_vocabulary = self.source_vocabulary, self.target_vocabulary

        def collate(batch: List[int]) -> TranslationBatch:
            return collate_pairs([sources[i] for i in batch], [targets[i] for i in batch], source_vocabulary,
                                 target_vocabulary, batch)

        return self.bucketed_loader(split, list(range(len(sources))), [len(tokens) for tokens in sources], batch_size,
                                    shuffle, collate)

