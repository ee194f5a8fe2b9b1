"""Attention over the encoder's states (Bahdanau et al. 2015; Luong et al. 2015), in the course's notation.

For a decoder state s<t-1> (the query) and the encoder states h<1..Tx> (the keys and values):

    e<t,t'> = a(s<t-1>, h<t'>)                      (the score of source position t')
    α<t,t'> = exp(e<t,t'>) / Σ_t'' exp(e<t,t''>)    (softmax over the real source positions; padding gets 0)
    c<t>    = Σ_t' α<t,t'> h<t'>                    (the context)

with three scores a(s, h):

- ``dot``:      sᵀ h                              (needs the same size)
- ``general``:  sᵀ W h                            (Luong's "general")
- ``additive``: vᵀ tanh(W_s s + W_h h)            (Bahdanau's one-hidden-layer MLP)

For all decoder steps at once (teacher forcing), the queries are a matrix Q (B, Ty, Ds) and the keys
K (B, Tx, Dh): E = Q Kᵀ for ``dot``, so C = softmax(E) V, the softmax(QKᵀ)V form.
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import Tensor, nn

SCORES = ("dot", "general", "additive")


class Attention(nn.Module):
    """Context vectors and attention weights for queries over keys (and values, by default the keys).

    Args:
        query_size: Ds, the size of s<t-1>; key_size: Dh, the size of h<t'>.
        score: "dot", "general" or "additive".
        hidden_size: the additive score's hidden layer (default: key_size).
    """

    def __init__(self, query_size: int, key_size: int, score: str = "dot", hidden_size: Optional[int] = None) -> None:
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"score={score!r}: choose one of {list(SCORES)}")
        if score == "dot" and query_size != key_size:
            raise ValueError(f"score='dot' needs query_size == key_size, got {query_size} and {key_size}; "
                             "use score='general' or 'additive' for different sizes")
        self.score = score
        self.weight = nn.Linear(key_size, query_size, bias=False) if score == "general" else None   # W
        if score == "additive":
            hidden = hidden_size or key_size
            self.query_layer = nn.Linear(query_size, hidden, bias=False)                             # W_s
            self.key_layer = nn.Linear(key_size, hidden, bias=True)                                  # W_h
            self.vector = nn.Linear(hidden, 1, bias=False)                                           # v

    def project_keys(self, keys: Tensor) -> Tensor:
        """The keys' half of the score, which no decoder step changes, so it is computed once per source:
        W_h h + b_h (``additive``), W h (``general``), h itself (``dot``); (B, Tk, ·)."""
        if self.score == "additive":
            return self.key_layer(keys)                                                  # W_h h + b_h
        if self.score == "general":
            return self.weight(keys)                                                     # W h
        return keys

    def scores(self, queries: Tensor, keys: Tensor, projected_keys: Optional[Tensor] = None) -> Tensor:
        """e (B, Tq, Tk) for queries (B, Tq, Ds) and keys (B, Tk, Dh); ``projected_keys``: project_keys(keys)
        when the caller kept it from an earlier step."""
        projected = self.project_keys(keys) if projected_keys is None else projected_keys
        if self.score == "additive":
            hidden = torch.tanh(self.query_layer(queries).unsqueeze(2) + projected.unsqueeze(1))
            return self.vector(hidden).squeeze(-1)                                       # vᵀ tanh(W_s s + W_h h)
        return queries @ projected.transpose(1, 2)                                       # sᵀ h, sᵀ W h

    def forward(self, queries: Tensor, keys: Tensor, values: Optional[Tensor] = None,
                mask: Optional[Tensor] = None, projected_keys: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """(context, weights): (B, Tq, Dv) and (B, Tq, Tk); for a single step, queries (B, Ds) give (B, Dv)
        and (B, Tk). ``mask`` (B, Tk) is True on the real source positions (at least one per row);
        ``projected_keys``: :meth:`project_keys` of ``keys``, kept by a decoder that attends once per step."""
        single = queries.dim() == 2
        if single:
            queries = queries.unsqueeze(1)
        if mask is not None and not bool(mask.any(dim=1).all()):
            raise ValueError("every source sequence needs at least one real position (mask row all False)")
        energies = self.scores(queries, keys, projected_keys)
        if mask is not None:
            energies = energies.masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = torch.softmax(energies, dim=-1)                                        # α<t,t'>
        context = weights @ (keys if values is None else values)                        # Σ_t' α<t,t'> h<t'>
        return (context.squeeze(1), weights.squeeze(1)) if single else (context, weights)
