"""The recurrent language model: embedding -> Recurrent -> dropout -> softmax over the vocabulary.

    e<t> = E x<t>                         (embedding, dropout)
    a<t> = RNN(e<t>, a<t-1>)              (any cell, any backend, num_layers deep)
    ŷ<t> = softmax(W_y dropout(a<t>) + b_y)   = P(y<t> | y<1>, ..., y<t-1>)

With ``tie_weights`` the output matrix is the embedding matrix (W_y = E; Press & Wolf 2017),
which needs embedding_size == hidden_size.
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from seqmodels.nn.linear_cross_entropy import linear_cross_entropy
from seqmodels.nn.recurrent import State
from seqmodels.nn.recurrent_options import RecurrentOptions


class LanguageModel(nn.Module):
    """Next-token predictor over a vocabulary of ``vocab_size`` ids.

    Args:
        vocab_size: V, the size of the softmax.
        recurrent: the Recurrent, one direction only; its dropout also applies to the embeddings and before
            the softmax.
        embedding_size: E, the size of the embeddings.
        tie_weights: share E between the input embedding and the output layer.
        pad_id: the id whose embedding stays zero (padding).
    """

    def __init__(
        self,
        vocab_size: int,
        recurrent: RecurrentOptions = RecurrentOptions(hidden_size=256),
        embedding_size: int = 128,
        tie_weights: bool = False,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        if recurrent.bidirectional:
            raise ValueError("bidirectional=True: a language model predicts each token from the ones before it, "
                             "and a backward direction would read the very token it must predict")
        if tie_weights and embedding_size != recurrent.hidden_size:
            raise ValueError(
                f"tie_weights=True shares the embedding with the output layer, so embedding_size "
                f"({embedding_size}) must equal hidden_size ({recurrent.hidden_size})"
            )
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        self.recurrent = recurrent.build(embedding_size)
        self.dropout = nn.Dropout(recurrent.dropout)
        self.output = nn.Linear(recurrent.hidden_size, vocab_size)
        if tie_weights:
            self.output.weight = self.embedding.weight
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.zeros_(self.output.bias)
        if not tie_weights:
            nn.init.uniform_(self.output.weight, -0.1, 0.1)
        with torch.no_grad():
            self.embedding.weight[pad_id].zero_()

    @property
    def vocab_size(self) -> int:
        return self.output.out_features

    def features(self, tokens: Tensor, state: Optional[State] = None,
                 lengths: Optional[Tensor] = None) -> Tuple[Tensor, State]:
        """a<t> after dropout, (B, T, H), and the final state: everything but the softmax layer."""
        embedded = self.dropout(self.embedding(tokens))
        hidden, final = self.recurrent(embedded, state, lengths=lengths)
        return self.dropout(hidden), final

    def forward(self, tokens: Tensor, state: Optional[State] = None,
                lengths: Optional[Tensor] = None) -> Tuple[Tensor, State]:
        """Logits (B, T, V) of the next token at every position, and the final state."""
        hidden, final = self.features(tokens, state, lengths)
        return self.output(hidden), final

    def negative_log_likelihood(self, hidden: Tensor, targets: Tensor, ignore_index: int = -100) -> Tensor:
        """Σ_t -log ŷ<t>[y<t>] for ``hidden`` = features(...)[0] (B, T, H) and targets (B, T).

        The softmax layer and the loss in one pass (``linear_cross_entropy``): the same number
        as ``F.cross_entropy(self.output(hidden), targets, reduction="sum")`` without the (B, T, V)
        logits, which is most of the work and memory of a word-level model.
        """
        return linear_cross_entropy(hidden.reshape(-1, hidden.size(-1)), self.output.weight, self.output.bias,
                                    targets.reshape(-1), ignore_index=ignore_index)
