"""Batches of word2vec examples: runs of consecutive words with their windows, and a pool of noise words per run.

An example is a centre word x_i (the word to predict, as in the word2vec C code) and its neighbours
x_{i+d}, 1 <= |d| <= W, in the same sentence: skip-gram makes one pair (x_{i+d} -> x_i) of each neighbour,
CBOW one example of their mean. The C code draws an effective window b_i ~ uniform{1..W} for every centre
word; here every neighbour is kept with the probability that the drawn window reaches it as its weight,

    ω(d) = P(b >= |d|) = (W + 1 - |d|) / W          (1, (W-1)/W, ..., 1/W for |d| = 1, 2, ..., W)

which is the same objective in expectation with less noise, and costs nothing in a fixed-width layout.
Evaluation weighs every neighbour 1 (the full window, as one would score the model).

A batch holds ``chunks`` runs of ``L`` consecutive words of the (subsampled) corpus, each with the W words
before and after it: ``tokens`` (chunks, L + 2W). The word at column W + l of a row is a centre word, and
its window is columns l .. l + 2W, so a model looks each word's vector up once per run and reads the
windows as overlapping views (``Tensor.unfold``) instead of gathering 2W vectors per centre word. The runs
start at random places every epoch (shuffled runs: one batch never holds a whole article, whose repeated
words would add up to one huge step). ``weights`` (chunks, L, 2W + 1) holds ω(d) for every centre and
neighbour column (0 for the centre itself, for words of another sentence and for the padding past the ends).
``negatives`` (chunks, P) holds each run's pool of noise words, which all the run's pairs share
(:mod:`seqmodels.models.word2vec`).
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional

import torch
from torch import Tensor

from seqmodels.data.batching.word_sampling import NegativeSampler
from seqmodels.errors import ConfigError


class Word2VecBatch(NamedTuple):
    tokens: Tensor               # (chunks, L + 2W) ids: runs of L centre words with W words of context each side
    weights: Tensor              # (chunks, L, 2W + 1) ω of each (centre, neighbour column); 0: not a pair
    negatives: Optional[Tensor]  # (chunks, P) the noise words of each run, shared by its pairs, or None (softmaxes)


def window_weights(window: int, expected: bool = True) -> Tensor:
    """ω over the columns d = -W..W of a window (2W + 1,): (W + 1 - |d|) / W when ``expected`` (the dynamic
    window in expectation), 1 otherwise (the full window); 0 at d = 0, the centre word itself."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ConfigError(f"data.window={window!r}: must be an integer >= 1")
    distance = torch.arange(-window, window + 1).abs()
    weights = (window + 1 - distance).float() / window if expected else torch.ones(2 * window + 1)
    weights[window] = 0.0
    return weights


class WordRuns:
    """A corpus of ids (the words kept this epoch) cut into runs of ``length`` words, served with their windows.

    Args:
        tokens: (M,) the ids, sentence after sentence. sentence_ids: (M,) the sentence of each id.
        window: W. length: L, the centre words of a run. pad_id: the id of the padding past the corpus' ends.
        weights: ω (2W + 1,) from :func:`window_weights`.
    """

    def __init__(self, tokens: Tensor, sentence_ids: Tensor, window: int, length: int, pad_id: int,
                 weights: Tensor) -> None:
        if length < 1:
            raise ConfigError(f"data.run_length={length!r}: must be an integer >= 1")
        if weights.shape != (2 * window + 1,):
            raise ValueError(f"weights must be (2W + 1,) = ({2 * window + 1},), got {tuple(weights.shape)}")
        self.window, self.length, self.weights = window, length, weights
        self.size = tokens.numel()
        padded = -(-self.size // length) * length
        margin, tail = window, padded - self.size + window
        # sentence -1: padding, never in the window of a word nor a centre word (weights are 0 there)
        self.tokens = torch.cat([tokens.new_full((margin,), pad_id), tokens, tokens.new_full((tail,), pad_id)])
        self.sentence_ids = torch.cat([sentence_ids.new_full((margin,), -1), sentence_ids,
                                       sentence_ids.new_full((tail,), -1)])
        self.span = torch.arange(length + 2 * window)

    def __len__(self) -> int:
        """The number of runs."""
        return -(-self.size // self.length)

    def batch(self, runs: List[int], sampler: Optional[NegativeSampler], negatives_per_run: int,
              generator: Optional[torch.Generator] = None) -> Word2VecBatch:
        """The runs ``runs`` (indices < len(self)) as one batch, each run with a pool of ``negatives_per_run``
        noise words drawn from ``sampler`` (None: no noise words)."""
        where = torch.as_tensor(runs, dtype=torch.long).unsqueeze(1) * self.length + self.span  # (chunks, L + 2W)
        tokens, sentences = self.tokens[where], self.sentence_ids[where]
        window = self.window
        centres = sentences[:, window:window + self.length].unsqueeze(-1)                       # (chunks, L, 1)
        pairs = (sentences.unfold(1, 2 * window + 1, 1) == centres) & (centres >= 0)            # (chunks, L, 2W + 1)
        weights = pairs * self.weights                                      # ω(d); 0 across sentences, in padding
        noise = sampler.sample((len(runs), negatives_per_run), generator) if sampler is not None else None
        return Word2VecBatch(tokens, weights, noise)
