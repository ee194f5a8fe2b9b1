"""word2vec examples: the noise distribution, subsampling, skip-gram pairs and CBOW windows."""

from __future__ import annotations

import math

import pytest
import torch

from seqmodels.data.batching.skipgram_pairs import (
    NegativeSampler,
    cbow_examples,
    keep_probabilities,
    noise_distribution,
    skipgram_pairs,
)
from seqmodels.errors import ConfigError

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
    # with window 1 every word kept in a sentence of >= 2 kept words is a CBOW target exactly once
    _, targets = cbow_examples([corpus.tolist()], window=1, keep=keep, generator=torch.Generator().manual_seed(3))
    kept = torch.bincount(targets, minlength=5).double()[1:] / torch.tensor(counts[1:], dtype=torch.float64)
    expected = keep[1:]
    standard_error = (expected * (1 - expected) / torch.tensor(counts[1:])).sqrt()
    assert ((kept - expected).abs() <= 4 * standard_error + 1e-12).all(), (kept, expected)
    assert kept[0] < 0.15 < kept[1] < 0.6 and kept[2] == kept[3] == 1.0


def test_fixed_windows_list_every_pair_in_reading_order() -> None:
    centres, contexts = skipgram_pairs([[1, 2, 3, 4], [5], [6, 7]], window=2, dynamic_window=False)
    pairs = list(zip(centres.tolist(), contexts.tolist()))
    assert pairs == [(1, 2), (1, 3), (2, 1), (2, 3), (2, 4), (3, 1), (3, 2), (3, 4), (4, 2), (4, 3), (6, 7), (7, 6)]


def test_dynamic_windows_stay_within_the_window_and_shrink_on_average() -> None:
    sentence = list(range(1, 41))  # id = position + 1, so a pair's distance is |c - t|
    fixed, _ = skipgram_pairs([sentence] * 20, window=3, dynamic_window=False)
    centres, contexts = skipgram_pairs([sentence] * 20, window=3, generator=torch.Generator().manual_seed(4))
    distance = (centres - contexts).abs()
    assert distance.min() >= 1 and distance.max() <= 3
    by_distance = torch.bincount(distance)
    assert by_distance[1] > by_distance[2] > by_distance[3]  # near neighbours count more
    assert 0.5 * fixed.numel() < centres.numel() < 0.8 * fixed.numel()  # E[b] = 2 of 3: about 2/3 of the pairs


def test_subsampling_in_skipgram_pairs_drops_words_from_the_pairs() -> None:
    keep = torch.tensor([1.0, 1.0, 0.0, 1.0])
    centres, contexts = skipgram_pairs([[1, 2, 3], [2, 2]], window=1, keep=keep, dynamic_window=False)
    assert list(zip(centres.tolist(), contexts.tolist())) == [(1, 3), (3, 1)]  # 2 dropped: 1 and 3 become neighbours


def test_cbow_examples_pad_missing_neighbours() -> None:
    contexts, targets = cbow_examples([[5, 6, 7], [8], [9, 4]], window=2, pad_id=0, dynamic_window=False)
    assert contexts.shape == (5, 4) and targets.tolist() == [5, 6, 7, 9, 4]  # the one-word sentence gives nothing
    assert contexts.tolist() == [[0, 0, 6, 7], [0, 5, 7, 0], [5, 6, 0, 0], [0, 0, 4, 0], [0, 9, 0, 0]]
    generator = torch.Generator().manual_seed(5)
    contexts, targets = cbow_examples([list(range(1, 30))], window=3, pad_id=0, generator=generator)
    assert contexts.shape == (29, 6)
    offsets = torch.tensor([-3, -2, -1, 1, 2, 3])
    present = contexts != 0
    assert torch.equal(contexts[present], (targets.unsqueeze(1) + offsets).expand_as(contexts)[present])
    assert (~present).any()  # dynamic windows leave some places padded


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
def test_a_bad_window_is_a_config_error(window: object) -> None:
    with pytest.raises(ConfigError, match="data.window"):
        skipgram_pairs([[1, 2]], window=window)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="data.window"):
        cbow_examples([[1, 2]], window=window)  # type: ignore[arg-type]


def test_empty_input_gives_no_examples() -> None:
    centres, contexts = skipgram_pairs([], window=2)
    assert centres.shape == contexts.shape == (0,)
    contexts, targets = cbow_examples([[], [3]], window=2)
    assert contexts.shape == (0, 4) and targets.shape == (0,)
    assert NegativeSampler([1, 2]).sample((0, 5)).shape == (0, 5)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="counts"):
        noise_distribution([0, 0])
    with pytest.raises(ValueError, match="counts"):
        keep_probabilities([3, -1])
