"""Perplexity = exp(mean token negative log-likelihood).

    PPL = exp( -(1/N) Σ_i log P(y_i | y_<i) )

It accumulates the summed NLL and the token count the loss already computed, so the softmax
over the vocabulary is never evaluated a second time (torchmetrics' own ``Perplexity`` takes
the logits and normalises them again).
"""

from __future__ import annotations

from typing import Union

import torch
from torch import Tensor
from torchmetrics import Metric


class Perplexity(Metric):
    """``update(nll_sum, tokens)`` per batch; ``compute()`` -> exp(Σ nll_sum / Σ tokens)."""

    full_state_update = False
    higher_is_better = False
    is_differentiable = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("nll_sum", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("tokens", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, nll_sum: Tensor, tokens: Union[int, Tensor]) -> None:
        """``nll_sum``: -Σ log P over the batch's real tokens; ``tokens``: how many there were."""
        self.nll_sum += nll_sum.detach().to(torch.float64).sum()
        self.tokens += torch.as_tensor(tokens, device=self.tokens.device).to(torch.long).sum()

    def compute(self) -> Tensor:
        if int(self.tokens) == 0:
            raise ValueError("Perplexity.compute: no token was seen")
        return torch.exp(self.nll_sum / self.tokens).to(torch.float32)
