"""The sentence classifier (many-to-one): one label for a whole text.

Two encoders, as the course contrasts them (both read w̃<t>: the word, or <unk> with probability
``word_dropout`` while training, Iyyer et al. 2015):

- ``mean``: the average of the word embeddings, h = (1/T) Σ_t E x<t>, then ŷ = softmax(W h + b).
  Order-invariant: "the food was good but the service was bad" and its swap get the same h.
- ``rnn``: a<1..T> = RNN(E x<1..T>) (any cell, backend, depth, direction), pooled into h by
  ``last`` (the state at each text's real last token; bidirectional: [→a<T>, ←a<1>]), ``max``
  (element-wise max over t), ``mean`` (over the real tokens) or ``max_mean`` (both side by side,
  h = [max_t a<t>, (1/T) Σ_t a<t>]: the strongest signal and the overall tone), then ŷ = softmax(W h + b).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from seqmodels.errors import check_choice
from seqmodels.nn.recurrent_options import RecurrentOptions
from seqmodels.nn.word_dropout import WordDropout

ENCODERS = ("mean", "rnn")
POOLINGS = ("last", "max", "mean", "max_mean")


class Classifier(nn.Module):
    """Logits (B, C) of ``num_classes`` labels for (B, T) word ids with their lengths.

    Args:
        vocab_size, num_classes: the sizes of the input vocabulary and of the label set.
        encoder: "mean" or "rnn"; pooling: "last", "max", "mean" or "max_mean" (for "rnn").
        recurrent: the Recurrent of the "rnn" encoder; its dropout also applies to the embeddings and to h.
        embedding_size: E, the size of the word embeddings.
        pad_id, unk_id: the padding and <unk> word ids.
        word_dropout: while training, the probability that a word is read as <unk>.
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        encoder: str = "rnn",
        pooling: str = "last",
        recurrent: RecurrentOptions = RecurrentOptions(dropout=0.3),
        embedding_size: int = 100,
        pad_id: int = 0,
        unk_id: int = 1,
        word_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_choice("encoder", encoder, ENCODERS, ValueError)
        check_choice("pooling", pooling, POOLINGS, ValueError)
        self.encoder_kind, self.pooling = encoder, pooling
        self.word_dropout = WordDropout(word_dropout, unk_id, pad_id)
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        self.dropout = nn.Dropout(recurrent.dropout)
        self.recurrent = recurrent.build(embedding_size) if encoder == "rnn" else None
        features = embedding_size if self.recurrent is None else (
            self.recurrent.output_size * (2 if pooling == "max_mean" else 1))
        self.output = nn.Linear(features, num_classes)

    def encode(self, words: Tensor, lengths: Tensor) -> Tensor:
        """h (B, D): the text as one vector."""
        mask = (torch.arange(words.size(1), device=words.device) < lengths.to(words.device).unsqueeze(1)).unsqueeze(2)
        embedded = self.dropout(self.embedding(self.word_dropout(words)))
        if self.recurrent is None:
            return mean_over_time(embedded, mask, lengths)                                # (1/T) Σ_t E x<t>
        outputs, final = self.recurrent(embedded, lengths=lengths)
        if self.pooling == "last":
            return self.recurrent.summary(final)                                         # [→a<T>, ←a<1>]
        if self.pooling == "max":
            return max_over_time(outputs, mask)
        if self.pooling == "mean":
            return mean_over_time(outputs, mask, lengths)
        return torch.cat([max_over_time(outputs, mask), mean_over_time(outputs, mask, lengths)], dim=1)  # [max, mean]

    def forward(self, words: Tensor, lengths: Tensor) -> Tensor:
        return self.output(self.dropout(self.encode(words, lengths)))


def max_over_time(outputs: Tensor, mask: Tensor) -> Tensor:
    """max_t a<t> (B, D), element-wise over the real tokens (``mask`` (B, T, 1) is True on them)."""
    return outputs.masked_fill(~mask, float("-inf")).amax(dim=1)


def mean_over_time(outputs: Tensor, mask: Tensor, lengths: Tensor) -> Tensor:
    """(1/T) Σ_t a<t> (B, D) over each text's T real tokens."""
    return (outputs * mask).sum(dim=1) / lengths.to(outputs).unsqueeze(1)
