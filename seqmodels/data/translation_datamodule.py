"""LightningDataModule for translation: sentence pairs -> source and target vocabularies -> batches.

Corpora:
- ``dates``: the embedded generator of human-written dates and their ISO form (:mod:`seqmodels.data.dates`),
  best read character by character (``source_level=char``, ``target_level=char``);
- ``multi30k``: ``<data_dir>/multi30k/train.<lang>.gz`` and ``val.<lang>.gz`` (valid), and
  ``test_2016_flickr.<lang>.gz`` when present; German to English by default (``source_language`` /
  ``target_language`` turn it around);
- ``files``: your own corpus (``files.train`` / ``valid`` / ``test``), each split either
  ``{source: path, target: path}`` (two aligned files) or the path of a ``source<TAB>target`` file.

Sentences are split into words or characters by :func:`seqmodels.data.parallel_text.translation_tokens`; the
vocabularies come from the training split (one shared by both sides with ``shared_vocabulary``). Training
pairs longer than ``max_source_length`` / ``max_target_length`` tokens are dropped; valid and test never are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import torch
from pytorch_lightning.utilities import rank_zero_info
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data import dates
from seqmodels.data.parallel_text import LEVELS, read_parallel, read_parallel_tsv, translation_tokens
from seqmodels.data.resumable import ResumableLoader
from seqmodels.data.split_data import REQUIRED, SplitData, check_choice, check_positive_ints, corpus_files
from seqmodels.data.vocabulary import Vocabulary, check_vocabulary_options
from seqmodels.errors import ConfigError, DataError

CORPORA = ("dates", "multi30k", "files")
SPLITS = ("train", "valid", "test")
DATES_EXAMPLES = {"train": 20000, "valid": 1000, "test": 1000}
MULTI30K = {"train": "train", "valid": "val", "test": "test_2016_flickr"}  # file stems: <stem>.<language>.gz


class TranslationBatch(NamedTuple):
    source: Tensor          # (B, Tx) source ids, source pad_id past each length
    source_lengths: Tensor  # (B,) long, on the CPU
    target: Tensor          # (B, Ty+2): <bos> y1 .. yTy <eos>, then target pad_id
    target_lengths: Tensor  # (B,) Ty+1: the tokens to predict, <eos> included
    index: Tensor           # (B,) each pair's position in its split


def collate_pairs(source_tokens: Sequence[Sequence[str]], target_tokens: Optional[Sequence[Sequence[str]]],
                  source_vocabulary: Vocabulary, target_vocabulary: Vocabulary,
                  indices: Sequence[int]) -> TranslationBatch:
    """A padded batch of tokenised pairs; without ``target_tokens`` (prediction) each target is ``<bos> <eos>``."""
    if any(len(tokens) == 0 for tokens in source_tokens):
        raise DataError("an empty source sentence cannot be translated")
    source_lengths = torch.tensor([len(tokens) for tokens in source_tokens], dtype=torch.long)
    source = torch.full((len(source_tokens), int(source_lengths.max())), source_vocabulary.pad_id, dtype=torch.long)
    for row, tokens in enumerate(source_tokens):
        source[row, :len(tokens)] = torch.tensor(source_vocabulary.encode(tokens))
    targets = [[target_vocabulary.bos_id] + target_vocabulary.encode(tokens) + [target_vocabulary.eos_id]
               for tokens in (target_tokens if target_tokens is not None else [[]] * len(source_tokens))]
    target_lengths = torch.tensor([len(ids) - 1 for ids in targets], dtype=torch.long)
    target = torch.full((len(targets), int(target_lengths.max()) + 1), target_vocabulary.pad_id, dtype=torch.long)
    for row, ids in enumerate(targets):
        target[row, :len(ids)] = torch.tensor(ids)
    index = torch.tensor(list(indices), dtype=torch.long)
    return TranslationBatch(source, source_lengths, target, target_lengths, index)


class TranslationData(SplitData):
    """Batches (:class:`TranslationBatch`) of sentence pairs.

    Args:
        corpus: "dates", "multi30k" or "files" (above); data_dir: ``paths.data_dir``.
        files: for corpus="files": {"train": ..., "valid": ..., "test": ... or null}, each
            {"source": path, "target": path} or the path of a TSV file (source<TAB>target).
        source_language, target_language: Multi30k's file suffixes ("de", "en").
        source_level, target_level: "word" or "char". lowercase: lower-case both sides (and the references).
        min_freq, max_size: vocabulary cut-offs (rarer tokens become <unk>).
        shared_vocabulary: one vocabulary from both sides' training tokens (needs the same level on both sides).
        max_source_length, max_target_length: drop longer training pairs (in tokens); null keeps them all.
        num_examples, seed: how many date pairs the generator writes per split, and its seed.
        batch_size, eval_batch_size: pairs per training / evaluation batch.
    """

    vocabulary_hparam = "vocabularies"  # the task hyperparameter that holds the vocabularies in a checkpoint

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
        max_source_length: Optional[int] = None,
        max_target_length: Optional[int] = None,
        num_examples: Optional[Mapping[str, int]] = None,
        seed: int = 0,
        batch_size: int = 64,
        eval_batch_size: int = 256,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        check_choice("corpus", corpus, CORPORA)
        check_choice("source_level", source_level, LEVELS)
        check_choice("target_level", target_level, LEVELS)
        check_positive_ints(batch_size=batch_size, eval_batch_size=eval_batch_size)
        check_vocabulary_options(min_freq, max_size)
        optional = {"max_source_length": max_source_length, "max_target_length": max_target_length}
        check_positive_ints(**{option: value for option, value in optional.items() if value is not None})
        if shared_vocabulary and source_level != target_level:
            raise ConfigError(f"data.shared_vocabulary=true needs one level on both sides, but data.source_level="
                              f"{source_level} and data.target_level={target_level}")
        self.num_examples = {**DATES_EXAMPLES, **dict(num_examples or {})}
        check_positive_ints(**{f"num_examples.{split}": self.num_examples[split] for split in REQUIRED})
        self.corpus, self.data_dir, self.files = corpus, data_dir, files
        self.source_language, self.target_language = source_language, target_language
        self.source_level, self.target_level, self.lowercase = source_level, target_level, lowercase
        self.min_freq, self.max_size, self.shared_vocabulary = min_freq, max_size, shared_vocabulary
        self.max_source_length, self.max_target_length, self.seed = max_source_length, max_target_length, seed
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers
        self.source_vocabulary: Optional[Vocabulary] = None
        self.target_vocabulary: Optional[Vocabulary] = None
        self.source_tokens: Dict[str, List[List[str]]] = {}
        self.target_tokens: Dict[str, List[List[str]]] = {}
        self.source_texts: Dict[str, List[str]] = {}
        self.target_texts: Dict[str, List[str]] = {}

    def use_vocabulary(self, vocabularies: Mapping[str, Any]) -> None:
        """Encode with a trained model's vocabularies, ``{"source": Vocabulary.to_dict(), "target": ...}``,
        instead of building them (resuming)."""
        if not {"source", "target"} <= set(vocabularies):
            raise DataError(f"the checkpoint's vocabularies hold {sorted(vocabularies)}, not 'source' and 'target'; "
                            "was it written by a translation task?")
        self.source_vocabulary = Vocabulary.from_dict(vocabularies["source"])
        self.target_vocabulary = Vocabulary.from_dict(vocabularies["target"])

    def setup(self, stage: Optional[str] = None) -> None:
        if self.source_tokens:
            return
        for split, pairs in self._read().items():
            sources = [self._text(source) for source, _ in pairs]
            targets = [self._text(target) for _, target in pairs]
            self.source_texts[split], self.target_texts[split] = sources, targets
            self.source_tokens[split] = [translation_tokens(s, self.source_level, False, "source_level")
                                         for s in sources]
            self.target_tokens[split] = [translation_tokens(t, self.target_level, False, "target_level")
                                         for t in targets]
        self._drop_long_training_pairs()
        if self.source_vocabulary is None:
            self._build_vocabularies()

    def _text(self, sentence: str) -> str:
        return sentence.lower() if self.lowercase else sentence

    def _read(self) -> Dict[str, List[Tuple[str, str]]]:
        """{split: [(source, target)]}, the raw sentences."""
        if self.corpus == "dates":
            return {split: [(pair.source, pair.target) for pair in dates.generate(self.num_examples[split],
                                                                                  self.seed + number)]
                    for number, split in enumerate(SPLITS) if self.num_examples.get(split)}
        read = {}
        for split, where in self._paths().items():
            pairs = read_parallel_tsv(where) if isinstance(where, Path) else read_parallel(*where)
            read[split] = [(pair.source, pair.target) for pair in pairs]
        return read

    def _paths(self) -> Dict[str, Any]:
        """{split: (source path, target path), or the path of a TSV file}."""
        if self.corpus == "multi30k":
            names = {language: {split: f"{stem}.{language}.gz" for split, stem in MULTI30K.items()}
                     for language in (self.source_language, self.target_language)}
            what = (f"Multi30k's train.{self.source_language}.gz, train.{self.target_language}.gz, "
                    f"val.{self.source_language}.gz and val.{self.target_language}.gz (github.com/multi30k/dataset, "
                    "data/task1/raw)")
            sources = corpus_files(self.data_dir, "multi30k", names[self.source_language], what)
            targets = corpus_files(self.data_dir, "multi30k", names[self.target_language], what)
            return {split: (sources[split], targets[split]) for split in sources if split in targets}
        return pair_files(self.files)

    def _drop_long_training_pairs(self) -> None:
        """Drop the training pairs longer than max_source_length / max_target_length tokens."""
        if self.max_source_length is None and self.max_target_length is None:
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

    def vocabularies(self) -> Dict[str, Any]:
        """What is written as JSON next to the checkpoints: both sides' vocabularies."""
        return {"source_vocab": self.source_vocabulary, "target_vocab": self.target_vocabulary}

    def task_arguments(self) -> Dict[str, Any]:
        """What the task needs from the data, as plain values (they go into the checkpoint)."""
        vocabularies = {"source": self.source_vocabulary.to_dict(), "target": self.target_vocabulary.to_dict()}
        return {"vocabularies": vocabularies,
                "source_level": self.source_level, "target_level": self.target_level, "lowercase": self.lowercase}

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        sources, targets = self.source_tokens[split], self.target_tokens[split]
        source_vocabulary, target_vocabulary = self.source_vocabulary, self.target_vocabulary

        def collate(batch: List[int]) -> TranslationBatch:
            return collate_pairs([sources[i] for i in batch], [targets[i] for i in batch], source_vocabulary,
                                 target_vocabulary, batch)

        sampler = self.buckets(split, [len(tokens) for tokens in sources], batch_size, shuffle)
        return ResumableLoader(list(range(len(sources))), batch_sampler=sampler, collate_fn=collate,
                               num_workers=self.num_workers, pin_memory=self.pin_memory())


def pair_files(files: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """{split: (source path, target path) or TSV path} of ``data.files``; train and valid must be set."""
    files = dict(files or {})
    chosen: Dict[str, Any] = {}
    for split in SPLITS:
        entry = files.get(split)
        if _unset(entry):
            if split in REQUIRED:
                raise ConfigError(f"data.files.{split} is not set: give {{source: path, target: path}} or the path "
                                  "of a source<TAB>target file")
        elif isinstance(entry, (str, Path)):
            chosen[split] = Path(entry)
        elif isinstance(entry, Mapping):
            for side in ("source", "target"):
                if _unset(entry.get(side)):
                    raise ConfigError(f"data.files.{split}.{side} is not set: give the path of the {side} file")
            chosen[split] = (Path(entry["source"]), Path(entry["target"]))
        else:
            raise ConfigError(f"data.files.{split}={entry!r}: give {{source: path, target: path}} or the path of a "
                              "source<TAB>target file")
    return chosen


def _unset(value: Any) -> bool:
    return not value or value == "???"
