"""LightningDataModule for language modelling: a corpus of lines -> tokens -> vocabulary -> batches.

The vocabulary is built from the training split (or given, when resuming from a checkpoint,
so that ids never change under a trained model). See :mod:`seqmodels.data.batching.language_modeling` for
the two batching modes and :mod:`seqmodels.data.corpora.builtin` for the corpora.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Dict, List, Mapping, Optional

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from seqmodels.data.batching.language_modeling import ContiguousBatches, Sentences, collate_sentences, stream_ids
from seqmodels.data.batching.resumable import InOrder, ResumableLoader
from seqmodels.data.encoding.tokenizers import tokenizer
from seqmodels.data.modules.line_corpus import LineCorpusData
from seqmodels.data.options import check_positive_ints
from seqmodels.errors import ConfigError, check_choice

BATCHING = ("bptt", "sentences")


class LanguageModelData(LineCorpusData):
    """Batches of (inputs, targets, lengths) for next-token prediction.

    Args:
        corpus: a corpus of lines: "pydoc_topics" (embedded), "wikitext-2", "ptb" or "files".
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
        check_choice("data.batching", batching, BATCHING)
        check_positive_ints(bptt=bptt)
        super().__init__(corpus, data_dir, files, download, level, lowercase, min_freq, max_size, batch_size,
                         eval_batch_size, num_workers)
        self.tokenize = tokenizer(level)  # checks the level
        self.batching, self.bptt = batching, bptt

    def tokens(self, line: str) -> List[str]:
        return self.tokenize(line.lower() if self.lowercase else line)

    def restore_encoding(self, saved: Mapping[str, Any]) -> None:
        """Encode with the checkpoint's vocabulary, of this data's level."""
        level = saved.get("level", "word")
        if level != self.level:
            raise ConfigError(f"data.level={self.level!r} but the checkpoint's vocabulary is {level}-level; "
                              f"run with data.level={level}")
        super().restore_encoding(saved)

    def stream(self, split: str) -> Tensor:
        """The ids of ``split`` as one stream, ``<eos>`` after every line."""
        return stream_ids(self.ids[split], self.vocabulary.eos_id)

    def task_arguments(self) -> Dict[str, Any]:
        """The vocabulary, the batching mode, and the training counts (the hierarchical softmax's tree)."""
        return {"vocabulary": self.vocabulary.to_dict(), "carry_state": self.batching == "bptt",
                "counts": self.target_counts()}

    def target_counts(self) -> List[int]:
        """c_w = how often id w is a target in the training split, for every id of the vocabulary (V,).

        The targets are the stream of the lines, each followed by ``<eos>`` (per-sentence batches: the non-empty
        lines), so ``<eos>`` counts once a line and ``<unk>`` once per unknown token; ``<pad>`` and ``<bos>``,
        never targets, count 0 (the Huffman tree gives them its longest codes)."""
        lines = self.ids["train"] if self.batching == "bptt" else [line for line in self.ids["train"] if line]
        return torch.bincount(stream_ids(lines, self.vocabulary.eos_id), minlength=len(self.vocabulary)).tolist()

    def split_loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        if self.batching == "bptt":
            batches = self._contiguous(split, batch_size)
            return ResumableLoader(batches, batch_size=None, sampler=InOrder(len(batches)),
                                   num_workers=self.num_workers, pin_memory=self.pin_memory())
        vocabulary = self.vocabulary
        collate = partial(collate_sentences, bos_id=vocabulary.bos_id, eos_id=vocabulary.eos_id,
                          pad_id=vocabulary.pad_id)
        sentences = Sentences(self.ids[split])
        return self.bucketed_loader(split, sentences, [len(s) for s in sentences.sentences], batch_size, shuffle,
                                    collate)

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
