"""Which words word2vec trains on: the noise distribution of negative samples, and subsampling."""

from __future__ import annotations

import math

import pytest
import torch

from seqmodels.data.batching.word_sampling import (
    NegativeSampler,
    keep_probabilities,
    kept_words,
    noise_distribution,
    word_stream,
)

COUNTS = [0, 4000, 1000, 300, 50, 10]  # id 0 is a special token (pad) that never occurs


def test_noise_distribution_is_counts_to_the_three_quarters_normalised() -> None:
    expected = [c ** 0.75 for c in COUNTS]
    expected = [w / sum(expected) for w in expected]
    assert noise_distribution(COUNTS).tolist() == pytest.approx(expected, rel=1e-12)
    assert noise_distribution(torch.tensor(COUNTS), power=0.0).tolist() == pytest.approx([0] + [0.2] * 5)
    assert noise_distribution(COUNTS, power=1.0).tolist() == pytest.approx([c / sum(COUNTS) for c in COUNTS])


def test_negative_samples_follow_the_unigram_to_the_three_quarters() -> None:
    draws = 200_000
    samples = NegativeSampler(COUNTS).sample((draws // 4, 4), generator=torch.Generator().manual_seed(1))
    assert samples.shape == (draws // 4, 4) and samples.dtype == torch.long
    observed = torch.bincount(samples.flatten(), minlength=len(COUNTS)).double() / draws
    target = noise_distribution(COUNTS)
    standard_error = (target * (1 - target) / draws).sqrt()
    assert observed[0] == 0  # never a zero-count id
    assert ((observed - target).abs()[1:] <= 4 * standard_error[1:]).all(), (observed, target)
    unigram = torch.tensor(COUNTS, dtype=torch.float64) / sum(COUNTS)
    unigram_error = (unigram * (1 - unigram) / draws).sqrt()
    assert ((observed - unigram).abs()[1:] / unigram_error[1:]).max() > 50  # clearly not the plain unigram
    assert observed[5] > 2 * unigram[5]  # the rarest word is drawn more than twice as often as its frequency


@pytest.mark.parametrize("counts", [COUNTS, [7], [0, 0, 3, 0, 1], torch.randint(0, 1000, (500,)).tolist() + [1]])
def test_the_alias_table_holds_the_noise_distribution_exactly(counts: list) -> None:
    sampler = NegativeSampler(counts)
    size = len(counts)
    # P(w) = (accept[w] + Σ_{i: alias[i] = w} (1 - accept[i])) / V, read off the table without drawing
    held = sampler.accept.clone().index_add_(0, sampler.alias, 1 - sampler.accept) / size
    assert held.tolist() == pytest.approx(noise_distribution(counts).tolist(), abs=1e-12)
    never = torch.tensor(counts) == 0
    assert (sampler.accept[never] == 0).all() and (torch.tensor(counts)[sampler.alias] > 0).all()


def test_keep_probabilities_follow_the_word2vec_formula() -> None:
    threshold = 1e-3
    keep = keep_probabilities(COUNTS, threshold).tolist()
    total = sum(COUNTS)
    for count, probability in zip(COUNTS[1:], keep[1:]):
        ratio = threshold / (count / total)
        assert probability == pytest.approx(min(1.0, math.sqrt(ratio) + ratio), rel=1e-12)
    assert keep[0] == 1.0 and keep[5] == 1.0  # unseen and rare ids are always kept
    assert keep[1] == pytest.approx(math.sqrt(1e-3 * 5360 / 4000) + 1e-3 * 5360 / 4000)  # 0.03798
    assert keep_probabilities(COUNTS, threshold=0).tolist() == [1.0] * 6


def test_subsampling_drops_frequent_words_more_often() -> None:
    counts = [0, 9000, 900, 90, 10]
    corpus = torch.cat([torch.full((count,), word) for word, count in enumerate(counts)])
    corpus = corpus[torch.randperm(corpus.numel(), generator=torch.Generator().manual_seed(2))]
    keep = keep_probabilities(counts, threshold=1e-2)
    tokens, sentence_ids = kept_words(word_stream([corpus.tolist()]), keep, torch.Generator().manual_seed(3))
    assert (sentence_ids == 0).all()
    kept = torch.bincount(tokens, minlength=5).double()[1:] / torch.tensor(counts[1:], dtype=torch.float64)
    expected = keep[1:]
    standard_error = (expected * (1 - expected) / torch.tensor(counts[1:])).sqrt()
    assert ((kept - expected).abs() <= 4 * standard_error + 1e-12).all(), (kept, expected)
    assert kept[0] < 0.15 < kept[1] < 0.6 and kept[2] == kept[3] == 1.0


def test_the_stream_keeps_the_reading_order_and_the_sentences() -> None:
    keep = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0])
    tokens, sentence_ids = kept_words(word_stream([[1, 2, 3], [], [2, 2, 4]]), keep)
    assert tokens.tolist() == [1, 3, 4] and sentence_ids.tolist() == [0, 0, 2]  # 2 dropped: 1 and 3 now neighbours
    tokens, sentence_ids = word_stream([[5, 6], [7]])
    assert tokens.tolist() == [5, 6, 7] and sentence_ids.tolist() == [0, 0, 1]


def test_empty_input_gives_no_words() -> None:
    tokens, sentence_ids = word_stream([])
    assert tokens.shape == sentence_ids.shape == (0,)
    assert NegativeSampler([1, 2]).sample((0, 5)).shape == (0, 5)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="counts"):
        noise_distribution([0, 0])
    with pytest.raises(ValueError, match="counts"):
        keep_probabilities([3, -1])


def test_the_stream_leaves_the_special_tokens_out() -> None:
    tokens, sentence_ids = word_stream([[5, 1, 6], [0, 2], [7]], first_word=4)  # ids 0..3: <pad>, <unk>, ...
    assert tokens.tolist() == [5, 6, 7] and sentence_ids.tolist() == [0, 0, 2]  # 5 and 6 become neighbours
