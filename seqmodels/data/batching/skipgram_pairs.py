"""Training examples for word2vec (Mikolov et al. 2013): skip-gram pairs, CBOW windows, negative samples.

With c(w) the count of word w in the corpus and f(w) = c(w) / Σ_v c(v) its relative frequency:

    P_noise(w) = f(w)^0.75 / Σ_v f(v)^0.75            (negative samples: rare words drawn more than f says)
    P_keep(w)  = min(1, sqrt(t / f(w)) + t / f(w))    (subsampling of frequent words, threshold t ~ 1e-4..1e-5)

A skip-gram example is a pair (context word c, target t) of words at most ``window`` apart in a sentence:
the model predicts t from c (in the course's notation the centre word is the context c, each neighbour a
target t). A CBOW example is the reverse: the neighbours of a word together predict it. As in the word2vec
C code, each centre word draws its own effective window b in 1..window (so near neighbours count more),
and subsampled words are dropped before the windows are laid, which widens the windows of the words kept.

Sentences are sequences of ids (lists or 1-D tensors); everything is done with whole-corpus tensor ops.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from seqmodels.errors import ConfigError

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
    """Draws negative ids n_k ~ P_noise (with replacement) for negative-sampling losses.

    Args:
        counts: c(w) for every id of the vocabulary.
        power: of the noise distribution, see ``noise_distribution``.
    """

    def __init__(self, counts: Counts, power: float = 0.75) -> None:
        self.probabilities = noise_distribution(counts, power)

    def sample(self, shape: Tuple[int, ...], generator: Optional[torch.Generator] = None) -> Tensor:
        """Ids ~ P_noise, independent, as a long tensor of ``shape`` (e.g. (N, K): K negatives per example)."""
        total = 1
        for size in shape:
            total *= size
        if total == 0:
            return torch.empty(shape, dtype=torch.long)
        return torch.multinomial(self.probabilities, total, replacement=True, generator=generator).view(shape)


def _check_window(window: int) -> None:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ConfigError(f"data.window={window!r}: must be an integer >= 1")


def _kept_tokens(sentences: Sequence[Sequence[int]], keep: Optional[Tensor],
                 generator: Optional[torch.Generator]) -> Tuple[Tensor, Tensor]:
    """The corpus as one id tensor and the sentence index of each id, after dropping w with prob. 1 - P_keep(w)."""
    parts = [torch.as_tensor(sentence, dtype=torch.long).reshape(-1) for sentence in sentences]
    if not parts:
        return torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)
    tokens = torch.cat(parts)
    sentence_ids = torch.repeat_interleave(torch.arange(len(parts)), torch.tensor([len(part) for part in parts]))
    if keep is not None and tokens.numel() > 0:
        if bool((tokens < 0).any()) or int(tokens.max()) >= keep.numel():
            raise ValueError(f"ids must be in [0, {keep.numel()}) to look up keep, got {tokens.min()}..{tokens.max()}")
        kept = torch.rand(tokens.shape, generator=generator, dtype=torch.float64) < keep.to(torch.float64)[tokens]
        tokens, sentence_ids = tokens[kept], sentence_ids[kept]
    return tokens, sentence_ids


def _reaches(size: int, window: int, dynamic_window: bool, generator: Optional[torch.Generator]) -> Tensor:
    """The effective window b of every centre word: uniform in 1..window, or window itself."""
    if dynamic_window:
        return torch.randint(1, window + 1, (size,), generator=generator)
    return torch.full((size,), window, dtype=torch.long)


def skipgram_pairs(sentences: Sequence[Sequence[int]], window: int, keep: Optional[Tensor] = None,
                   generator: Optional[torch.Generator] = None, dynamic_window: bool = True) -> Tuple[Tensor, Tensor]:
    """All skip-gram pairs (c, t): t = x_{i+d} for the centre c = x_i, 1 <= |d| <= b_i, within one sentence.

    Args:
        sentences: lists (or 1-D tensors) of ids.
        window: the largest distance between c and t.
        keep: P_keep (V,) from ``keep_probabilities``; None keeps every word.
        generator: for the subsampling and the dynamic windows.
        dynamic_window: b_i ~ uniform{1..window} per centre word (word2vec); False: b_i = window.
    Returns:
        (centres, contexts): two (N,) long tensors, in reading order (by centre, then by neighbour).
    """
    _check_window(window)
    tokens, sentence_ids = _kept_tokens(sentences, keep, generator)
    size = tokens.numel()
    reach = _reaches(size, window, dynamic_window, generator)
    centres, contexts = [], []
    for distance in range(1, window + 1):
        left = torch.arange(max(size - distance, 0))
        right = left + distance
        same_sentence = sentence_ids[left] == sentence_ids[right]
        forward = same_sentence & (reach[left] >= distance)           # x_{i+d} is in the window of x_i
        backward = same_sentence & (reach[right] >= distance)         # x_{i-d} is in the window of x_i
        centres += [left[forward], right[backward]]
        contexts += [right[forward], left[backward]]
    centre_at = torch.cat(centres) if centres else torch.empty(0, dtype=torch.long)
    context_at = torch.cat(contexts) if contexts else torch.empty(0, dtype=torch.long)
    order = torch.argsort(centre_at * max(size, 1) + context_at)
    return tokens[centre_at[order]], tokens[context_at[order]]


def cbow_examples(sentences: Sequence[Sequence[int]], window: int, keep: Optional[Tensor] = None,
                  generator: Optional[torch.Generator] = None, pad_id: int = 0,
                  dynamic_window: bool = True) -> Tuple[Tensor, Tensor]:
    """CBOW examples: the neighbours x_{i-b}..x_{i-1}, x_{i+1}..x_{i+b} of every word x_i, and x_i.

    Args and windows as in ``skipgram_pairs``.
    Returns:
        (contexts, targets): (N, 2 window) and (N,) long tensors. Column window - d holds x_{i-d} and
        column window - 1 + d holds x_{i+d}; the places outside the sentence or beyond b_i hold ``pad_id``
        (so pad_id should not occur in the sentences). Words with no neighbour (one-word sentences) are
        left out, as word2vec does.
    """
    _check_window(window)
    tokens, sentence_ids = _kept_tokens(sentences, keep, generator)
    size = tokens.numel()
    reach = _reaches(size, window, dynamic_window, generator)
    contexts = torch.full((size, 2 * window), pad_id, dtype=torch.long)
    present = torch.zeros((size, 2 * window), dtype=torch.bool)
    for distance in range(1, window + 1):
        left = torch.arange(max(size - distance, 0))
        right = left + distance
        same_sentence = sentence_ids[left] == sentence_ids[right]
        has_right = same_sentence & (reach[left] >= distance)         # x_{i+d} for x_i = tokens[left]
        has_left = same_sentence & (reach[right] >= distance)         # x_{i-d} for x_i = tokens[right]
        contexts[left[has_right], window - 1 + distance] = tokens[right[has_right]]
        present[left[has_right], window - 1 + distance] = True
        contexts[right[has_left], window - distance] = tokens[left[has_left]]
        present[right[has_left], window - distance] = True
    rows = present.any(dim=1)
    return contexts[rows], tokens[rows]
