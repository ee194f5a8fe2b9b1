"""The network of the long-range memory problems (:mod:`seqmodels.data.corpora.memory_problems`).

- adding: the two features [value, marker] of each step go straight into the recurrent layer (as in
  Hochreiter & Schmidhuber), and ŷ = w·a<T> + b, one number from the last state.
- copy: the ids (blank, symbols, delimiter) are one-hot, i.e. the rows of an embedding matrix E (one-hot x
  times E), into the recurrent layer; ŷ<t> = softmax(W a<t> + b) at every step.

The recurrent layer is ``self.recurrent`` (a :class:`~seqmodels.nn.recurrent.Recurrent`: any cell, backend,
depth, direction), where gradient diagnostics find it.
"""

from __future__ import annotations

from typing import Optional

from torch import Tensor, nn

from seqmodels.errors import check_choice
from seqmodels.nn.recurrent_options import RecurrentOptions

PROBLEMS = ("adding", "copy")


class MemoryModel(nn.Module):
    """adding: (B, T, 2) -> (B,) predicted sums; copy: (B, T') ids -> (B, T', num_outputs) logits.

    Args:
        problem: "adding" or "copy"; input_size: 2 (adding) or the number of ids (copy);
        num_outputs: 1 (adding) or the number of ids (copy).
        recurrent: the Recurrent; its dropout also applies before the output layer.
        embedding_size: the size of the ids' embeddings (copy only).
    """

    def __init__(
        self,
        problem: str,
        input_size: int,
        num_outputs: int,
        recurrent: RecurrentOptions = RecurrentOptions(),
        embedding_size: int = 32,
    ) -> None:
        super().__init__()
        check_choice("problem", problem, PROBLEMS, ValueError)
        self.problem = problem
        self.embedding: Optional[nn.Embedding] = nn.Embedding(input_size, embedding_size) if problem == "copy" else None
        features = embedding_size if problem == "copy" else input_size
        self.recurrent = recurrent.build(features)
        self.dropout = nn.Dropout(recurrent.dropout)
        self.output = nn.Linear(self.recurrent.output_size, num_outputs)

    def forward(self, inputs: Tensor) -> Tensor:
        x = self.embedding(inputs) if self.embedding is not None else inputs
        outputs, final = self.recurrent(x)
        if self.problem == "copy":
            return self.output(self.dropout(outputs))                                     # (B, T', C)
        last = self.recurrent.summary(final)                                               # [→a<T>, ←a<1>]
        return self.output(self.dropout(last)).squeeze(-1)                                # (B,)
