"""Skip-gram with negative sampling over runs of words, forward and backward by hand: word2vec's hot loop.

A batch holds runs of L centre words with W words of context on each side (``tokens`` (R, L + 2W)). For the
centre word t_i, each neighbour c = x_{i+d} (weight ω_{i,d}) and t_i's K noise words n_ik (shared by its window):

    s_{i,d,0} = θ_{t_i}·e_c,   s_{i,d,k} = θ_{n_ik}·e_c                      (one (2W+1, D) × (D, K+1) product)
    J = Σ_{i,d} ω_{i,d} [ -log σ(s_{i,d,0}) - Σ_k log σ(-s_{i,d,k}) ]

and the gradients, with g_{i,d,0} = ω (σ(s_{i,d,0}) - 1) and g_{i,d,k} = ω σ(s_{i,d,k}):

    ∂J/∂e_c = Σ_k g_{i,d,k} θ_k          (summed over every window c is in: each word's vector is read once)
    ∂J/∂θ_k = Σ_d g_{i,d,k} e_{i+d}

Written by hand because autograd would keep and walk a dozen intermediate (N, 2W + 1, ·) tensors (log σ, its
negation, the weights, the unfolded windows) where these formulas need two small matrix products; the result is
the same function (checked against autograd and by gradcheck in the tests) at about 60 % of the time.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


class _WindowNegativeSampling(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, inputs: Tensor, outputs: Tensor, tokens: Tensor, weights: Tensor,  # type: ignore[override]
                negatives: Tensor, padding_idx: Optional[int]) -> Tensor:
        runs, length, width = weights.shape
        window, size = width // 2, inputs.size(1)
        vectors = inputs.index_select(0, tokens.reshape(-1)).view(runs, length + 2 * window, size)  # e, once a word
        windows = vectors.unfold(1, width, 1).transpose(2, 3).reshape(-1, width, size)   # e_{i+d} (N, 2W + 1, D)
        ids = torch.cat([tokens[:, window:window + length].reshape(-1, 1), negatives.reshape(runs * length, -1)], 1)
        thetas = outputs.index_select(0, ids.reshape(-1)).view(*ids.shape, size)       # θ_t, θ_{n_k} (N, K + 1, D)
        scores = torch.bmm(windows, thetas.transpose(1, 2))                            # s (N, 2W + 1, K + 1)
        omega = weights.reshape(-1, width, 1).to(scores.dtype)
        signs = torch.ones(ids.size(1), dtype=scores.dtype)
        signs[1:] = -1.0                                                               # +s for t, -s for n_k
        loss = (F.softplus(-scores * signs) * omega).sum()                             # -log σ(±s), weighted
        gradients = (torch.sigmoid(scores) - (signs > 0).to(scores.dtype)) * omega    # g = ω (σ(s) - [k = 0])
        ctx.save_for_backward(tokens, ids, windows, thetas, gradients)
        ctx.shapes = (inputs.shape, outputs.shape, runs, length, window, padding_idx)
        return loss

    @staticmethod
    def backward(ctx: Any, grad_loss: Tensor) -> Tuple[Tensor, Tensor, None, None, None, None]:  # type: ignore[override]
        tokens, ids, windows, thetas, gradients = ctx.saved_tensors
        input_shape, output_shape, runs, length, window, padding_idx = ctx.shapes
        gradients = gradients * grad_loss
        size = windows.size(-1)
        window_grads = torch.bmm(gradients, thetas).view(runs, length, 2 * window + 1, size)  # ∂J/∂e_{i+d}
        theta_grads = torch.bmm(gradients.transpose(1, 2), windows)                      # ∂J/∂θ (N, K + 1, D)
        word_grads = windows.new_zeros(runs, length + 2 * window, size)
        for column in range(2 * window + 1):                     # each word collects the windows it is in
            if column != window:
                word_grads[:, column:column + length] += window_grads[:, :, column]
        input_grad = windows.new_zeros(input_shape).index_add_(0, tokens.reshape(-1), word_grads.view(-1, size))
        if padding_idx is not None:                              # as nn.Embedding(padding_idx): never trained
            input_grad[padding_idx] = 0.0
        output_grad = windows.new_zeros(output_shape).index_add_(0, ids.reshape(-1), theta_grads.view(-1, size))
        return input_grad, output_grad, None, None, None, None


def window_negative_sampling(inputs: Tensor, outputs: Tensor, tokens: Tensor, weights: Tensor,
                             negatives: Tensor, padding_idx: Optional[int] = 0) -> Tensor:
    """J (see the module docstring) of a batch of runs: ``inputs`` E (V, D), ``outputs`` θ (V, D), ``tokens``
    (R, L + 2W) ids, ``weights`` ω (R, L, 2W + 1) (0 at the centre column and wherever there is no pair),
    ``negatives`` (R, L, K) ids. Differentiable in E and θ (dense gradients, as ``nn.Embedding``'s; row
    ``padding_idx`` of E gets none; None: every row may)."""
    return _WindowNegativeSampling.apply(inputs, outputs, tokens, weights, negatives, padding_idx)
