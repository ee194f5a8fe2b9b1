"""Generating from a recurrent language model, one step per new token.

Sampling (the course's "sampling a sequence from a trained RNN"): feed the context once, then
repeatedly draw y<t> ~ softmax(logits / temperature), restricted to the ``top_k`` most likely
tokens, and feed y<t> back with the carried state; stop at ``<eos>`` or ``max_length``.
``banned_ids`` (e.g. ``<unk>``) get probability 0, which is exactly redrawing until a
non-banned token comes out. Temperature 0 is greedy decoding (argmax).
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.nn.recurrent import State

# (tokens (B, T), state or None) -> (logits (B, T, V), state)
StepFunction = Callable[[Tensor, Optional[State]], Tuple[Tensor, State]]


def next_token_distribution(
    logits: Tensor, temperature: float = 1.0, top_k: Optional[int] = None, banned_ids: Sequence[int] = ()
) -> Tensor:
    """softmax(logits / temperature) over the ``top_k`` best non-banned tokens; (B, V) -> (B, V)."""
    logits = logits.float().clone()
    if banned_ids:
        logits[:, list(banned_ids)] = float("-inf")
    if top_k is not None and top_k < logits.size(1):
        kth_best = logits.topk(top_k, dim=1).values[:, -1:]
        logits = logits.masked_fill(logits < kth_best, float("-inf"))
    if temperature == 0:
        greedy = torch.zeros_like(logits)
        greedy.scatter_(1, logits.argmax(dim=1, keepdim=True), 1.0)
        return greedy
    return torch.softmax(logits / temperature, dim=1)


@torch.no_grad()
def sample(
    step: StepFunction,
    context: Tensor,
    max_length: int,
    stop_id: Optional[int] = None,
    temperature: float = 1.0,
    top_k: Optional[int] = None,
    banned_ids: Sequence[int] = (),
    generator: Optional[torch.Generator] = None,
) -> List[List[int]]:
    """Continue every row of ``context`` (B, T0) by up to ``max_length`` tokens.

    Returns, per row, the new ids, ending with ``stop_id`` if it was drawn (nothing after it).
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1 (or None for no limit), got {top_k}")
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    logits, state = step(context, None)
    batch = context.size(0)
    drawn = torch.empty(batch, max_length, dtype=torch.long, device=context.device)
    finished = torch.zeros(batch, dtype=torch.bool, device=context.device)
    length = 0
    while True:
        probabilities = next_token_distribution(logits[:, -1], temperature, top_k, banned_ids)
        token = torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
        drawn[:, length] = token
        length += 1
        if stop_id is not None:
            finished |= token == stop_id
        if length == max_length or bool(finished.all()):
            break
        logits, state = step(token.unsqueeze(1), state)
    rows = []
    for row in drawn[:, :length].tolist():
        if stop_id is not None and stop_id in row:
            row = row[: row.index(stop_id) + 1]
        rows.append(row)
    return rows
