"""word2vec (Mikolov et al. 2013): word vectors learnt by predicting a word from its neighbours.

With the embedding matrix E (V, D) (the vectors kept afterwards), the output vectors θ (V, D), a centre word t
(the word to predict, as in the word2vec C code) and its neighbours c = x_{i+d}, 1 <= |d| <= W:

    e_c = E o_c                                                  (skip-gram: one example per neighbour c)
    e_C = Σ_{c ∈ C} ω_c E o_c / Σ_{c ∈ C} ω_c                    (CBOW: the weighted mean of the neighbours)

    softmax:            L = -log softmax(θ e)_t = -θ_t·e + log Σ_v exp(θ_v·e)
    negative sampling:  L = -log σ(θ_t·e) - (K / P) Σ_{p=1..P} log σ(-θ_{n_p}·e),   n_p ~ P_noise
    hierarchical:       L = -Σ_j log σ(±v_{n(t,j)}·e)      along t's path in the Huffman tree of the counts

and the batch's loss Σ ω·L, each example weighted by ω (the probability that word2vec's dynamic window reaches
it, see :mod:`seqmodels.data.batching.word2vec`). Summed, not averaged: with plain SGD that is the C code's
one update per example (lr 0.025, decaying linearly to 0), whatever the batch size.

Negative sampling (SGNS) turns the V-way softmax into binary questions "is this word a real neighbour of c?":
yes for t, no for K noise words. A run of L consecutive centre words draws one pool of P noise words n_p
(``seqmodels.data.batching.word_sampling.NegativeSampler``) that all its pairs share, each counted K / P: the
same objective in expectation as K noise words per pair (Ji et al. 2016, "Parallelizing word2vec in shared and
distributed memory", share them within a window). A whole run's pairs are then one matrix product, its
L + P output vectors against its L + 2W words' vectors (:mod:`seqmodels.nn.window_negative_sampling`), instead
of 2W (K + 1) separate dot products per centre word: a fraction of the arithmetic and memory traffic.
The hierarchical softmax (:mod:`seqmodels.nn.hierarchical_softmax`) asks the log2 V questions "left or
right?" on the way from the root to t instead: its V - 1 inner-node vectors v_n take the place of θ.
Skip-gram with negative sampling, the hot loop, is differentiated by hand
(:mod:`seqmodels.nn.window_negative_sampling`); the other combinations go through autograd.
As in the C code, E starts uniform in ±0.5 / D and θ at zero.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqmodels.errors import ConfigError
from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax
from seqmodels.nn.linear_cross_entropy import linear_cross_entropy
from seqmodels.nn.window_negative_sampling import window_negative_sampling

ARCHITECTURES = ("skipgram", "cbow")
LOSSES = ("negative_sampling", "softmax", "hierarchical_softmax")


class Word2VecLoss(NamedTuple):
    """The loss of a batch: ``total`` = Σ ω·L over its examples, ``weight`` = Σ ω (the examples, weighted)."""

    total: Tensor
    weight: Tensor

    def mean(self) -> Tensor:
        """Σ ω·L / Σ ω: the loss per example (0 for a batch without one)."""
        return self.total / self.weight.clamp(min=1e-12)


class Word2Vec(nn.Module):
    """Skip-gram or CBOW over a vocabulary of ``vocab_size`` ids, with a softmax or negative-sampling loss.

    Args:
        vocab_size: V.
        embedding_size: D.
        architecture: "skipgram" (each neighbour predicts the centre word) or "cbow" (the neighbours
            together predict the centre word).
        loss: "negative_sampling" (θ is an nn.Embedding), "softmax" (θ is an nn.Linear(D, V) without
            bias, so θ_t is row t of its weight in both cases) or "hierarchical_softmax" (a HierarchicalSoftmax).
        pad_id: the id that pads the runs past the corpus' ends; its row of E stays zero.
        counts: (V,) the training counts of the words, which shape the hierarchical softmax's tree.
        negatives_per_pair: K, the noise words each (neighbour, centre word) pair is contrasted with: a run's pool
            of P noise words counts K / P per pair (negative sampling only).
    """

    def __init__(self, vocab_size: int, embedding_size: int = 100, architecture: str = "skipgram",
                 loss: str = "negative_sampling", pad_id: int = 0, counts: Optional[Sequence[float]] = None,
                 negatives_per_pair: int = 5) -> None:
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
        if loss == "negative_sampling" and (isinstance(negatives_per_pair, bool) or not isinstance(
                negatives_per_pair, int) or negatives_per_pair < 1):
            raise ConfigError(f"negatives_per_pair={negatives_per_pair!r}: negative sampling needs K >= 1 noise "
                              "words per pair (data.negatives)")
        if not 0 <= pad_id < vocab_size:
            raise ConfigError(f"model.pad_id={pad_id!r}: must be an id in [0, {vocab_size})")
        self.architecture = architecture
        self.loss_name = loss
        self.pad_id = pad_id
        self.negatives_per_pair = negatives_per_pair
        self.input_embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)      # E
        self.output_embedding: nn.Module = (  # θ
            nn.Embedding(vocab_size, embedding_size) if loss == "negative_sampling"
            else nn.Linear(embedding_size, vocab_size, bias=False) if loss == "softmax"
            else HierarchicalSoftmax(counts, embedding_size))
        nn.init.uniform_(self.input_embedding.weight, -0.5 / embedding_size, 0.5 / embedding_size)
        nn.init.zeros_(self.output_embedding.weight)
        with torch.no_grad():
            self.input_embedding.weight[pad_id].zero_()

    def windows(self, tokens: Tensor, width: int) -> Tensor:
        """The vectors of every centre word's window: e_{i+d} = E o_{x_{i+d}} for d = -W..W, (N, 2W + 1, D).

        ``tokens`` (chunks, L + 2W) are runs of L centre words with W words each side
        (:class:`~seqmodels.data.batching.word2vec.Word2VecBatch`), width = 2W + 1: each word's vector is looked
        up once and the N = chunks · L windows are read as overlapping views of the looked-up rows.
        """
        vectors = self.input_embedding(tokens)                                        # (chunks, L + 2W, D)
        windows = vectors.unfold(1, width, 1).transpose(2, 3)                         # (chunks, L, 2W + 1, D)
        return windows.reshape(-1, width, vectors.size(-1))

    def loss(self, tokens: Tensor, weights: Tensor, negatives: Optional[Tensor] = None) -> Word2VecLoss:
        """Σ ω·L over the batch's examples, and Σ ω (see the module docstring).

        Args:
            tokens: (chunks, L + 2W) runs of centre words with their windows; the centre words are the targets t.
            weights: (chunks, L, 2W + 1) ω of each (centre word, window column), 0 where there is no neighbour.
            negatives: (chunks, P) the pool of noise words of each run, shared by its pairs (each counts K / P),
                needed for negative sampling, None for the softmaxes.
        Returns:
            skip-gram: one example per (neighbour c, centre t) pair, weighted by ω; CBOW: one example per centre
            word with a neighbour, e_c the ω-weighted mean of its neighbours' vectors, weight 1.
        """
        if weights.dim() != 3 or tokens.dim() != 2 or weights.size(-1) % 2 != 1 or tokens.shape != (
                weights.size(0), weights.size(1) + weights.size(-1) - 1):
            raise ValueError(f"tokens (chunks, L + 2W) and weights (chunks, L, 2W + 1) do not fit: "
                             f"{tuple(tokens.shape)} and {tuple(weights.shape)}")
        if self.loss_name != "negative_sampling" and negatives is not None:
            raise ValueError(f"negatives are for model.loss='negative_sampling'; {self.loss_name} takes none")
        if self.loss_name == "negative_sampling":
            if negatives is None:
                raise ConfigError("model.loss='negative_sampling' needs negatives (chunks, P): ids from a "
                                  "NegativeSampler")
            if negatives.dim() != 2 or negatives.size(0) != weights.size(0) or negatives.size(1) < 1:
                raise ValueError(f"negatives must be (chunks, P) = ({weights.size(0)}, P >= 1), got "
                                 f"{tuple(negatives.shape)}")
        width, length = weights.size(-1), weights.size(1)
        if self.architecture == "skipgram" and negatives is not None:  # the hot loop, differentiated by hand
            total = window_negative_sampling(self.input_embedding.weight, self.output_embedding.weight, tokens,
                                             weights, negatives, self.negatives_per_pair / negatives.size(1),
                                             self.pad_id)
            return Word2VecLoss(total, weights.sum().to(total.dtype))
        if negatives is not None:                                                     # each centre word: its run's
            negatives = negatives.repeat_interleave(length, dim=0)                    # pool (N, P)
        targets = tokens[:, width // 2:width // 2 + length].reshape(-1)              # t (N,): the centre words
        hidden = self.windows(tokens, width)                                          # e_{i+d} (N, 2W + 1, D)
        omega = weights.reshape(-1, width).to(hidden.dtype)                           # ω (N, 2W + 1)
        if self.architecture == "cbow":
            total = omega.sum(dim=1, keepdim=True)
            present = total.squeeze(1) > 0                                            # centre words with a neighbour
            hidden = ((omega.unsqueeze(-1) * hidden).sum(dim=1) / total.clamp(min=1e-12))[present].unsqueeze(1)
            targets, omega = targets[present], omega.new_ones(int(present.sum()), 1)  # e_c = Σ ω e / Σ ω (M, 1, D)
            negatives = negatives[present] if negatives is not None else None
        return Word2VecLoss(self._weighted_loss(hidden, omega, targets, negatives), omega.sum())

    def _weighted_loss(self, hidden: Tensor, omega: Tensor, targets: Tensor, negatives: Optional[Tensor]) -> Tensor:
        """Σ_{i,c} ω_ic L(e_ic -> t_i) for inputs e (N, C, D), weights ω (N, C), targets t (N,)."""
        if negatives is not None:
            outputs = self.output_embedding(torch.cat([targets.unsqueeze(1), negatives], dim=1))  # θ_t, θ_{n_p}
            scores = torch.bmm(hidden, outputs.transpose(1, 2))                     # (N, C, P + 1)
            noise_weight = self.negatives_per_pair / negatives.size(1)              # K / P
            losses = -F.logsigmoid(scores[..., 0]) - noise_weight * F.logsigmoid(-scores[..., 1:]).sum(dim=-1)
            return (losses * omega).sum()  # the P noise words of a centre word's run serve all its neighbours
        total = hidden.new_zeros(())
        every_target = targets.unsqueeze(1).expand_as(omega)
        for value in torch.unique(omega[omega > 0]).tolist():                        # one term per weight ω(d)
            chosen = omega == value
            total = total + value * self._negative_log_likelihood(hidden[chosen], every_target[chosen])
        return total

    def _negative_log_likelihood(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """Σ_i -log P(t_i | e_i) under the softmax or the hierarchical softmax, for e (M, D) and t (M,)."""
        if self.loss_name == "hierarchical_softmax":
            return -self.output_embedding.log_prob(hidden, targets).sum()            # Σ_j -log σ(±v·e)
        return linear_cross_entropy(hidden, self.output_embedding.weight, None, targets)  # Σ -log softmax(θ e)_t

    def forward(self, tokens: Tensor, weights: Tensor, negatives: Optional[Tensor] = None) -> Word2VecLoss:
        """``self.loss(tokens, weights, negatives)``."""
        return self.loss(tokens, weights, negatives)

    def vectors(self) -> Tensor:
        """The word vectors E (V, D), detached: row w is the vector of id w."""
        return self.input_embedding.weight.detach()
