"""The reference backend: a plain Python loop over the cell, one time step at a time.

Slow and obviously right; every other backend is tested against it. It runs any
:class:`~seqmodels.nn.recurrent_cell.RecurrentCell`, including user-written ones.
"""

from __future__ import annotations

from typing import List, Optional

import torch
from torch import Tensor

from seqmodels.nn.recurrent_cell import RecurrentCell


def run_direction(cell: RecurrentCell, x: Tensor, state0: List[Tensor], mask: Optional[Tensor], reverse: bool,
                  record: Optional[List[Tensor]] = None) -> tuple[Tensor, List[Tensor]]:
    """Run ``cell`` over time-major x (T, B, I) forwards, or backwards if ``reverse``.

    Where ``mask[t]`` is False (padding) the state is carried unchanged and the output is 0,
    so a backward pass starts at each sequence's last real token with the initial state.
    Returns the outputs (T, B, H) and the final state list.

    ``record``: a list to which each step's a<t> = cell(x<t>, state<t-1>)[0] (the LSTM's hidden
    state, not c<t>) is appended, in the order the steps run (reverse time if ``reverse``),
    after ``retain_grad()``, so that after ``backward()`` its ``.grad`` is the total derivative
    ∂L/∂a<t> through every later step. The tensor recorded is the cell's output before the
    padding mask: at padded positions it is discarded, so its gradient there is exactly 0.
    Nothing is appended where a<t> does not require grad (e.g. under ``torch.no_grad()``).
    """
    steps = range(x.size(0) - 1, -1, -1) if reverse else range(x.size(0))
    state = list(state0)
    outputs: List[Optional[Tensor]] = [None] * x.size(0)
    for t in steps:
        new = cell(x[t], state[0] if cell.num_states == 1 else tuple(state))
        new_state = [new] if isinstance(new, Tensor) else list(new)
        if record is not None and new_state[0].requires_grad:
            new_state[0].retain_grad()
            record.append(new_state[0])
        if mask is not None:
            new_state = [torch.where(mask[t], n, s) for n, s in zip(new_state, state)]
        state = new_state
        outputs[t] = state[0] if mask is None else state[0] * mask[t]
    return torch.stack(outputs), state  # type: ignore[arg-type]
