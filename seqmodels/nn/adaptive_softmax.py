"""The adaptive softmax (Grave et al. 2017): P(w | h) over V words, cheap for the frequent ones.

The words are sorted by frequency and cut into a head (the ``cutoffs[0]`` most frequent words) and tails
(the next ``cutoffs[1] − cutoffs[0]`` words, and so on, the last tail ending at V). The head's softmax has
one entry per head word and one per tail, c_1..c_K (a tree of depth two with the frequent words near the
top):

    P(w | h) = softmax(W_head h)[w]                                for a head word
    P(w | h) = softmax(W_head h)[c_k] · softmax(U_k (P_k h))[w]    for a word of tail k

where P_k (d_k, D) projects h to d_k = D / div_value^k dimensions before tail k's softmax U_k (|tail k|, d_k):
the rarer the words, the smaller their vectors. Each softmax sums to 1, so the V probabilities do too. A
token of the head costs one (cutoffs[0] + K)-way softmax instead of a V-way one; a token of tail k adds
tail k's softmax, and the tails are rare by construction (on WikiText-2's training tokens with cutoffs
[2000, 10000]: 77% head, 16% tail 1, 7% tail 2).

The arithmetic is PyTorch's own ``nn.AdaptiveLogSoftmaxWithLoss``. This module puts any vocabulary into the
frequency order it needs: word w is class ``rank[w]`` of it, the position of w when the ids are sorted by
decreasing count (ties in id order), so the caller's ids need not be sorted.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import Tensor, nn

from seqmodels.nn.output_checks import check_hidden_and_targets


def layout_problem(vocab_size: int, input_size: int, cutoffs: Sequence[int], div_value: float) -> Optional[str]:
    """What is wrong with an adaptive softmax of these sizes, in one line, or None when nothing is: the cutoffs
    must be increasing integers in [1, V − 1], div_value >= 1, and every tail must keep at least one dimension
    (tail k has input_size // div_value^k)."""
    values = list(cutoffs)
    if not values or any(isinstance(c, bool) or not isinstance(c, int) for c in values):
        return f"cutoffs must be a non-empty list of integers, got {values}"
    if values != sorted(set(values)) or values[0] < 1 or values[-1] > vocab_size - 1:
        return (f"cutoffs must increase and lie in [1, V − 1] = [1, {vocab_size - 1}] (V = {vocab_size} words), "
                f"got {values}")
    if not div_value >= 1:
        return f"div_value must be >= 1 (tail k has input_size / div_value^k dimensions), got {div_value}"
    last = int(input_size // div_value ** len(values))
    if last < 1:
        return (f"div_value={div_value} leaves tail {len(values)} no dimension ({input_size} // {div_value}^"
                f"{len(values)} = 0); lower div_value or use fewer cutoffs")
    return None


class AdaptiveSoftmax(nn.Module):
    """log P(w | h) under the adaptive softmax over the frequency order of ``counts`` (module docstring).

    Args:
        counts: (V,) how often each word occurs: only their order matters (most frequent first).
        input_size: D, the size of h.
        cutoffs: where the head ends and each tail ends, in frequency ranks, e.g. [2000, 10000].
        div_value: tail k's vectors have D / div_value^k dimensions.

    ``layer`` is the ``nn.AdaptiveLogSoftmaxWithLoss`` over the ranks; ``rank`` (V,) maps id -> rank, a buffer
    derived from ``counts``, so it moves with ``.to(...)`` and is not saved in ``state_dict``.
    """

    def __init__(self, counts: Union[Sequence[float], Tensor], input_size: int, cutoffs: Sequence[int],
                 div_value: float = 4.0) -> None:
        super().__init__()
        values = torch.as_tensor(counts, dtype=torch.float64)
        if values.dim() != 1 or values.numel() < 2:
            raise ValueError(f"counts must be a list of V >= 2 word counts, got shape {tuple(values.shape)}")
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ValueError(f"input_size must be an integer >= 1, got {input_size!r}")
        problem = layout_problem(values.numel(), input_size, cutoffs, div_value)
        if problem:
            raise ValueError(problem)
        self.vocab_size, self.input_size, self.cutoffs = values.numel(), input_size, list(cutoffs)
        order = torch.sort(-values, stable=True).indices                   # ids, most frequent first
        rank = torch.empty_like(order)
        rank[order] = torch.arange(order.numel())
        self.register_buffer("rank", rank, persistent=False)
        self.layer = nn.AdaptiveLogSoftmaxWithLoss(input_size, self.vocab_size, self.cutoffs, div_value=div_value)

    def _check(self, hidden: Tensor, targets: Optional[Tensor] = None) -> None:
        check_hidden_and_targets(hidden, targets, self.input_size, self.vocab_size)

    def log_prob(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """log P(t_i | h_i) (N,) for hidden h (N, D) and target ids t (N,): the head's softmax for every row,
        tail k's only for the rows whose target is in it."""
        self._check(hidden, targets)
        if not targets.numel():
            return hidden.new_zeros(0)
        return self.layer(hidden, self.rank[targets]).output

    def log_probs(self, hidden: Tensor) -> Tensor:
        """log P(w | h_i) for every word (N, V) in id order, a distribution over the V words (its exp sums to 1)."""
        self._check(hidden)
        return self.layer.log_prob(hidden)[:, self.rank]

    def forward(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """``self.log_prob(hidden, targets)`` (N,)."""
        return self.log_prob(hidden, targets)

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, input_size={self.input_size}, cutoffs={self.cutoffs}"
