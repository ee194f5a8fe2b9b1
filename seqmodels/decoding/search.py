"""Incremental decoding for encoder-decoder models: greedy and beam search, for any model.

The model is seen only through a step function that scores the next token of N prefixes at once:

    step(y<t-1> (N,) long, state) -> (log P(y<t> | y<1..t-1>, x) (N, V), next state, α<t> (N, Tx) or None)

The first call gets y<0> = <bos> and the state made from the encoder (e.g. the final encoder state and
the encoder outputs to attend over). The state is any nesting of tuples, lists, dicts and NamedTuples of
tensors (or None) with the row dimension FIRST (a ``torch.nn.LSTM``'s (L, B, H) state goes in as (B, L, H)).

- Greedy:  y<t> = argmax_y log P(y | y<1..t-1>, x), until <eos> or ``max_length`` tokens.
- Beam:    keep the k prefixes with the highest log P(y<1..t> | x) = Σ_t' log P(y<t'> | y<1..t'-1>, x);
           a finished hypothesis Y is ranked by  score(Y) = log P(Y | x) / lp(|Y|)  with the GNMT length
           penalty (Wu et al. 2016)  lp(|Y|) = ((5 + |Y|) / 6) ** α,  where |Y| counts the output tokens
           INCLUDING the final <eos> (an unfinished one, cut at ``max_length``, counts its tokens).
           α = 0 gives lp = 1: the plain sum of log-probabilities.

``max_length`` counts the generated tokens including <eos>: at most ``max_length`` steps per item; a
sequence of ints gives each item its own (e.g. proportional to its source length), so an item decodes the
same alone as in any batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

State = Any
StepFunction = Callable[[Tensor, State], Tuple[Tensor, State, Optional[Tensor]]]
Device = Union[torch.device, str, None]
MaxLength = Union[int, Sequence[int]]


@dataclass
class Hypothesis:
    """One decoded output.

    tokens:    y<1..T>, without <bos> and without the final <eos>.
    log_prob:  log P(Y | x) = Σ_t log P(y<t> | y<1..t-1>, x), including the <eos> step when finished.
    score:     what the search ranked by: log_prob / lp(len(tokens) + finished) (lp = 1 for greedy).
    finished:  ended with <eos> (False: cut at max_length).
    attention: (len(tokens) + finished, Tx), row t = α<t> used to predict y<t> (the <eos> step's row
               last); None when the step function returns no weights.
    """

    tokens: List[int]
    log_prob: float
    score: float
    finished: bool
    attention: Optional[Tensor] = None


def select_rows(state: State, rows: Tensor) -> State:
    """The same structure with every tensor t replaced by t.index_select(0, rows); None stays None."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.index_select(0, rows.to(state.device))
    if isinstance(state, tuple) and hasattr(state, "_fields"):                    # NamedTuple
        return type(state)(*(select_rows(value, rows) for value in state))
    if isinstance(state, (tuple, list)):
        return type(state)(select_rows(value, rows) for value in state)
    if isinstance(state, dict):
        return type(state)((key, select_rows(value, rows)) for key, value in state.items())
    raise TypeError(f"the decoding state holds a {type(state).__name__}; only tensors, None, and tuples, "
                    "lists, dicts and NamedTuples of them can be reordered")


def length_penalty(length: Union[int, Tensor], alpha: float) -> Union[float, Tensor]:
    """GNMT's lp(|Y|) = ((5 + |Y|) / 6) ** α; α = 0 gives 1."""
    return ((5 + length) / 6) ** alpha


def _check_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _limits(max_length: MaxLength, batch_size: int) -> List[int]:
    """One maximum length per item (each an integer >= 1)."""
    limits = [max_length] * batch_size if isinstance(max_length, int) else list(max_length)
    if len(limits) != batch_size:
        raise ValueError(f"max_length has {len(limits)} values for a batch of {batch_size}")
    for limit in limits:
        _check_positive("max_length", limit)
    return limits


