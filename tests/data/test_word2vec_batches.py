"""word2vec batches: runs of words with their windows, against a brute-force list of the (centre, neighbour) pairs."""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Tuple

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqmodels.data.batching.word2vec import WordRuns, window_weights
from seqmodels.data.batching.word_sampling import NegativeSampler, word_stream
from seqmodels.errors import ConfigError

PAD = 0


def brute_force_pairs(sentences: List[List[int]], window: int) -> Counter:
    """Every (centre word, neighbour, distance) of every sentence, by position: the pairs a batch must hold."""
    pairs: Counter = Counter()
    for sentence in sentences:
        for i, centre in enumerate(sentence):
            for j, neighbour in enumerate(sentence):
                if 1 <= abs(i - j) <= window:
                    pairs[(centre, neighbour, abs(i - j))] += 1
    return pairs


def batch_pairs(runs: WordRuns, window: int) -> Tuple[Counter, Dict[int, float]]:
    """The (centre, neighbour, distance) pairs of all runs in one batch with a weight > 0, and each distance's ω."""
    batch = runs.batch(list(range(len(runs))), sampler=None, negatives_per_run=0)
    pairs: Counter = Counter()
    weights: Dict[int, float] = {}
    chunks, length, width = batch.weights.shape
    for chunk in range(chunks):
        for position in range(length):
            for column in range(width):
                weight = batch.weights[chunk, position, column].item()
                if weight > 0:
                    distance = abs(column - window)
                    centre = batch.tokens[chunk, window + position].item()
                    pairs[(centre, batch.tokens[chunk, position + column].item(), distance)] += 1
                    assert weights.setdefault(distance, weight) == weight
    return pairs, weights


def test_window_weights_are_the_dynamic_window_in_expectation() -> None:
    assert window_weights(3).tolist() == pytest.approx([1 / 3, 2 / 3, 1, 0, 1, 2 / 3, 1 / 3])  # P(b >= |d|)
    assert window_weights(2, expected=False).tolist() == [1, 1, 0, 1, 1]
    draws = torch.randint(1, 4, (100_000,), generator=torch.Generator().manual_seed(0))  # b ~ uniform{1, 2, 3}
    reached = torch.stack([(draws >= d).double().mean() for d in (1, 2, 3)])
    torch.testing.assert_close(reached, window_weights(3)[4:].double(), atol=0.01, rtol=0)


def test_runs_hold_every_pair_of_a_small_corpus() -> None:
    sentences = [[1, 2, 3, 4], [5], [6, 7]]
    tokens, sentence_ids = word_stream(sentences)
    runs = WordRuns(tokens, sentence_ids, window=2, length=3, pad_id=PAD, weights=window_weights(2))
    assert len(runs) == 3  # 7 words in runs of 3
    pairs, weights = batch_pairs(runs, window=2)
    assert pairs == brute_force_pairs(sentences, window=2)  # 5 has no neighbour; none across sentences
    assert weights == {1: 1.0, 2: 0.5}
    batch = runs.batch([0], sampler=None, negatives_per_run=0)
    assert batch.tokens.tolist() == [[PAD, PAD, 1, 2, 3, 4, 5]] and batch.negatives is None
    assert batch.weights[0].tolist() == [[0, 0, 0, 1, 0.5], [0, 1, 0, 1, 0.5], [0.5, 1, 0, 1, 0]]


@settings(max_examples=60, deadline=None)
@given(sentences=st.lists(st.lists(st.integers(1, 9), max_size=7), max_size=6), window=st.integers(1, 4),
       length=st.integers(1, 5))
def test_runs_hold_exactly_the_pairs_within_the_window(sentences: List[List[int]], window: int, length: int) -> None:
    tokens, sentence_ids = word_stream(sentences)
    runs = WordRuns(tokens, sentence_ids, window, length, pad_id=PAD, weights=window_weights(window, expected=False))
    pairs, weights = batch_pairs(runs, window)
    assert pairs == brute_force_pairs(sentences, window)
    assert set(weights.values()) <= {1.0}


def test_every_run_draws_its_own_pool_of_noise_words() -> None:
    tokens, sentence_ids = word_stream([list(range(1, 9))])
    runs = WordRuns(tokens, sentence_ids, window=1, length=4, pad_id=PAD, weights=window_weights(1))
    batch = runs.batch([1, 0], NegativeSampler([0, 1, 1, 1, 1, 1, 1, 1, 1]), negatives_per_run=3,
                       generator=torch.Generator().manual_seed(1))
    assert batch.tokens[:, 1:-1].tolist() == [[5, 6, 7, 8], [1, 2, 3, 4]]  # the runs asked for, in that order
    assert batch.negatives.shape == (2, 3) and batch.negatives.min() >= 1          # P = 3 for each of the 2 runs


def test_bad_windows_and_run_lengths_are_config_errors() -> None:
    for window in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="data.window"):
            window_weights(window)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="data.run_length=0"):
        WordRuns(torch.tensor([1, 2]), torch.tensor([0, 0]), 1, 0, PAD, window_weights(1))


def test_an_empty_corpus_has_no_runs() -> None:
    tokens, sentence_ids = word_stream([[], []])
    assert len(WordRuns(tokens, sentence_ids, 2, 4, PAD, window_weights(2))) == 0
