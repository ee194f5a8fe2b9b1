"""Linear-chain conditional random field (CRF) over K tags, for sequence labelling.

For emissions e_t(j) (the network's score of tag j at step t), a tag sequence y = y_1..y_L of a
sequence of length L, start scores π, transition scores A (A[i, j]: from tag i to tag j) and end
scores η:

    s(x, y)  = π[y_1] + Σ_{t=1..L} e_t(y_t) + Σ_{t=2..L} A[y_{t-1}, y_t] + η[y_L]     (path score)
    log Z(x) = log Σ_{y'} exp s(x, y')                                                (log-partition)
    log p(y | x) = s(x, y) - log Z(x)                                                 (log-likelihood)

log Z comes from the forward algorithm in log space, and the best path from Viterbi:

    α_1(j) = π[j] + e_1(j),   α_t(j) = log Σ_i exp(α_{t-1}(i) + A[i, j]) + e_t(j),   log Z = log Σ_j exp(α_L(j) + η[j])
    δ_1(j) = π[j] + e_1(j),   δ_t(j) = max_i (δ_{t-1}(i) + A[i, j]) + e_t(j),        max_y s = max_j (δ_L(j) + η[j])

Both are batched over B and loop over T only: O(T K^2) time, O(B K) memory for log Z and
O(B T K) for Viterbi's back-pointers (and for autograd's saved α's in training).

Tensors: emissions (B, T, K) float, tags (B, T) long, mask (B, T) bool, True on real tokens and
left-aligned (row b is L_b True's, then padding). Padded positions are ignored, whatever they hold.

Constraints (e.g. BIO: no ``O -> I-x``): ``allowed_start`` (K,), ``allowed_transitions`` (K, K) and
``allowed_end`` (K,) bool tensors. A forbidden move scores ``FORBIDDEN`` (a finite -1e4) instead of
its parameter, so log Z stays finite and its gradients defined even when no allowed path exists;
its weight exp(-1e4) is 0 in float32 and float64, so log Z sums over the allowed paths only.
Viterbi scores forbidden moves -inf, so ``decode`` returns an allowed path whenever one exists,
however large the emissions; for a sequence with no allowed path it returns the best path under
the finite penalty (the model's own argmax).
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from seqmodels.nn.padding import lengths_from_mask

FORBIDDEN = -1e4  # score of a forbidden start / transition / end: exp(-1e4) = 0 in float32 and float64


class CRF(nn.Module):
    """Linear-chain CRF over K tags.  score(x, y) = start[y1] + Σ_t emit[t, y_t] + Σ_t trans[y_{t-1}, y_t] + end[y_T].

    Parameters: ``start_transitions`` π (K,), ``transitions`` A (K, K) [from i to j] and
    ``end_transitions`` η (K,), initialised uniform(-0.1, 0.1). Buffers (in the state_dict):
    ``allowed_start`` (K,), ``allowed_transitions`` (K, K), ``allowed_end`` (K,), bool; all True
    where the argument is None.
    """

    def __init__(self, num_tags: int, allowed_start: Optional[Tensor] = None,
                 allowed_transitions: Optional[Tensor] = None, allowed_end: Optional[Tensor] = None) -> None:
        super().__init__()
        if isinstance(num_tags, bool) or not isinstance(num_tags, int) or num_tags < 1:
            raise ValueError(f"num_tags must be a positive int, got {num_tags!r}")
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))
        self.end_transitions = nn.Parameter(torch.empty(num_tags))
        self.register_buffer("allowed_start", _allowed("allowed_start", allowed_start, (num_tags,)))
        self.register_buffer("allowed_transitions",
                             _allowed("allowed_transitions", allowed_transitions, (num_tags, num_tags)))
        self.register_buffer("allowed_end", _allowed("allowed_end", allowed_end, (num_tags,)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """π, A, η ~ uniform(-0.1, 0.1)."""
        for parameter in (self.start_transitions, self.transitions, self.end_transitions):
            nn.init.uniform_(parameter, -0.1, 0.1)

    def extra_repr(self) -> str:
        return f"num_tags={self.num_tags}"

    def _scores(self, forbidden: float = FORBIDDEN) -> Tuple[Tensor, Tensor, Tensor]:
        """π, A, η with each forbidden entry replaced by ``forbidden``."""
        return (self.start_transitions.masked_fill(~self.allowed_start, forbidden),
                self.transitions.masked_fill(~self.allowed_transitions, forbidden),
                self.end_transitions.masked_fill(~self.allowed_end, forbidden))

    def log_partition(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """log Z(x) = log Σ_y exp s(x, y) for each sequence, (B,), by the forward algorithm (O(T K^2))."""
        mask = self._check(emissions, None, mask)
        emissions = _zero_padding(emissions, mask)
        start, transitions, end = self._scores()
        alpha = start + emissions[:, 0]                                                  # α_1 = π + e_1  (B, K)
        for t in range(1, emissions.size(1)):
            scores = alpha.unsqueeze(2) + transitions                                    # α_{t-1}(i) + A[i, j]
            step = torch.logsumexp(scores, dim=1) + emissions[:, t]                      # α_t(j)
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)                    # padding: α_t = α_{t-1}
        return torch.logsumexp(alpha + end, dim=1)                                       # log Σ_j exp(α_L(j) + η[j])

    def sequence_score(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """s(x, y) = π[y_1] + Σ_t e_t(y_t) + Σ_{t≥2} A[y_{t-1}, y_t] + η[y_L] for each sequence, (B,)."""
        mask = self._check(emissions, tags, mask)
        emissions = _zero_padding(emissions, mask)
        start, transitions, end = self._scores()
        tags = tags.long().masked_fill(~mask, 0)                                         # padding: any valid id
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)                      # e_t(y_t)  (B, T)
        moved = transitions[tags[:, :-1], tags[:, 1:]].masked_fill(~mask[:, 1:], 0)      # A[y_{t-1}, y_t]  (B, T-1)
        last = tags.gather(1, mask.sum(dim=1, keepdim=True) - 1).squeeze(1)              # y_L
        return start[tags[:, 0]] + emitted.sum(dim=1) + moved.sum(dim=1) + end[last]

    def log_likelihood(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """log p(y | x) = s(x, y) - log Z(x) for each sequence, (B,); the training loss is its negative mean."""
        return self.sequence_score(emissions, tags, mask) - self.log_partition(emissions, mask)

    def forward(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """Same as ``log_likelihood``: log p(y | x), (B,)."""
        return self.log_likelihood(emissions, tags, mask)

    def decode(self, emissions: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
        """Viterbi: y* = argmax_y s(x, y) among the allowed paths, (O(T K^2)).

        Returns:
            The best tags (B, T) long, 0 past each sequence's length, and their scores s(x, y*) (B,).
            A sequence with no allowed path gets the best path under the finite ``FORBIDDEN`` penalty;
            either way the score equals ``sequence_score`` of the returned tags.
        """
        mask = self._check(emissions, None, mask)
        emissions = _zero_padding(emissions, mask)
        tags, best = self._viterbi(emissions, mask, float("-inf"))
        stuck = torch.isneginf(best)                                                     # no allowed path
        if bool(stuck.any()):
            fallback_tags, fallback_best = self._viterbi(emissions, mask, FORBIDDEN)
            tags = torch.where(stuck.unsqueeze(1), fallback_tags, tags)
            best = torch.where(stuck, fallback_best, best)
        return tags, best

    def _viterbi(self, emissions: Tensor, mask: Tensor, forbidden: float) -> Tuple[Tensor, Tensor]:
        """Max-product forward pass, then the back-pointers followed from the best last tag."""
        start, transitions, end = self._scores(forbidden)
        batch, steps, num_tags = emissions.shape
        stay = torch.arange(num_tags, device=emissions.device).expand(batch, num_tags)
        delta = start + emissions[:, 0]                                                  # δ_1 = π + e_1  (B, K)
        pointers = []
        for t in range(1, steps):
            best, previous = (delta.unsqueeze(2) + transitions).max(dim=1)               # max_i δ_{t-1}(i) + A[i, j]
            real = mask[:, t].unsqueeze(1)
            delta = torch.where(real, best + emissions[:, t], delta)                     # δ_t(j); padding: δ_{t-1}
            pointers.append(torch.where(real, previous, stay))                           # padding points to itself
        best, last = (delta + end).max(dim=1)                                            # max_j δ_L(j) + η[j]
        tags = [last]
        for previous in reversed(pointers):                                              # y_{t-1} = ψ_t(y_t)
            tags.append(previous.gather(1, tags[-1].unsqueeze(1)).squeeze(1))
        path = torch.stack(tags[::-1], dim=1)
        return path.masked_fill(~mask, 0), best

    def _check(self, emissions: Tensor, tags: Optional[Tensor], mask: Tensor) -> Tensor:
        """Validate the shapes, the mask and the tag ids; return the mask as bool."""
        if emissions.dim() != 3 or emissions.size(2) != self.num_tags:
            raise ValueError(f"emissions must have shape (B, T, K) with K = num_tags = {self.num_tags}, "
                             f"got {tuple(emissions.shape)}")
        if not emissions.is_floating_point():
            raise ValueError(f"emissions must be a floating-point tensor, got dtype {emissions.dtype}")
        batch, steps = emissions.shape[:2]
        if tuple(mask.shape) != (batch, steps):
            raise ValueError(f"mask must have shape (B, T) = ({batch}, {steps}) like emissions "
                             f"{tuple(emissions.shape)}, got {tuple(mask.shape)}")
        if tags is not None and tuple(tags.shape) != (batch, steps):
            raise ValueError(f"tags must have shape (B, T) = ({batch}, {steps}) like emissions "
                             f"{tuple(emissions.shape)}, got {tuple(tags.shape)}")
        mask = mask.bool()
        if steps == 0 or not bool(mask[:, 0].all()):
            raise ValueError("every sequence needs at least one token: mask[:, 0] must be all True "
                             f"(mask has shape {tuple(mask.shape)}); drop empty sequences from the batch")
        lengths_from_mask(mask, batch, steps)                                            # left-aligned rows
        if tags is not None:
            if tags.dtype.is_floating_point or tags.dtype.is_complex or tags.dtype == torch.bool:
                raise ValueError(f"tags must be an integer tensor, got dtype {tags.dtype}")
            real = tags[mask]
            if real.numel() and (bool((real < 0).any()) or bool((real >= self.num_tags).any())):
                raise ValueError(f"tags must lie in [0, num_tags) = [0, {self.num_tags}) on real tokens, "
                                 f"got values from {int(real.min())} to {int(real.max())}")
        return mask


def _allowed(name: str, allowed: Optional[Tensor], shape: Tuple[int, ...]) -> Tensor:
    """The bool constraint buffer ``name``: a copy of ``allowed``, or all True for None."""
    if allowed is None:
        return torch.ones(shape, dtype=torch.bool)
    if not isinstance(allowed, Tensor) or allowed.dtype != torch.bool:
        raise ValueError(f"{name} must be a bool tensor, got {getattr(allowed, 'dtype', type(allowed))}")
    if tuple(allowed.shape) != shape:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(allowed.shape)}")
    return allowed.detach().clone()


def _zero_padding(emissions: Tensor, mask: Tensor) -> Tensor:
    """e_t(j) = 0 at padded steps, so that no value there (inf, nan) reaches a result or a gradient."""
    return emissions.masked_fill(~mask.unsqueeze(2), 0.0)
