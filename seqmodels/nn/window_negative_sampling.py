"""Skip-gram with negative sampling over runs of words, forward and backward by hand: word2vec's hot loop.

A batch holds runs of L centre words with W words of context on each side (``tokens`` (R, S = L + 2W)). For the
centre word t_i and each neighbour c = x_{i+d} (weight ω_{i,d}), skip-gram with negative sampling asks K + 1
questions "is this word a neighbour of c?": yes for t_i, no for K noise words. Here a run draws one pool of P
noise words n_1..n_P that all its pairs share, each weighted K / P, so that a pair's noise term is K times the
pool's mean, the same in expectation as K noise words of its own (Ji et al. 2016 share them within a window;
this shares them within a run):

    J = Σ_{i,d} ω_{i,d} [ -log σ(θ_{t_i}·e_{i+d}) - (K / P) Σ_p log σ(-θ_{n_p}·e_{i+d}) ]
      = Σ_{i,d} ω_{i,d} softplus(-θ_{t_i}·e_{i+d}) + (K / P) Σ_{p,j} c_j softplus(θ_{n_p}·e_j)

where c_j = Σ_{i,d: i+d=j} ω_{i,d} is how much the run's word j is someone's neighbour: a noise word's score with
word j is shared by every window j is in. With the scores' gradients g_{i,d} = ω_{i,d} (σ(θ_{t_i}·e_{i+d}) - 1) and
h_{p,j} = (K / P) c_j σ(θ_{n_p}·e_j):

    ∂J/∂e_j = Σ_{i,d: i+d=j} g_{i,d} θ_{t_i} + Σ_p h_{p,j} θ_{n_p},   ∂J/∂θ_{t_i} = Σ_d g_{i,d} e_{i+d},
    ∂J/∂θ_{n_p} = Σ_j h_{p,j} e_j

A run's scores are one matrix product: its L + P output vectors (the centre words', then the pool's) against
its S words' vectors, M = Θ Eᵀ (L + P, S); the centre words use its band j = i + d (a strided view), the
pool all of its rows. The backward pass puts g on the band and h below it in a matrix G (L + P, S); then
Gᵀ Θ (S, D) is ∂J/∂e of every word of the run, already summed over its windows, and G E (L + P, D) is ∂J/∂θ.
Against K noise words per centre word (L (K + 1) output vectors a run, one small product per window), a pool
of P = 30 for L = 16 centre words gathers and multiplies about half as much: forward and backward of a 4,096-centre
batch of WikiText-2 (K = 5, D = 100, 2 cores) took 6.4 ms against 13.1 ms (medians of 5 alternated rounds), and
the vectors scored as well or better (README, Benchmarks).

Written by hand because autograd would keep and walk a dozen intermediate tensors (log σ, its negation, the
weights, the band) where these formulas need three matrix products; the result is the same function (checked
against a pair-by-pair autograd formula and by gradcheck in the tests).
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def _band(products: Tensor, length: int, width: int) -> Tensor:
    """The view (R, L, 2W + 1) of ``products`` (R, rows >= L, S) whose element [r, i, d] is products[r, i, i + d]:
    centre word i's row against the 2W + 1 words of its window."""
    runs, rows, span = products.shape
    return products.as_strided((runs, length, width), (rows * span, span + 1, 1), products.storage_offset())


def _neighbour_weights(weights: Tensor) -> Tensor:
    """c_j = Σ_{i,d: i+d=j} ω_{i,d}, (R, S): how much each of a run's words is the neighbour of a centre word."""
    runs, length, width = weights.shape
    spread = weights.new_zeros(runs, length, length + width - 1)
    _band(spread, length, width).copy_(weights)
    return spread.sum(dim=1)


class _WindowNegativeSampling(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, inputs: Tensor, outputs: Tensor, tokens: Tensor, weights: Tensor,  # type: ignore[override]
                negatives: Tensor, noise_weight: float, padding_idx: Optional[int]) -> Tensor:
        runs, length, width = weights.shape
        window, span, size = width // 2, tokens.size(1), inputs.size(1)
        vectors = inputs.index_select(0, tokens.reshape(-1)).view(runs, span, size)  # e_j, once a word (R, S, D)
        ids = torch.cat([tokens[:, window:window + length], negatives], 1)            # t_i, then n_p (R, L + P)
        thetas = outputs.index_select(0, ids.reshape(-1)).view(*ids.shape, size)      # θ (R, L + P, D)
        products = torch.bmm(thetas, vectors.transpose(1, 2))                        # θ·e_j (R, L + P, S)
        omega = weights.to(products.dtype)                                           # ω_{i,d} (R, L, 2W + 1)
        targets = _band(products, length, width)                                     # θ_{t_i}·e_{i+d}
        noise = products[:, length:]                                                 # θ_{n_p}·e_j (R, P, S)
        cover = _neighbour_weights(omega).unsqueeze(1) * noise_weight                 # (K / P) c_j (R, 1, S)
        loss = (F.softplus(-targets) * omega).sum() + (F.softplus(noise) * cover).sum()
        gradients = torch.empty_like(products)                                       # G: g on the band, h below
        gradients[:, :length] = 0.0
        _band(gradients, length, width).copy_((torch.sigmoid(targets) - 1.0) * omega)
        gradients[:, length:] = torch.sigmoid(noise) * cover
        ctx.save_for_backward(tokens, ids, vectors, thetas, gradients)
        ctx.options = (inputs.size(0), outputs.size(0), padding_idx)
        return loss

    @staticmethod
    def backward(ctx: Any, grad_loss: Tensor  # type: ignore[override]
                 ) -> Tuple[Tensor, Tensor, None, None, None, None, None]:
        tokens, ids, vectors, thetas, gradients = ctx.saved_tensors
        input_rows, output_rows, padding_idx = ctx.options
        size = vectors.size(-1)
        gradients = gradients * grad_loss
        word_grads = torch.bmm(gradients.transpose(1, 2), thetas)                     # ∂J/∂e_j = (Gᵀ Θ)_j (R, S, D)
        theta_grads = torch.bmm(gradients, vectors)                                   # ∂J/∂θ = G E (R, L + P, D)
        input_grad = vectors.new_zeros(input_rows, size).index_add_(0, tokens.reshape(-1), word_grads.view(-1, size))
        if padding_idx is not None:                              # as nn.Embedding(padding_idx): never trained
            input_grad[padding_idx] = 0.0
        output_grad = vectors.new_zeros(output_rows, size).index_add_(0, ids.reshape(-1), theta_grads.view(-1, size))
        return input_grad, output_grad, None, None, None, None, None


def window_negative_sampling(inputs: Tensor, outputs: Tensor, tokens: Tensor, weights: Tensor, negatives: Tensor,
                             noise_weight: float = 1.0, padding_idx: Optional[int] = 0) -> Tensor:
    """J (see the module docstring) of a batch of runs: ``inputs`` E (V, D), ``outputs`` θ (V, D), ``tokens``
    (R, L + 2W) ids, ``weights`` ω (R, L, 2W + 1) (0 at the centre column and wherever there is no pair),
    ``negatives`` (R, P) the pool of noise words of each run, ``noise_weight`` K / P. Differentiable in E and θ
    (dense gradients, as ``nn.Embedding``'s; row ``padding_idx`` of E gets none; None: every row may)."""
    return _WindowNegativeSampling.apply(inputs, outputs, tokens, weights, negatives, noise_weight, padding_idx)
