"""The network of the long-range memory problems (:mod:`seqmodels.data.memory_problems`).

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

from seqmodels.nn.recurrent import Recurrent

PROBLEMS = ("adding", "copy")


class MemoryModel(nn.Module):
    """adding: (B, T, 2) -> (B,) predicted sums; copy: (B, T') ids -> (B, T', num_outputs) logits.

    Args:
        problem: "adding" or "copy"; input_size: 2 (adding) or the number of ids (copy);
        num_outputs: 1 (adding) or the number of ids (copy).
        cell, embedding_size (copy only), hidden_size, num_layers, bidirectional, backend, **cell_options: the
            Recurrent. dropout: between the recurrent layers and before the output layer.
    """

    def __init__(
        self,
        problem: str,
        input_size: int,
        num_outputs: int,
        cell: str = "lstm",
        embedding_size: int = 32,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        backend: str = "auto",
        **cell_options: object,
    ) -> None:
        super().__init__()
        if problem not in PROBLEMS:
            raise ValueError(f"problem={problem!r}: choose one of {list(PROBLEMS)}")
        self.problem = problem
        self.embedding: Optional[nn.Embedding] = nn.Embedding(input_size, embedding_size) if problem == "copy" else None
        features = embedding_size if problem == "copy" else input_size
        self.recurrent = Recurrent(cell, features, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                                   dropout=dropout, backend=backend, **cell_options)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size * self.recurrent.num_directions, num_outputs)

    def forward(self, inputs: Tensor) -> Tensor:
        x = self.embedding(inputs) if self.embedding is not None else inputs
        outputs, final = self.recurrent(x)
        if self.problem == "copy":
            return self.output(self.dropout(outputs))                                     # (B, T', C)
        h_n = final[0] if isinstance(final, tuple) else final                             # (L·D, B, H)
        last = h_n[-self.recurrent.num_directions:].transpose(0, 1).reshape(inputs.size(0), -1)
        return self.output(self.dropout(last)).squeeze(-1)                                # (B,)
