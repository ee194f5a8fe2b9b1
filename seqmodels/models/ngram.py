"""An n-gram language model over token ids: the baseline that shows what an RNN language model buys.

Smoothing is interpolated Witten–Bell, recursively down to an add-k unigram (V = ``vocab_size``):

    P_1(w)      = (c(w) + k) / (N + k V)
    P_n(w | h)  = (c(h, w) + T(h) · P_{n-1}(w | h')) / (c(h) + T(h))

where N is the number of tokens fitted, h' is h without its oldest token, c(h) is the count of the history h
followed by anything, T(h) the number of distinct types seen after h, and P_n(w | h) = P_{n-1}(w | h') when
c(h) = 0. Every level is a distribution over the V ids, so every P_n sums to 1.

Counting is done with numpy: an m-gram (w_1, ..., w_m) is encoded as the int64 key ((w_1 V + w_2) V + ...) V + w_m,
the keys are counted with ``np.unique`` and looked up with ``np.searchsorted``. ``perplexity`` scores a whole stream
at once, level by level; ``log_prob`` is the scalar path for one token.
"""

from __future__ import annotations

import math
from typing import List, Sequence, Tuple, Union

import numpy as np
import torch

from seqmodels.errors import ConfigError

Ids = Union[Sequence[int], np.ndarray, torch.Tensor]

INT64_MAX = int(np.iinfo(np.int64).max)