def _first_tensor(state: State) -> Optional[Tensor]:
    if isinstance(state, Tensor):
        return state
    values = state.values() if isinstance(state, dict) else state if isinstance(state, (tuple, list)) else ()
    for value in values:
        found = _first_tensor(value)
        if found is not None:
            return found
    return None


def _device(state: State, device: Device) -> torch.device:
    """``device``, or else the device of the state's first tensor (CPU if it has none)."""
    if device is not None:
        return torch.device(device)
    tensor = _first_tensor(state)
    return tensor.device if tensor is not None else torch.device("cpu")


def _checked_step(step: StepFunction, tokens: Tensor, state: State) -> Tuple[Tensor, State, Optional[Tensor]]:
    log_probs, state, attention = step(tokens, state)
    if log_probs.dim() != 2 or log_probs.size(0) != tokens.size(0):
        raise ValueError(f"step must return log-probabilities of shape (N, V) = ({tokens.size(0)}, V) for "
                         f"{tokens.size(0)} previous tokens, got {tuple(log_probs.shape)}")
    return log_probs.float(), state, attention


@torch.no_grad()
def greedy_search(step: StepFunction, state: State, batch_size: int, bos_id: int, eos_id: int,
                  max_length: MaxLength, device: Device = None) -> List[Hypothesis]:
    """y<t> = argmax_y log P(y | y<1..t-1>, x) for the whole batch, one step per token.

    A row that emitted <eos> is finished: later steps still run on it (the batch moves together) but are
    ignored; the loop stops once every row is finished or has made its ``max_length`` steps.
    ``device`` (default: that of the state's first tensor) holds the token tensors.
    Returns one :class:`Hypothesis` per item, with score = log_prob.
    """
    _check_positive("batch_size", batch_size)
    limits = _limits(max_length, batch_size)
    tokens = torch.full((batch_size,), bos_id, dtype=torch.long, device=_device(state, device))
    log_prob = torch.zeros(batch_size, device=tokens.device)
    finished = torch.zeros(batch_size, dtype=torch.bool, device=tokens.device)
    chosen: List[Tensor] = []
    attentions: List[Tensor] = []
    cut = torch.zeros(batch_size, dtype=torch.bool, device=tokens.device)
    last_steps = torch.tensor(limits, device=tokens.device)
    for t in range(1, max(limits) + 1):
        log_probs, state, attention = _checked_step(step, tokens, state)
        best_log_prob, tokens = log_probs.max(dim=1)                              # y<t> = argmax_y
        log_prob += best_log_prob.masked_fill(finished | cut, 0.0)                # Σ_t log P(y<t> | ...)
        chosen.append(tokens)
        if attention is not None:
            attentions.append(attention)
        finished = finished | ((tokens == eos_id) & ~cut)
        cut = cut | (last_steps <= t)
        if bool((finished | cut).all()):
            break
    rows = torch.stack(chosen, dim=1).tolist()
    weights = torch.stack(attentions, dim=1) if attentions else None               # (B, steps, Tx)
    hypotheses = []
    for b, (row, total) in enumerate(zip(rows, log_prob.tolist())):
        row = row[:limits[b]]
        done = eos_id in row
        steps = row.index(eos_id) + 1 if done else len(row)
        hypotheses.append(Hypothesis(row[:steps - done], total, total, done,
                                     None if weights is None else weights[b, :steps]))
    return hypotheses


