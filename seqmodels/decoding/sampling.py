"""Generating from a recurrent language model, one step per new token.

Sampling (the course's "sampling a sequence from a trained RNN"): feed the context once, then
repeatedly draw y<t> ~ softmax(logits / temperature), restricted to the ``top_k`` most likely
tokens, and feed y<t> back with the carried state; stop at ``<eos>`` or ``max_length``.
``banned_ids`` (e.g. ``<unk>``) get probability 0, which is exactly redrawing until a
non-banned token comes out. Temperature 0 is greedy decoding (argmax).

A long context is read ``chunk_size`` positions per call (the state carried from one chunk to the
next), so its cost in memory is that of a chunk, not of the whole context; only the last position's
logits are kept.
"""

from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.nn.recurrent import State

# (tokens (B, T), state or None) -> (logits (B, T, V), state)
StepFunction = Callable[[Tensor, Optional[State]], Tuple[Tensor, State]]
CONTEXT_CHUNK = 1024  # context positions read per step call
TEMPERATURE_RANGE = (1e-30, 1e30)  # a temperature outside is the same as these, and would leave float32's range


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
    # The best logit moved to exactly 0, every other below it, and the temperature kept within float32's range
    # (1e-300 would become 0, 1e300 inf): a tiny temperature gives 0 and -inf (greedy), a huge one 0 and -inf
    # (uniform over the allowed tokens), never 0/0 or inf/inf = NaN.
    shifted = logits - logits.max(dim=1, keepdim=True).values
    return torch.softmax(shifted / min(max(temperature, TEMPERATURE_RANGE[0]), TEMPERATURE_RANGE[1]), dim=1)


def feed(step: StepFunction, tokens: Tensor, state: Optional[State] = None,
         chunk_size: int = CONTEXT_CHUNK) -> Tuple[Tensor, Optional[State]]:
    """Read ``tokens`` (B, T) through ``step``, ``chunk_size`` positions per call with the state carried on.

    Returns the logits of the last position (B, V) and the state after it; an empty ``tokens`` (T = 0)
    returns a (B, 0) tensor and ``state`` unchanged, without calling ``step``.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    last = tokens.new_empty(tokens.size(0), 0, dtype=torch.float)
    for start in range(0, tokens.size(1), chunk_size):
        logits, state = step(tokens[:, start:start + chunk_size], state)
        last = logits[:, -1]
    return last, state


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
    state: Optional[State] = None,
    chunk_size: int = CONTEXT_CHUNK,
) -> List[List[int]]:
    """Continue every row of ``context`` (B, T0 >= 1) by up to ``max_length`` tokens, reading the context
    from ``state`` (None: from the start) ``chunk_size`` positions per step call.

    Returns, per row, the new ids, ending with ``stop_id`` if it was drawn (nothing after it).
    """
    if not (math.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature must be >= 0 and finite, got {temperature}")
    if context.dim() != 2 or context.size(1) == 0:
        raise ValueError(f"context must be (B, T0) with T0 >= 1, got {tuple(context.shape)}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1 (or None for no limit), got {top_k}")
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    logits, state = feed(step, context, state, chunk_size)
    finished = torch.zeros(context.size(0), dtype=torch.bool, device=context.device)
    drawn: List[Tensor] = []
    while True:
        probabilities = next_token_distribution(logits, temperature, top_k, banned_ids)
        token = torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
        drawn.append(token)
        if stop_id is not None:
            finished |= token == stop_id
        if len(drawn) == max_length or bool(finished.all()):
            break
        step_logits, state = step(token.unsqueeze(1), state)
        logits = step_logits[:, -1]
    rows = []
    for row in torch.stack(drawn, dim=1).tolist():
        if stop_id is not None and stop_id in row:
            row = row[: row.index(stop_id) + 1]
        rows.append(row)
    return rows
