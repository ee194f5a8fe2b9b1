"""GloVe (Pennington et al. 2014): word vectors fitted to the logarithm of the co-occurrence counts.

With the word vectors W (V, D), the context vectors W̃ (V, D), their biases b and b̃ (V,), and the co-occurrence
counts X (:mod:`seqmodels.data.batching.cooccurrence`), every nonzero entry X_ij adds

    J_ij = f(X_ij) (w_iᵀ w̃_j + b_i + b̃_j − log X_ij)²
    f(x) = min(1, (x / x_max)^α)                    (x_max = 100, α = 3/4: rare pairs weigh less, frequent ones 1)

to the objective J = Σ_{ij: X_ij > 0} J_ij. As X is symmetric, W and W̃ play the same part and differ only by
their random start; the vectors kept are their sum W + W̃, as the paper and the GloVe tool do. As in the tool's
``glove.c``, all four start uniform in ±0.5 / D (the biases too).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from seqmodels.errors import ConfigError


class GloVe(nn.Module):
    """W, W̃, b and b̃ over a vocabulary of ``vocab_size`` ids, and the weighted least-squares loss J_ij.

    Args:
        vocab_size: V.
        embedding_size: D.
        x_max: the count from which a pair weighs fully (f = 1).
        alpha: α, the power of f below x_max (1: linear; 0: every pair weighs 1).
    """

    def __init__(self, vocab_size: int, embedding_size: int = 100, x_max: float = 100.0, alpha: float = 0.75) -> None:
        super().__init__()
        for option, value in (("model.vocab_size", vocab_size), ("model.embedding_size", embedding_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{option}={value!r}: must be an integer >= 1")
        if isinstance(x_max, bool) or not isinstance(x_max, (int, float)) or not 0 < x_max < math.inf:
            raise ConfigError(f"task.x_max={x_max!r}: must be a finite number > 0")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha < math.inf:
            raise ConfigError(f"task.alpha={alpha!r}: must be a finite number >= 0")
        self.x_max, self.alpha = float(x_max), float(alpha)
        self.word_vectors = nn.Embedding(vocab_size, embedding_size)        # W, row i: w_i
        self.context_vectors = nn.Embedding(vocab_size, embedding_size)     # W̃, row j: w̃_j
        self.word_biases = nn.Parameter(torch.empty(vocab_size))            # b
        self.context_biases = nn.Parameter(torch.empty(vocab_size))         # b̃
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -0.5 / embedding_size, 0.5 / embedding_size)

    def weight(self, counts: Tensor) -> Tensor:
        """f(X_ij) = min(1, (X_ij / x_max)^α), elementwise."""
        return (counts / self.x_max).pow(self.alpha).clamp(max=1.0)

    def losses(self, rows: Tensor, cols: Tensor, counts: Tensor) -> Tensor:
        """J_ij (N,) of the entries (i, j, X_ij): ``rows`` i (N,), ``cols`` j (N,), ``counts`` X_ij > 0 (N,)."""
        if not rows.shape == cols.shape == counts.shape or rows.dim() != 1:
            raise ValueError(f"rows, cols and counts must be (N,) each, got {tuple(rows.shape)}, "
                             f"{tuple(cols.shape)}, {tuple(counts.shape)}")
        dots = (self.word_vectors(rows) * self.context_vectors(cols)).sum(dim=-1)      # w_iᵀ w̃_j
        errors = dots + self.word_biases[rows] + self.context_biases[cols] - counts.log()  # ... + b_i + b̃_j − log X_ij
        return self.weight(counts) * errors.square()                                   # f(X_ij) (...)²

    def forward(self, rows: Tensor, cols: Tensor, counts: Tensor) -> Tensor:
        """``self.losses(rows, cols, counts)``."""
        return self.losses(rows, cols, counts)

    def vectors(self) -> Tensor:
        """The word vectors W + W̃ (V, D), detached: row w is the vector of id w."""
        return (self.word_vectors.weight + self.context_vectors.weight).detach()