@torch.no_grad()
def beam_search(step: StepFunction, state: State, batch_size: int, bos_id: int, eos_id: int,
                max_length: MaxLength, beam_size: int, length_penalty: float = 0.0,
                device: Device = None) -> List[Hypothesis]:
    """The best hypothesis per item (highest score = log P(Y | x) / lp(|Y|)) of a batched beam search.

    The state's rows are repeated ``beam_size`` = k times (row b*k + j is item b, beam j); at the first
    step only beam 0 is alive (the others score -inf), so no hypothesis appears twice. Each step, per item:

        candidates = log P(y<1..t-1> | x) + log P(y<t> | y<1..t-1>, x)    over the k beams × V tokens
        keep the 2k best; an <eos> among the k best becomes a finished hypothesis (|Y| = t tokens with
        <eos>), the k best that do not end in <eos> stay alive (ranked by log-probability, not score).

    With k = 1 this is exactly greedy search. Each item keeps its k best finished hypotheses and is done
    when it has k of them and
    - α = 0: the best alive log-probability is no more than the worst kept score (exact: log-probabilities
      only decrease as tokens are added);
    - α > 0: at once ("early stopping" in Hugging Face's beam search: a longer hypothesis could still score
      higher, since lp grows, but the search stops as soon as k hypotheses finished);
    or when no alive hypothesis has a finite log-probability. The loop stops when every item is done; at
    ``max_length`` steps, the alive hypotheses of the items not done join as unfinished (|Y| = max_length).

    ``length_penalty`` is a finite α >= 0. ``device`` (default: that of the state's first tensor) holds the tokens.
    """
    return [hypotheses[0] for hypotheses in
            _beam_search(step, state, batch_size, bos_id, eos_id, max_length, beam_size, length_penalty, device)]


@torch.no_grad()
def beam_search_n_best(step: StepFunction, state: State, batch_size: int, bos_id: int, eos_id: int,
                       max_length: MaxLength, beam_size: int, n_best: int, length_penalty: float = 0.0,
                       device: Device = None) -> List[List[Hypothesis]]:
    """The ``n_best`` (<= beam_size) highest-scoring hypotheses per item, best first, of :func:`beam_search`.

    An item has fewer when fewer than ``n_best`` hypotheses have a finite log-probability.
    """
    _check_positive("n_best", n_best)
    _check_positive("beam_size", beam_size)
    if n_best > beam_size:
        raise ValueError(f"n_best must be <= beam_size, got n_best={n_best} and beam_size={beam_size}")
    return [hypotheses[:n_best] for hypotheses in
            _beam_search(step, state, batch_size, bos_id, eos_id, max_length, beam_size, length_penalty, device)]


def _beam_search(step: StepFunction, state: State, batch_size: int, bos_id: int, eos_id: int,
                 max_length: MaxLength, beam_size: int, alpha: float, device: Device) -> List[List[Hypothesis]]:
    """Every kept hypothesis per item (finished, then unfinished at max_length), sorted by score, best first."""
    _check_positive("batch_size", batch_size)
    limits = _limits(max_length, batch_size)
    _check_positive("beam_size", beam_size)
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"length_penalty must be >= 0 and finite (0: no penalty), got {alpha!r}")
    k, rows = beam_size, batch_size * beam_size
    device = _device(state, device)
    item_rows = torch.arange(batch_size, device=device).repeat_interleave(k)        # row b*k + j <- item b
    state = select_rows(state, item_rows)
    tokens = torch.full((rows,), bos_id, dtype=torch.long, device=device)
    scores = torch.full((batch_size, k), float("-inf"), device=device)
    scores[:, 0] = 0.0                                                              # only beam 0 at t = 1
    history = torch.empty(rows, 0, dtype=torch.long, device=device)                 # y<1..t-1> per row
    attention_steps = _AttentionHistory()                                           # α<1..t> of every row
    kept: List[List[Hypothesis]] = [[] for _ in range(batch_size)]                # k best finished
    done = [False] * batch_size
    for t in range(1, max(limits) + 1):
        log_probs, state, attention = _checked_step(step, tokens, state)
        vocab = log_probs.size(1)
        candidates = (scores.view(rows, 1) + log_probs).view(batch_size, k * vocab)
        top_scores, top_ids = candidates.topk(min(2 * k, k * vocab), dim=1)
        sources = top_ids // vocab + torch.arange(batch_size, device=device).unsqueeze(1) * k
        words = top_ids % vocab
        attention_steps.add(attention)
        next_rows, next_words, next_scores = [], [], []
        for b, candidates_b in enumerate(zip(top_scores.tolist(), words.tolist(), sources.tolist())):
            for row, word, score in _advance_item(b, k, candidates_b, eos_id, t, alpha, history, attention_steps,
                                                  kept, done):
                next_rows.append(row)
                next_words.append(word)
                next_scores.append(score)
        if all(done):
            break
        reorder = torch.tensor(next_rows, device=device)
        tokens = torch.tensor(next_words, device=device)
        scores = torch.tensor(next_scores, device=device).view(batch_size, k)
        history = torch.cat([history.index_select(0, reorder), tokens.unsqueeze(1)], dim=1)
        attention_steps.reorder(reorder)
        for b in range(batch_size):                                                 # cut at the item's max_length
            if not done[b] and t == limits[b]:
                done[b] = True
                kept[b] += [Hypothesis(history[j].tolist(), next_scores[j], next_scores[j] / length_penalty(t, alpha),
                                       False, attention_steps.trace(next_rows[j]))
                            for j in range(b * k, (b + 1) * k) if next_scores[j] > float("-inf")]
        if all(done):
            break
        state = select_rows(state, reorder)
    return [sorted(hypotheses, key=lambda hypothesis: -hypothesis.score) for hypotheses in kept]


