"""NGramModel: normalised distributions, hand-worked add-k and Witten–Bell values, the vectorised perplexity
against the scalar log_prob path, and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seqmodels.models.ngram import NGramModel

# A tiny stream over V = 5 ids; id 4 never occurs, id 3 occurs only as the last token.
STREAM = [0, 1, 2, 0, 1, 0, 2, 2, 1, 0, 1, 3]
V = 5


def _distribution(model: NGramModel, history) -> np.ndarray:
    return np.array([math.exp(model.log_prob(history, token)) for token in range(model.vocab_size)])


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize(
    "history",
    [
        [],  # no history: the unigram level
        [0],  # seen history, shorter than order - 1 for order 3
        [0, 1],  # seen bigram history
        [2, 2],  # seen once
        [1, 3],  # history 3 is never followed by anything: c(h) = 0
        [4, 4],  # unseen ids
        [3, 4, 0, 1],  # longer than order - 1: only the last ids count
    ],
)
def test_probabilities_sum_to_one(order, history):
    model = NGramModel(order, V, add_k=0.5).fit(STREAM)
    probs = _distribution(model, history)
    assert np.all(probs > 0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)


def test_unigram_perplexity_by_hand():
    # Fit on [0, 0, 1] with V = 3, k = 1: P(0) = 3/6, P(1) = 2/6, P(2) = 1/6.
    model = NGramModel(1, 3, add_k=1.0).fit([0, 0, 1])
    expected = (1 / 2 * 1 / 3 * 1 / 6) ** (-1 / 3)
    assert model.perplexity([0, 1, 2]) == pytest.approx(expected, rel=1e-12)
    assert model.log_prob([2, 2], 0) == pytest.approx(math.log(1 / 2), rel=1e-12)


def test_witten_bell_bigram_by_hand():
    # Stream [0, 1, 0, 2, 0, 1], V = 4, k = 1: c(0) = 3, c(1) = 2, c(2) = 1, c(3) = 0, N = 6, so
    # P_1 = (4/10, 3/10, 2/10, 1/10). Bigrams: (0,1) x2, (1,0), (0,2), (2,0).
    # History 0: c(0, .) = 3, T(0) = 2 -> P(w | 0) = (c(0, w) + 2 P_1(w)) / 5.
    # History 1: c(1, .) = 1 (the final 1 is followed by nothing), T(1) = 1 -> P(w | 1) = (c(1, w) + P_1(w)) / 2.
    # History 3: never seen -> P(w | 3) = P_1(w).
    model = NGramModel(2, 4, add_k=1.0).fit(np.array([0, 1, 0, 2, 0, 1]))
    expected = {
        (0, 1): (2 + 2 * 3 / 10) / 5,  # 13/25
        (0, 2): (1 + 2 * 2 / 10) / 5,  # 7/25
        (0, 0): (0 + 2 * 4 / 10) / 5,  # 4/25
        (0, 3): (0 + 2 * 1 / 10) / 5,  # 1/25
        (1, 0): (1 + 4 / 10) / 2,  # 7/10
        (1, 1): (0 + 3 / 10) / 2,  # 3/20
        (3, 2): 2 / 10,
    }
    for (history, token), prob in expected.items():
        assert math.exp(model.log_prob([history], token)) == pytest.approx(prob, rel=1e-12), (history, token)
    # The first position has no history and falls back to the unigram; the others use the bigram.
    mean_log = (math.log(4 / 10) + math.log(13 / 25) + math.log(7 / 10)) / 3
    assert model.perplexity([0, 1, 0]) == pytest.approx(math.exp(-mean_log), rel=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_vectorised_perplexity_matches_scalar_path(order):
    generator = np.random.default_rng(order)
    train = generator.integers(0, 7, size=300)
    test = np.concatenate([generator.integers(0, 8, size=60), train[:40]])  # id 7 and many unseen n-grams
    model = NGramModel(order, 8, add_k=0.3).fit(torch.from_numpy(train))
    scalar = [model.log_prob(test[max(0, i - order + 1) : i], int(test[i])) for i in range(len(test))]
    assert model.perplexity(test) == pytest.approx(math.exp(-np.mean(scalar)), rel=1e-12)
    assert model.perplexity(test.tolist()) == model.perplexity(torch.from_numpy(test))


def test_higher_order_fits_a_repetitive_stream_better():
    stream = [0, 1, 2, 3, 2, 1] * 50
    unigram = NGramModel(1, 6).fit(stream).perplexity(stream)
    trigram = NGramModel(3, 6).fit(stream).perplexity(stream)
    assert unigram > 3.5
    assert trigram < 1.2


def test_refit_replaces_the_counts():
    model = NGramModel(2, 3).fit([0, 0, 0, 0])
    refitted = model.fit([1, 2, 1, 2])
    assert refitted is model
    assert model.perplexity([1, 2, 1]) == NGramModel(2, 3).fit([1, 2, 1, 2]).perplexity([1, 2, 1])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"order": 0, "vocab_size": 5}, "order"),
        ({"order": 2.0, "vocab_size": 5}, "order"),
        ({"order": True, "vocab_size": 5}, "order"),
        ({"order": 5, "vocab_size": 33278}, "order"),  # 5-gram keys overflow int64
        ({"order": 2, "vocab_size": 0}, "vocab_size"),
        ({"order": 2, "vocab_size": 5.0}, "vocab_size"),
        ({"order": 2, "vocab_size": 5, "add_k": 0}, "add_k"),
        ({"order": 2, "vocab_size": 5, "add_k": -1.0}, "add_k"),
        ({"order": 2, "vocab_size": 5, "add_k": float("nan")}, "add_k"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        NGramModel(**kwargs)


def test_largest_order_that_fits_int64_is_accepted():
    NGramModel(4, 33278)


def test_bad_streams_raise_value_error():
    model = NGramModel(2, 5)
    with pytest.raises(ValueError, match="empty"):
        model.fit([])
    with pytest.raises(ValueError, match="id 7"):
        model.fit([0, 1, 7, 2])
    with pytest.raises(ValueError, match="id -1"):
        model.fit(np.array([0, -1]))
    with pytest.raises(ValueError, match="1-D"):
        model.fit([[0, 1], [2, 3]])
    with pytest.raises(ValueError, match="integer"):
        model.fit([0.0, 1.0])
    model.fit(STREAM[:6])
    with pytest.raises(ValueError, match="id 5"):
        model.perplexity([0, 5])
    with pytest.raises(ValueError, match="id 9"):
        model.log_prob([0], 9)
    with pytest.raises(ValueError, match="id 6"):
        model.log_prob([6], 0)


def test_scoring_before_fit_raises_runtime_error():
    model = NGramModel(3, 5)
    with pytest.raises(RuntimeError, match="fit"):
        model.perplexity([0, 1])
    with pytest.raises(RuntimeError, match="fit"):
        model.log_prob([0], 1)
