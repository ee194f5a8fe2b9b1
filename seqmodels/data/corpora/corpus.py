"""What a corpus is: examples of one kind in splits named ``train``, ``valid`` and (when it has one) ``test``.

A corpus is made in one of four ways, each a class, so that its registry entry says which:

- :class:`EmbeddedCorpus`: shipped with Python or seqmodels, the same splits every time;
- :class:`GeneratedCorpus`: drawn by a seeded generator, as many examples per split as the config asks;
- :class:`~seqmodels.data.corpora.published.PublishedCorpus`: published files read from ``<data_dir>/<folder>``
  (and fetched there on request when their public home is known);
- :class:`~seqmodels.data.corpora.user_files.UserFiles`: the user's own files, ``data.files.<split>``.

Its kind says what its examples are, and so which DataModules read it (one kind per family of tasks). A
DataModule hands its corpus a :class:`CorpusRequest` (its ``data.*`` options); each corpus reads what it needs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

SPLITS = ("train", "valid", "test")
REQUIRED = ("train", "valid")  # test is optional everywhere (some test splits are kept back)

# The kinds of example: what ``Corpus.read`` returns for each split.
LINES = "lines of text"        # str: a line (language model, word2vec)
TAGGED = "tagged sentences"    # seqmodels.data.corpora.conll.TaggedSentence (tagging)
LABELLED = "labelled texts"    # seqmodels.data.corpora.labelled_text.LabelledText (classification)
PAIRS = "sentence pairs"       # anything with .source and .target strings (translation)
SEQUENCES = "memory problems"  # one (inputs, targets) pair of tensors per split (the memory problems)

Paths = Tuple[Path, ...]  # a split's file, or its two aligned files (source, target)
Reader = Callable[[Paths, Mapping[str, Any]], List[Any]]  # (paths, request.options) -> the examples of the file(s)
Generator = Callable[[int, int, Mapping[str, Any]], Any]  # (count, seed, request.options) -> one split's examples
Check = Callable[[Mapping[str, Any]], None]  # request.options -> None, or a ConfigError naming a data.* option


def no_check(options: Mapping[str, Any]) -> None:
    """Every option is fine: the corpus uses none, or its reader checks them."""


@dataclass(frozen=True)
class CorpusRequest:
    """The ``data.*`` options a DataModule passes to its corpus.

    Attributes:
        data_dir: the folder of the published corpora (``paths.data_dir``).
        files: the user's files, ``{split: path}`` (``{split: {source: path, target: path}}`` for pairs).
        download: fetch a missing published file from its public home.
        sizes: examples per split of a generated corpus (0 or absent: no such split).
        seed: of a generated corpus; split i of ``SPLITS`` is drawn with ``seed + i``.
        options: the reader's or generator's own options (``tag_column``, ``distance``, ``length``, ...).
        splits: the splits to read (the others are not looked at); required: those whose files must be there
            (a generated or embedded corpus reads what it has of ``splits``).
    """

    data_dir: Optional[str] = None
    files: Optional[Mapping[str, Any]] = None
    download: bool = False
    sizes: Mapping[str, int] = field(default_factory=dict)
    seed: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    splits: Tuple[str, ...] = SPLITS
    required: Tuple[str, ...] = REQUIRED

    def test_only(self) -> CorpusRequest:
        """This request for the test split alone (evaluating a trained model): its file must then be there."""
        return replace(self, splits=("test",), required=("test",))


class Corpus(ABC):
    """A corpus by name, for one kind of example (``LINES``, ``TAGGED``, ``LABELLED``, ``PAIRS``, ``SEQUENCES``).

    Attributes (dataclass fields of the subclasses): ``name`` (``data.corpus=<name>``), ``kind``, and
    ``check_options``, called with ``request.options`` when the DataModule is built, before anything is read:
    a ``ConfigError`` naming an option this corpus cannot use.
    """

    name: str
    kind: str
    check_options: Check

    @abstractmethod
    def read(self, request: CorpusRequest) -> Dict[str, Any]:
        """``{split: examples}``: train and valid always, test when the corpus has one."""

    @abstractmethod
    def where(self, split: str, request: CorpusRequest) -> str:
        """How an error names ``split``: its file(s), or what made it."""

    def fetch(self, request: CorpusRequest) -> None:
        """Download what is missing (``data.download=true``; once, on the main process, before ``read``).
        Only published corpora have anything to fetch."""


@dataclass(frozen=True)
class EmbeddedCorpus(Corpus):
    """Shipped with Python or seqmodels: ``load()`` gives the same splits every time, whatever the options."""

    name: str
    kind: str
    load: Callable[[], Dict[str, Any]]
    what: str  # how errors name it, e.g. "Python's documentation topics"
    check_options: Check = no_check

    def read(self, request: CorpusRequest) -> Dict[str, Any]:
        return {split: examples for split, examples in self.load().items() if split in request.splits}

    def where(self, split: str, request: CorpusRequest) -> str:
        return f"the {split} split of {self.what}"


@dataclass(frozen=True)
class GeneratedCorpus(Corpus):
    """Drawn by a seeded generator: split i of ``SPLITS`` is ``generate(sizes[split], seed + i, options)``, so
    each split is the same for a seed and the splits differ; a split of size 0 (or none) is left out."""

    name: str
    kind: str
    generate: Generator
    what: str  # what errors call one split's examples, e.g. "reviews" ("the generated valid reviews")
    check_options: Check = no_check

    def read(self, request: CorpusRequest) -> Dict[str, Any]:
        return {split: self.generate(request.sizes[split], request.seed + number, request.options)
                for number, split in enumerate(SPLITS) if split in request.splits and request.sizes.get(split)}

    def where(self, split: str, request: CorpusRequest) -> str:
        return f"the generated {split} {self.what}"


def describe(paths: Paths) -> str:
    """How an error names a split's file(s)."""
    return ", ".join(str(path) for path in paths)
