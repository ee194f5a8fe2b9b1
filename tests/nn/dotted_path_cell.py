"""A user's cell in a module nothing imports: ``cell_class("tests.nn.dotted_path_cell.ScaledTanhCell")``
imports it, and importing it registers the name "scaled_tanh"."""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from seqmodels.nn import RecurrentCell, register_cell


@register_cell("scaled_tanh")
class ScaledTanhCell(RecurrentCell):
    """a<t> = scale * tanh(W_ax x<t> + b + W_aa a<t-1>)."""

    def __init__(self, input_size: int, hidden_size: int, scale: float = 1.0) -> None:
        super().__init__(input_size, hidden_size)
        self.scale = scale

    def forward(self, x: Tensor, a_prev: Optional[Tensor] = None) -> Tensor:
        a_prev = self.zero_state(x.size(0), x) if a_prev is None else a_prev
        return self.scale * torch.tanh(self.input_projection(x) + a_prev @ self.W_aa.t())
