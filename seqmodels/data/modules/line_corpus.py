"""What the language model's and word2vec's data share: a corpus of lines (``pydoc_topics``, ``wikitext-2``,
``ptb`` or ``files``), each line split into tokens, one vocabulary built from the training split (or restored
from a checkpoint), and every split's lines as ids."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, List, Mapping, Optional

from seqmodels.data.corpora.corpus import LINES, CorpusRequest
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.data.encoding.vocabulary import Vocabulary, check_vocabulary_options, encode_splits
from seqmodels.data.modules.base import JSONFiles, TaskData


class LineCorpusData(TaskData):
    """A corpus of lines, encoded with one vocabulary: ``ids[split]`` holds the ids of every line of ``split``.

    Args:
        corpus, data_dir, files, download: the corpus (``data.corpus``), where the published ones live
            (``paths.data_dir``), the user's files (corpus="files") and whether to fetch a missing one.
        level: of the tokens ("word" or "char"), and so of the vocabulary.
        lowercase: lower-case the text. min_freq, max_size: vocabulary cut-offs (rarer tokens become ``<unk>``).
        batch_size, eval_batch_size, num_workers: as for every :class:`TaskData`.
    """

    encoding_hparam = "vocabulary"

    def __init__(self, corpus: str, data_dir: Optional[str], files: Optional[Mapping[str, Optional[str]]],
                 download: bool, level: str, lowercase: bool, min_freq: int, max_size: Optional[int], batch_size: int,
                 eval_batch_size: int, num_workers: int) -> None:
        check_vocabulary_options(min_freq, max_size)
        super().__init__(find_corpus(corpus, LINES), CorpusRequest(data_dir, files, download), batch_size,
                         eval_batch_size, num_workers)
        self.level, self.lowercase, self.min_freq, self.max_size = level, lowercase, min_freq, max_size
        self.vocabulary: Optional[Vocabulary] = None
        self.ids: Dict[str, List[List[int]]] = {}

    @abstractmethod
    def tokens(self, line: str) -> List[str]:
        """The tokens of one line of the corpus."""

    def restore_encoding(self, saved: Mapping[str, Any]) -> None:
        """Encode with the checkpoint's vocabulary (``Vocabulary.to_dict()``) instead of building one."""
        self.vocabulary = Vocabulary.from_dict(saved)

    def setup(self, stage: Optional[str] = None) -> None:
        if self.ids:
            return
        tokens = {split: [self.tokens(line) for line in lines] for split, lines in self.read_corpus().items()}
        self.vocabulary, self.ids = encode_splits(tokens, self.vocabulary, self.min_freq, self.max_size, self.level)

    @property
    def has_test(self) -> bool:
        return "test" in self.ids

    def encoding_files(self) -> JSONFiles:
        return {"vocab": self.vocabulary.to_dict()}
