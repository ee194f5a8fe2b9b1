"""LightningDataModule for language modelling: a corpus -> tokens -> vocabulary -> batches.

The vocabulary is built from the training split (or given, when resuming from a checkpoint,
so that ids never change under a trained model). See :mod:`seqmodels.data.lm_batching` for
the two batching modes and :mod:`seqmodels.data.corpora` for the corpora.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Union

from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data.corpora import corpus_lines
from seqmodels.data.lm_batching import ContiguousBatches, Sentences, collate_sentences, stream_ids
from seqmodels.data.resumable import InOrder, ResumableLoader
from seqmodels.data.split_data import SplitData, check_choice, check_positive_ints
from seqmodels.data.tokenizers import tokenizer
from seqmodels.data.vocabulary import Vocabulary, check_vocabulary_options
from seqmodels.errors import ConfigError

BATCHING = ("bptt", "sentences")


class LanguageModelData(SplitData):
    """Batches of (inputs, targets, lengths) for next-token prediction.

    Args:
        corpus: "pydoc_topics" (embedded), "wikitext-2", "ptb" or "files".
        data_dir: the folder holding the corpora (``paths.data_dir``).
        files: for corpus="files": {"train": path, "valid": path, "test": path (optional)}.
        download: fetch a missing standard corpus into ``data_dir`` (checksum-verified).
        level: "word" or "char" tokens.
        lowercase: lower-case the text before tokenising.
        min_freq, max_size: vocabulary cut-offs; rarer tokens become ``<unk>``.
        batching: "bptt" (contiguous stream, state carried across batches) or "sentences" (batches of
            sentences of similar length, the state starting from zero).
        bptt: steps per batch (truncated backpropagation through time) for "bptt".
        batch_size, eval_batch_size: rows per training / validation-and-test batch.
    """

    def __init__(
        self,
        corpus: str = "pydoc_topics",
        data_dir: Optional[str] = None,
        files: Optional[Mapping[str, Optional[str]]] = None,
        download: bool = False,
        level: str = "char",
        lowercase: bool = False,
        min_freq: int = 1,
        max_size: Optional[int] = None,
        batching: str = "bptt",
        bptt: int = 35,
        batch_size: int = 20,
        eval_batch_size: int = 10,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        check_choice("batching", batching, BATCHING)
        check_positive_ints(bptt=bptt, batch_size=batch_size, eval_batch_size=eval_batch_size)
        check_vocabulary_options(min_freq, max_size)
        self.tokenize = tokenizer(level)  # checks the level
        self.corpus, self.data_dir, self.files, self.download = corpus, data_dir, files, download
        self.level, self.lowercase, self.min_freq, self.max_size = level, lowercase, min_freq, max_size
        self.batching, self.bptt = batching, bptt
        self.batch_size, self.eval_batch_size, self.num_workers = batch_size, eval_batch_size, num_workers
        self.vocabulary: Optional[Vocabulary] = None
        self.ids: Dict[str, List[List[int]]] = {}

    vocabulary_hparam = "vocabulary"  # the task hyperparameter that holds the vocabulary in a checkpoint

    def use_vocabulary(self, vocabulary: Union[Vocabulary, Mapping[str, Any]]) -> None:
        """Encode with this vocabulary instead of building one (resuming a trained model)."""
        if not isinstance(vocabulary, Vocabulary):
            vocabulary = Vocabulary.from_dict(vocabulary)
        if vocabulary.level != self.level:
            raise ConfigError(
                f"data.level={self.level!r} but the checkpoint's vocabulary is {vocabulary.level}-level; "
                f"run with data.level={vocabulary.level}"
            )
        self.vocabulary = vocabulary

    def prepare_data(self) -> None:
        if self.download:  # once, on the main process; setup() then reads the files
            corpus_lines(self.corpus, self.data_dir, self.files, download=True)

    def setup(self, stage: Optional[str] = None) -> None:
        if self.ids:
            return
        lines = corpus_lines(self.corpus, self.data_dir, self.files)
        tokens = {split: [self.tokenize(line.lower() if self.lowercase else line) for line in split_lines]
                  for split, split_lines in lines.items()}
        if self.vocabulary is None:
            self.vocabulary = Vocabulary.build(tokens["train"], self.min_freq, self.max_size, level=self.level)
        self.ids = {split: [self.vocabulary.encode(sentence) for sentence in sentences]
                    for split, sentences in tokens.items()}

    @property
    def has_test(self) -> bool:
        return "test" in self.ids

    def stream(self, split: str) -> Tensor:
        """The ids of ``split`` as one stream, ``<eos>`` after every line."""
        return stream_ids(self.ids[split], self.vocabulary.eos_id)

    def vocabularies(self) -> Dict[str, Vocabulary]:
        """What is written as JSON next to the checkpoints."""
        return {"vocab": self.vocabulary}

    def task_arguments(self) -> Dict[str, Any]:
        """What the task needs from the data, as plain values (they go into the checkpoint)."""
        return {"vocabulary": self.vocabulary.to_dict(), "carry_state": self.batching == "bptt"}

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        if self.batching == "bptt":
            batches = self._contiguous(split, batch_size)
            return ResumableLoader(batches, batch_size=None, sampler=InOrder(len(batches)),
                                   num_workers=self.num_workers, pin_memory=self.pin_memory())
        vocabulary = self.vocabulary
        collate = partial(collate_sentences, bos_id=vocabulary.bos_id, eos_id=vocabulary.eos_id,
                          pad_id=vocabulary.pad_id)
        sentences = Sentences(self.ids[split])
        batches = self.buckets(split, [len(s) for s in sentences.sentences], batch_size, shuffle)
        return ResumableLoader(sentences, batch_sampler=batches, collate_fn=collate, num_workers=self.num_workers,
                               pin_memory=self.pin_memory())

    def _contiguous(self, split: str, batch_size: int) -> ContiguousBatches:
        """This process's BPTT batches: training reads its own ``batch_size`` rows of the stream; evaluation
        its share of the rows one process would read, so that the perplexity is the single-process one."""
        shard, num_shards = self.shard()
        if split == "train":
            return ContiguousBatches(self.stream(split), batch_size, self.bptt, shard, num_shards)
        if batch_size < num_shards:
            raise ConfigError(f"data.eval_batch_size={batch_size}: evaluation shares its rows among the "
                              f"{num_shards} processes; give at least {num_shards}")
        return ContiguousBatches(self.stream(split), batch_size, self.bptt, shard, num_shards, split_rows=True)
