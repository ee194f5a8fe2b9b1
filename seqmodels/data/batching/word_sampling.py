"""Which words word2vec (Mikolov et al. 2013) trains on: subsampling of frequent words, and negative samples.

With c(w) the count of word w in the corpus and f(w) = c(w) / Σ_v c(v) its relative frequency:

    P_noise(w) = f(w)^0.75 / Σ_v f(v)^0.75            (negative samples: rare words drawn more than f says)
    P_keep(w)  = min(1, sqrt(t / f(w)) + t / f(w))    (subsampling of frequent words, threshold t ~ 1e-4..1e-5)

The windows themselves are laid in :mod:`seqmodels.data.batching.word2vec`.

Sentences are sequences of ids (lists or 1-D tensors); everything is done with whole-corpus tensor ops.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

Counts = Union[Sequence[int], Tensor]


def _counts(counts: Counts) -> Tensor:
    """The counts as a 1-D float64 tensor, checked: non-negative, not all zero."""
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or counts.numel() == 0:
        raise ValueError(f"counts must be a non-empty 1-D sequence (one count per id), got shape {tuple(counts.shape)}")
    if bool((counts < 0).any()) or not bool((counts > 0).any()):
        raise ValueError("counts must be >= 0 with at least one positive count")
    return counts


def noise_distribution(counts: Counts, power: float = 0.75) -> Tensor:
    """P_noise(w) = c(w)^power / Σ_v c(v)^power, 0 for the ids never seen (pad, bos, ...): (V,) float64.

    power = 0.75 is Mikolov et al.'s choice, between the unigram (1) and the uniform distribution (0).
    """
    counts = _counts(counts)
    weights = torch.where(counts > 0, counts.pow(power), torch.zeros_like(counts))   # c(w)^power, 0 when c(w) = 0
    return weights / weights.sum()


def keep_probabilities(counts: Counts, threshold: float = 1e-4) -> Tensor:
    """P_keep(w) = min(1, sqrt(t / f(w)) + t / f(w)) with f(w) = c(w) / Σ_v c(v): (V,) float64.

    The word2vec C code's formula, ``ran = (sqrt(c(w) / (t N)) + 1) (t N) / c(w)``, N the corpus size.
    (The paper's is 1 - sqrt(t / f), a discard probability.) Words with f(w) < ~2.6 t are always kept, as
    are unseen ids; threshold <= 0 turns subsampling off (all ones).
    """
    counts = _counts(counts)
    if threshold <= 0:
        return torch.ones_like(counts)
    ratio = threshold / (counts / counts.sum())                                   # t / f(w), inf when c(w) = 0
    return (ratio.sqrt() + ratio).clamp(max=1.0)


class NegativeSampler:
    """Draws negative ids n_k ~ P_noise (with replacement) for negative-sampling losses, by Walker's alias method.

    The V probabilities are cut into V buckets of mass 1/V, bucket i holding id i with probability ``accept[i]``
    and one other id, ``alias[i]``, with the rest (Vose's construction, exact up to float rounding). A draw is
    then one uniform bucket and one coin:

        i ~ U{0..V-1},  u ~ U[0, 1):   n = i if u < accept[i] else alias[i]
        P(n = w) = (accept[w] + Σ_{i: alias[i] = w} (1 - accept[i])) / V = P_noise(w)

    Two uniform tensors and two gathers per batch: a few times faster than ``torch.multinomial`` with
    replacement, which searches the cumulative distribution for every draw.

    Args:
        counts: c(w) for every id of the vocabulary.
        power: of the noise distribution, see ``noise_distribution``.
    """

    def __init__(self, counts: Counts, power: float = 0.75) -> None:
        self.probabilities = noise_distribution(counts, power)
        self.accept, self.alias = _alias_table(self.probabilities)

    def sample(self, shape: Tuple[int, ...], generator: Optional[torch.Generator] = None) -> Tensor:
        """Ids ~ P_noise, independent, as a long tensor of ``shape`` (e.g. (N, K): K negatives per example)."""
        buckets = torch.randint(self.accept.numel(), shape, generator=generator)                    # i
        coins = torch.rand(shape, generator=generator, dtype=self.accept.dtype)                    # u
        return torch.where(coins < self.accept[buckets], buckets, self.alias[buckets])


def _alias_table(probabilities: Tensor) -> Tuple[Tensor, Tensor]:
    """Vose's alias table of a distribution (V,): ``accept`` (V,) float64 and ``alias`` (V,) long.

    Each bucket of mass 1/V (scaled to 1: q_i = V p_i) is filled by a light id (q < 1) and topped up by a heavy
    one (q >= 1), whose remaining mass q - (1 - q_light) goes back on the light or heavy pile; ids never drawn
    (p = 0) have accept 0, so only their alias is ever drawn from their bucket.
    """
    size = probabilities.numel()
    mass = (probabilities * size).tolist()
    accept, alias = [1.0] * size, list(range(size))
    light = [i for i, q in enumerate(mass) if q < 1.0]
    heavy = [i for i, q in enumerate(mass) if q >= 1.0]
    while light and heavy:
        small, large = light.pop(), heavy[-1]
        accept[small], alias[small] = mass[small], large
        mass[large] -= 1.0 - mass[small]
        if mass[large] < 1.0:
            light.append(heavy.pop())
    # what is left holds mass 1 up to rounding: accept 1, itself
    return torch.tensor(accept, dtype=torch.float64), torch.tensor(alias, dtype=torch.long)


class WordStream(NamedTuple):
    """A corpus as one stream: ``tokens`` (M,) the ids, sentence after sentence; ``sentence_ids`` (M,) the index of
    the sentence of each id."""

    tokens: Tensor
    sentence_ids: Tensor


def word_stream(sentences: Sequence[Sequence[int]], first_word: int = 0) -> WordStream:
    """The ids >= ``first_word`` of ``sentences`` (lists or 1-D tensors) as one stream (the special tokens, ids
    below ``first_word``, left out: the words on either side of an <unk> become neighbours, as in word2vec)."""
    parts = [torch.as_tensor(sentence, dtype=torch.long).reshape(-1) for sentence in sentences]
    if not parts:
        return WordStream(torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long))
    tokens = torch.cat(parts)
    sentence_ids = torch.repeat_interleave(torch.arange(len(parts)), torch.tensor([len(part) for part in parts]))
    words = tokens >= first_word
    return WordStream(tokens[words], sentence_ids[words])


def kept_words(stream: WordStream, keep: Optional[Tensor] = None,
               generator: Optional[torch.Generator] = None) -> WordStream:
    """The stream after dropping each w with probability 1 - P_keep(w) (``keep`` None: every word kept). As in the
    word2vec C code, words are dropped before the windows are laid, which widens the windows of the words kept."""
    tokens, sentence_ids = stream
    if keep is None or tokens.numel() == 0:
        return stream
    if bool((tokens < 0).any()) or int(tokens.max()) >= keep.numel():
        raise ValueError(f"ids must be in [0, {keep.numel()}) to look up keep, got {tokens.min()}..{tokens.max()}")
    kept = torch.rand(tokens.shape, generator=generator, dtype=torch.float64) < keep.to(torch.float64)[tokens]
    return WordStream(tokens[kept], sentence_ids[kept])