def _window_keys(ids: np.ndarray, length: int, vocab_size: int) -> np.ndarray:
    """The int64 keys of every window of ``length`` consecutive ids; key j encodes ids[j : j + length]."""
    count = ids.size - length + 1
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    keys = ids[:count].copy()
    for offset in range(1, length):
        keys = keys * vocab_size + ids[offset : offset + count]
    return keys


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at the positions of ``queries`` in ``sorted_keys`` (unique, ascending); 0 for absent queries."""
    if sorted_keys.size == 0:
        return np.zeros(queries.shape, dtype=values.dtype)
    index = np.minimum(np.searchsorted(sorted_keys, queries), sorted_keys.size - 1)
    return np.where(sorted_keys[index] == queries, values[index], 0)


class NGramModel:
    """An order-n language model over ids in [0, vocab_size), Witten–Bell interpolated down to an add-k unigram.

    ``order`` is n (1 is the unigram model); ``add_k`` is the pseudo-count k of every id in the unigram level, which
    keeps every probability positive. Fit on one contiguous stream of ids, then score streams with ``perplexity``
    or single tokens with ``log_prob``.
    """

    def __init__(self, order: int, vocab_size: int, add_k: float = 1.0) -> None:
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ConfigError(f"order={order!r}: the order of an n-gram model must be an int >= 1")
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
            raise ConfigError(f"vocab_size={vocab_size!r}: the vocabulary size must be an int >= 1")
        if isinstance(add_k, bool) or not isinstance(add_k, (int, float)) or not (0 < add_k < math.inf):
            raise ConfigError(f"add_k={add_k!r}: the unigram pseudo-count must be a finite number > 0")
        if vocab_size**order - 1 > INT64_MAX:
            raise ConfigError(
                f"order={order}: with vocab_size={vocab_size} the keys of {order}-grams (up to vocab_size**order) "
                f"overflow int64; use order <= {self._max_order(vocab_size)}"
            )
        self.order = order
        self.vocab_size = vocab_size
        self.add_k = float(add_k)
        self._unigram: np.ndarray | None = None
        # Per level m = 2..order: (m-gram keys, their counts, history keys, c(h), T(h)), keys sorted ascending.
        self._levels: List[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    @staticmethod
    def _max_order(vocab_size: int) -> int:
        """The largest order whose keys fit in int64 for ``vocab_size``."""
        order = 1
        while vocab_size ** (order + 1) - 1 <= INT64_MAX:
            order += 1
        return order

    def _as_ids(self, stream: Ids, name: str, allow_empty: bool = False) -> np.ndarray:
        """``stream`` as a 1-D int64 array of ids within [0, vocab_size), checked to be non-empty unless allowed."""
        if isinstance(stream, torch.Tensor):
            stream = stream.detach().cpu().numpy()
        ids = np.asarray(stream)
        if ids.ndim != 1:
            raise ValueError(f"{name} must be one 1-D stream of ids, got shape {ids.shape}")
        if ids.size == 0:
            if allow_empty:
                return np.empty(0, dtype=np.int64)
            raise ValueError(f"{name} is empty: an n-gram model needs at least one token")
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{name} must hold integer token ids, got dtype {ids.dtype}")
        ids = ids.astype(np.int64, copy=False)
        bad = (ids < 0) | (ids >= self.vocab_size)
        if bad.any():
            raise ValueError(f"{name} holds the id {int(ids[bad][0])}, outside [0, {self.vocab_size})")
        return ids

    def _check_fitted(self) -> np.ndarray:
        """The unigram distribution; raises if ``fit`` has not been called."""
        if self._unigram is None:
            raise RuntimeError("this NGramModel is not fitted yet: call fit(stream) before scoring")
        return self._unigram

    def fit(self, stream: Ids) -> "NGramModel":
        """Count the n-grams of ``stream`` (one contiguous stream of ids), replacing any earlier fit; returns self."""
        ids = self._as_ids(stream, "the stream to fit")
        counts = np.bincount(ids, minlength=self.vocab_size)
        self._unigram = (counts + self.add_k) / (ids.size + self.add_k * self.vocab_size)
        self._levels = []
        for m in range(2, self.order + 1):
            keys, key_counts = np.unique(_window_keys(ids, m, self.vocab_size), return_counts=True)
            key_counts = key_counts.astype(np.int64)
            history_keys, starts, types = np.unique(keys // self.vocab_size, return_index=True, return_counts=True)
            totals = np.add.reduceat(key_counts, starts)
            self._levels.append((keys, key_counts, history_keys, totals, types.astype(np.int64)))
        return self

    def log_prob(self, history: Ids, token: int) -> float:
        """Natural log of P(token | the last order-1 ids of ``history``); a shorter history uses a lower order."""
        unigram = self._check_fitted()
        (token,) = self._as_ids([token], "token").tolist()
        context = self._as_ids(history, "history", allow_empty=True).tolist()
        context = context[len(context) - min(len(context), self.order - 1) :]
        prob = float(unigram[token])
        for m in range(2, len(context) + 2):
            keys, key_counts, history_keys, totals, types = self._levels[m - 2]
            history_key = 0
            for id_ in context[len(context) - (m - 1) :]:
                history_key = history_key * self.vocab_size + id_
            query = np.array([history_key], dtype=np.int64)
            total = int(_lookup(history_keys, totals, query)[0])
            if total > 0:
                distinct = int(_lookup(history_keys, types, query)[0])
                count = int(_lookup(keys, key_counts, query * self.vocab_size + token)[0])
                prob = (count + distinct * prob) / (total + distinct)
        return math.log(prob)

    def perplexity(self, stream: Ids) -> float:
        """exp(-mean log P(w_i | w_{i-n+1..i-1})) over every position i of ``stream``, evaluated at once.

        The first n-2 positions have fewer than n-1 ids before them and use the shorter history available.
        """
        unigram = self._check_fitted()
        ids = self._as_ids(stream, "the stream to score")
        probs = unigram[ids]
        for m, (keys, key_counts, history_keys, totals, types) in enumerate(self._levels, start=2):
            # Window j covers ids[j : j + m] and scores position j + m - 1 from its m - 1 predecessors. The windows
            # are visited in key order: sorted queries make the binary searches several times faster.
            ngram_keys = _window_keys(ids, m, self.vocab_size)
            windows = np.argsort(ngram_keys)
            ngram_keys = ngram_keys[windows]
            history = ngram_keys // self.vocab_size
            total = _lookup(history_keys, totals, history)
            seen = total > 0
            distinct = _lookup(history_keys, types, history[seen])
            count = _lookup(keys, key_counts, ngram_keys[seen])
            positions = windows[seen] + m - 1
            probs[positions] = (count + distinct * probs[positions]) / (total[seen] + distinct)
        return float(np.exp(-np.mean(np.log(probs))))
