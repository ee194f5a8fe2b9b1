"""word2vec (Mikolov et al. 2013): word vectors learnt by predicting a word's neighbours.

With the embedding matrix E (V, D) (the vectors kept afterwards), the output vectors θ (V, D), a context
word c with one-hot vector o_c and a target word t:

    e_c = E o_c                                                  (skip-gram: the centre word's vector)
    e_c = (1 / |C|) Σ_{c ∈ C} E o_c                              (CBOW: the mean of the context words' vectors)

    softmax:            L = -log softmax(θ e_c)_t = -θ_t·e_c + log Σ_v exp(θ_v·e_c)
    negative sampling:  L = -log σ(θ_t·e_c) - Σ_{k=1..K} log σ(-θ_{n_k}·e_c),   n_k ~ P_noise
    hierarchical:       L = -Σ_j log σ(±v_{n(t,j)}·e_c)      along t's path in the Huffman tree of the counts

Negative sampling (SGNS) turns the V-way softmax into K + 1 binary questions "is this word a real
neighbour of c?" (the negatives n_k come from ``seqmodels.data.batching.skipgram_pairs.NegativeSampler``).
The hierarchical softmax (:mod:`seqmodels.nn.hierarchical_softmax`) asks the log2 V questions "left or right?"
on the way from the root to t instead: its V - 1 inner-node vectors v_n take the place of θ.
As in the C code, E starts uniform in ±0.5 / D and θ at zero.
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqmodels.errors import ConfigError
from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax
from seqmodels.nn.linear_cross_entropy import linear_cross_entropy

ARCHITECTURES = ("skipgram", "cbow")
LOSSES = ("negative_sampling", "softmax", "hierarchical_softmax")


class Word2Vec(nn.Module):
    """Skip-gram or CBOW over a vocabulary of ``vocab_size`` ids, with a softmax or negative-sampling loss.

    Args:
        vocab_size: V.
        embedding_size: D.
        architecture: "skipgram" (a centre word predicts each neighbour) or "cbow" (the neighbours
            together predict the centre word).
        loss: "negative_sampling" (θ is an nn.Embedding), "softmax" (θ is an nn.Linear(D, V) without
            bias, so θ_t is row t of its weight in both cases) or "hierarchical_softmax" (a HierarchicalSoftmax).
        pad_id: the id that pads CBOW contexts; its row of E stays zero.
        counts: (V,) the training counts of the words, which shape the hierarchical softmax's tree.
    """

    def __init__(self, vocab_size: int, embedding_size: int = 100, architecture: str = "skipgram",
                 loss: str = "negative_sampling", pad_id: int = 0, counts: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        for option, value in (("vocab_size", vocab_size), ("embedding_size", embedding_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"model.{option}={value!r}: must be an integer >= 1")
        if architecture not in ARCHITECTURES:
            raise ConfigError(f"model.architecture={architecture!r}: choose one of {list(ARCHITECTURES)}")
        if loss not in LOSSES:
            raise ConfigError(f"model.loss={loss!r}: choose one of {list(LOSSES)}")
        if loss == "hierarchical_softmax" and (counts is None or len(counts) != vocab_size):
            raise ConfigError(f"model.loss='hierarchical_softmax' needs the counts of the {vocab_size} words, got "
                              f"{'none' if counts is None else len(counts)}")
        if not 0 <= pad_id < vocab_size:
            raise ConfigError(f"model.pad_id={pad_id!r}: must be an id in [0, {vocab_size})")
        self.architecture = architecture
        self.loss_name = loss
        self.pad_id = pad_id
        self.input_embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)      # E
        self.output_embedding: nn.Module = (  # θ
            nn.Embedding(vocab_size, embedding_size) if loss == "negative_sampling"
            else nn.Linear(embedding_size, vocab_size, bias=False) if loss == "softmax"
            else HierarchicalSoftmax(counts, embedding_size))
        nn.init.uniform_(self.input_embedding.weight, -0.5 / embedding_size, 0.5 / embedding_size)
        nn.init.zeros_(self.output_embedding.weight)
        with torch.no_grad():
            self.input_embedding.weight[pad_id].zero_()

    def encode(self, inputs: Tensor) -> Tensor:
        """e_c (N, D): E o_c for skip-gram centre ids (N,); the mean of the non-pad E o_c for CBOW contexts (N, C).

        A CBOW row of pads only gives the zero vector.
        """
        if self.architecture == "skipgram":
            if inputs.dim() != 1:
                raise ValueError(f"skip-gram inputs are centre ids (N,), got shape {tuple(inputs.shape)}")
            return self.input_embedding(inputs)                                       # e_c = E o_c
        if inputs.dim() != 2:
            raise ValueError(f"CBOW inputs are context ids (N, C), got shape {tuple(inputs.shape)}")
        present = (inputs != self.pad_id).unsqueeze(-1).to(self.input_embedding.weight.dtype)   # (N, C, 1)
        total = (self.input_embedding(inputs) * present).sum(dim=1)                   # Σ_{c ∈ C} E o_c
        return total / present.sum(dim=1).clamp(min=1)                                # / |C|

    def loss(self, inputs: Tensor, targets: Tensor, negatives: Optional[Tensor] = None) -> Tensor:
        """The mean of L over the N examples (see the module docstring).

        Args:
            inputs: centre ids (N,) for skip-gram, context ids (N, C) padded with ``pad_id`` for CBOW.
            targets: t (N,).
            negatives: n_k (N, K), needed for negative sampling, unused (must be None) for the softmaxes.
        """
        hidden = self.encode(inputs)                                                  # e_c (N, D)
        if targets.shape != hidden.shape[:1]:
            raise ValueError(f"targets must be (N,) = {tuple(hidden.shape[:1])}, got {tuple(targets.shape)}")
        if self.loss_name != "negative_sampling" and negatives is not None:
            raise ValueError(f"negatives are for model.loss='negative_sampling'; {self.loss_name} takes none")
        if self.loss_name == "hierarchical_softmax":
            return self.output_embedding.loss(hidden, targets)                       # mean -Σ_j log σ(±v·e_c)
        if self.loss_name == "softmax":
            total = linear_cross_entropy(hidden, self.output_embedding.weight, None, targets)  # Σ -log softmax(θ e_c)_t
            return total / max(targets.numel(), 1)
        if negatives is None:
            raise ConfigError("model.loss='negative_sampling' needs negatives (N, K): ids from a NegativeSampler")
        if negatives.dim() != 2 or negatives.size(0) != targets.numel():
            raise ValueError(f"negatives must be (N, K) with N = {targets.numel()}, got {tuple(negatives.shape)}")
        positive = (self.output_embedding(targets) * hidden).sum(dim=-1)              # θ_t·e_c (N,)
        negative = torch.bmm(self.output_embedding(negatives), hidden.unsqueeze(-1)).squeeze(-1)  # θ_{n_k}·e_c (N, K)
        losses = -F.logsigmoid(positive) - F.logsigmoid(-negative).sum(dim=-1)  # -log σ(θ_t·e_c) - Σ log σ(-θ_n·e_c)
        return losses.mean()

    def forward(self, inputs: Tensor, targets: Tensor, negatives: Optional[Tensor] = None) -> Tensor:
        """``self.loss(inputs, targets, negatives)``."""
        return self.loss(inputs, targets, negatives)

    def vectors(self) -> Tensor:
        """The word vectors E (V, D), detached: row w is the vector of id w."""
        return self.input_embedding.weight.detach()
