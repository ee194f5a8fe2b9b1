"""The two ways to batch a language-model corpus.

Contiguous (BPTT) batching, as in the classic word-level LM recipes: the whole split is one
stream of ids (``<eos>`` after each line), cut into ``batch_size`` rows of equal length read
side by side; batch i holds columns ``[i*bptt, (i+1)*bptt)`` of every row and its targets are
the same columns shifted by one. Row r of batch i+1 continues row r of batch i, so the model
carries its hidden state from one batch to the next (detached: truncated backprop through time).

Per-sentence batching: every line is its own sequence ``<bos> w1 .. wn`` -> ``w1 .. wn <eos>``,
padded to the longest of its batch; the state starts from zero every sentence.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch.utils.data import Dataset

# (inputs (B, T), targets (B, T), lengths (B,) or None when every row is full)
LMBatch = Tuple[Tensor, Tensor, Optional[Tensor]]


def stream_ids(sentences: Sequence[Sequence[int]], eos_id: int) -> Tensor:
    """One 1-D stream: every sentence followed by ``<eos>``."""
    total = sum(len(sentence) + 1 for sentence in sentences)
    stream = torch.empty(total, dtype=torch.long)
    position = 0
    for sentence in sentences:
        stream[position : position + len(sentence)] = torch.as_tensor(sentence, dtype=torch.long)
        stream[position + len(sentence)] = eos_id
        position += len(sentence) + 1
    return stream


class ContiguousBatches(Dataset):
    """Item i is batch i of a stream cut into ``batch_size`` rows (see the module docstring).

    With ``num_shards`` > 1 (data-parallel training) the stream is cut into
    ``batch_size * num_shards`` rows and this dataset serves the rows of shard ``shard``,
    so every process reads its own rows in order and its carried state stays valid.

    With ``split_rows`` (data-parallel evaluation) the stream is cut into ``batch_size`` rows, as
    one process would cut it, and shard ``shard`` serves rows ``shard::num_shards``: together the
    processes compute exactly what one process computes (each row carries its own state), so the
    perplexity does not depend on the number of processes. Every shard has as many batches.
    """

    def __init__(self, stream: Tensor, batch_size: int, bptt: int, shard: int = 0, num_shards: int = 1,
                 split_rows: bool = False) -> None:
        if batch_size < 1 or bptt < 1:
            raise ValueError(f"ContiguousBatches: batch_size and bptt must be >= 1, got {batch_size}, {bptt}")
        if split_rows and batch_size < num_shards:
            raise ValueError(f"ContiguousBatches: {batch_size} rows cannot be split among {num_shards} shards")
        rows = batch_size if split_rows else batch_size * num_shards
        row_length = (len(stream) - 1) // rows  # -1: every input needs the next token as target
        if row_length < 1:
            raise ValueError(
                f"ContiguousBatches: a stream of {len(stream)} tokens is too short for {rows} rows; "
                "lower the batch size"
            )
        inputs = stream[: rows * row_length].view(rows, row_length)
        targets = stream[1 : rows * row_length + 1].view(rows, row_length)
        mine = slice(shard, None, num_shards) if split_rows else slice(shard * batch_size, (shard + 1) * batch_size)
        self.inputs, self.targets = inputs[mine], targets[mine]
        self.bptt = bptt

    def __len__(self) -> int:
        return -(-self.inputs.size(1) // self.bptt)

    def __getitem__(self, index: int) -> LMBatch:
        if not 0 <= index < len(self):
            raise IndexError(index)
        columns = slice(index * self.bptt, (index + 1) * self.bptt)
        return self.inputs[:, columns], self.targets[:, columns], None


class Sentences(Dataset):
    """Item i is sentence i as ids (no specials); :func:`collate_sentences` makes batches."""

    def __init__(self, sentences: Sequence[Sequence[int]]) -> None:
        self.sentences = [torch.as_tensor(s, dtype=torch.long) for s in sentences if len(s) > 0]

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, index: int) -> Tensor:
        return self.sentences[index]


def collate_sentences(sentences: List[Tensor], bos_id: int, eos_id: int, pad_id: int) -> LMBatch:
    """``<bos> w1..wn`` -> ``w1..wn <eos>``, right-padded with ``<pad>``; lengths n+1 each."""
    lengths = torch.tensor([len(s) + 1 for s in sentences])
    inputs = torch.full((len(sentences), int(lengths.max())), pad_id, dtype=torch.long)
    targets = torch.full_like(inputs, pad_id)
    for row, sentence in enumerate(sentences):
        inputs[row, 0] = bos_id
        inputs[row, 1 : len(sentence) + 1] = sentence
        targets[row, : len(sentence)] = sentence
        targets[row, len(sentence)] = eos_id
    return inputs, targets, lengths