def _advance_item(b: int, k: int, candidates: Tuple[List[float], List[int], List[int]], eos_id: int, t: int,
                  alpha: float, history: Tensor, attention_steps: "_AttentionHistory", kept: List[List[Hypothesis]],
                  done: List[bool]) -> List[Tuple[int, int, float]]:
    """Item b's step t of beam search, from its 2k best (log P, y<t>, source row) ``candidates``: the finished
    ones among the top k go to ``kept[b]`` (which keeps the k best), ``done[b]`` says whether any alive one can
    still win, and the k (source row, y<t>, log P) the beam continues with come back (dead rows fill it)."""
    alive: List[Tuple[int, int, float]] = []                                           # (source row, y<t>, log P)
    for rank, (score, word, row) in enumerate(zip(*candidates)):
        if done[b] or len(alive) == k:
            break
        if word != eos_id:
            alive.append((row, word, score))
        elif rank < k and score > float("-inf"):                                       # |Y| = t, <eos> included
            kept[b].append(Hypothesis(history[row].tolist(), score, score / length_penalty(t, alpha), True,
                                      attention_steps.trace(row)))
    kept[b] = sorted(kept[b], key=lambda hypothesis: -hypothesis.score)[:k]
    best_alive = alive[0][2] if alive else float("-inf")
    done[b] = done[b] or best_alive == float("-inf") or (
        len(kept[b]) == k and (alpha > 0 or best_alive <= kept[b][-1].score))
    return alive + [(b * k, eos_id, float("-inf"))] * (k - len(alive))                   # dead rows fill the beam


class _AttentionHistory:
    """The attention weights of a beam search, one (rows, Tx) tensor a step with the row each row came from.

    Gathering α<1..t> of a row is done only for the hypotheses kept, by following the rows back step by step,
    so a step costs O(rows · Tx) whatever t is (reordering a (rows, t, Tx) history every step costs
    O(rows · t · Tx): quadratic in the output length)."""

    def __init__(self) -> None:
        self.steps: List[Tensor] = []      # α<s> (rows, Tx), rows in the order of step s
        self.parents: List[List[int]] = []  # parents[s - 1][j]: the row at step s of row j at step s + 1

    def add(self, attention: Optional[Tensor]) -> None:
        """Record the step's α (rows, Tx); a step function without attention records nothing."""
        if attention is not None:
            self.steps.append(attention)

    def reorder(self, rows: Tensor) -> None:
        """Row j of the next step continues row ``rows[j]`` of this one."""
        if self.steps:
            self.parents.append(rows.tolist())

    def trace(self, row: int) -> Optional[Tensor]:
        """α<1..t> (t, Tx) of ``row`` of the latest step, t the steps so far; None without attention."""
        if not self.steps:
            return None
        picked = []
        for step in range(len(self.steps) - 1, -1, -1):
            picked.append(self.steps[step][row])
            if step:
                row = self.parents[step - 1][row]
        return torch.stack(picked[::-1])
