"""The hierarchical softmax: a distribution over the words, the path sums of its equation, gradients, and a
Huffman tree that is a prefix code of the optimal expected length."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax, huffman_tree

D = 4


def random_layer(counts, seed: int = 0) -> HierarchicalSoftmax:
    """A float64 layer over ``counts`` with random (not zero) node vectors."""
    torch.manual_seed(seed)
    layer = HierarchicalSoftmax(counts, D).double()
    torch.nn.init.normal_(layer.weight)
    return layer


def zipf_counts(size: int) -> list[float]:
    return [1000.0 / (rank + 1) for rank in range(size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50])
def test_the_probabilities_of_all_words_sum_to_one(size: int) -> None:
    layer = random_layer(zipf_counts(size))
    hidden = torch.randn(6, D, dtype=torch.float64) * 3
    log_probs = layer.log_probs(hidden)
    assert log_probs.shape == (6, size)
    assert torch.allclose(log_probs.exp().sum(dim=1), torch.ones(6, dtype=torch.float64), rtol=0, atol=1e-12)
    targets = torch.arange(6) % size
    assert torch.allclose(layer.log_prob(hidden, targets), log_probs[torch.arange(6), targets], rtol=0, atol=1e-12)


def test_a_single_word_has_no_inner_node_and_probability_one() -> None:
    layer = HierarchicalSoftmax([3], D)
    assert layer.weight.shape == (0, D) and huffman_tree([3]).code(0) == []
    assert torch.equal(layer.log_prob(torch.randn(2, D), torch.tensor([0, 0])), torch.zeros(2))


def test_the_tree_of_5_3_1_1_is_the_one_the_docstring_draws() -> None:
    tree = huffman_tree([5, 3, 1, 1])
    assert [tree.code(w) for w in range(4)] == [[0], [1, 1], [1, 0, 0], [1, 0, 1]]
    assert [tree.path(w) for w in range(4)] == [[0], [0, 1], [0, 1, 2], [0, 1, 2]]
    assert tree.paths.tolist() == [[0, 0, 0], [0, 1, 0], [0, 1, 2], [0, 1, 2]]      # padded with 0
    assert tree.codes.tolist() == [[0, 0, 0], [1, 1, 0], [1, 0, 0], [1, 0, 1]]


def test_log_prob_is_the_sum_of_log_sigmoids_along_the_path() -> None:
    layer = random_layer([5, 3, 1, 1])
    h = torch.randn(D, dtype=torch.float64)
    v = layer.weight.detach()
    s = [float(v[n] @ h) for n in range(3)]  # v_n·h for the root (0) and the inner nodes 1 and 2

    def log_sigmoid(x: float) -> float:
        return -math.log1p(math.exp(-x))

    expected = [log_sigmoid(s[0]),                                                      # w0: code 0
                log_sigmoid(-s[0]) + log_sigmoid(-s[1]),                                # w1: code 11
                log_sigmoid(-s[0]) + log_sigmoid(s[1]) + log_sigmoid(s[2]),             # w2: code 100
                log_sigmoid(-s[0]) + log_sigmoid(s[1]) + log_sigmoid(-s[2])]            # w3: code 101
    got = layer.log_prob(h.expand(4, D), torch.arange(4))
    assert torch.allclose(got, torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-12)
    assert torch.allclose(layer.loss(h.expand(4, D), torch.arange(4)), -got.mean())


def test_zero_vectors_give_every_branch_one_half() -> None:
    layer = HierarchicalSoftmax([5, 3, 1, 1], D)
    lengths = huffman_tree([5, 3, 1, 1]).lengths.float()
    assert torch.allclose(layer.log_probs(torch.randn(2, D)), -lengths * math.log(2))


def test_gradients_match_finite_differences() -> None:
    layer = random_layer(zipf_counts(9))
    hidden = torch.randn(5, D, dtype=torch.float64, requires_grad=True)
    weight = layer.weight.detach().clone().requires_grad_(True)
    targets = torch.tensor([0, 8, 3, 3, 5])
    assert torch.autograd.gradcheck(lambda h, w: functional_call(layer, {"weight": w}, (h, targets)), (hidden, weight))
    assert torch.autograd.gradcheck(lambda h: layer.log_probs(h), (hidden,))


def test_the_padding_gets_no_gradient() -> None:
    layer = random_layer([5, 3, 1, 1])
    layer.log_prob(torch.randn(1, D, dtype=torch.float64), torch.tensor([0])).sum().backward()
    assert layer.weight.grad[0].abs().sum() > 0
    assert torch.equal(layer.weight.grad[1:], torch.zeros(2, D, dtype=torch.float64))  # w0's path is the root alone


def entropy_and_length(counts: list[float]) -> tuple[float, float]:
    tree = huffman_tree(counts)
    total = sum(counts)
    entropy = -sum(c / total * math.log2(c / total) for c in counts if c > 0)
    return entropy, sum(c / total * len(tree.code(w)) for w, c in enumerate(counts))


def optimal_length(counts: list[float]) -> float:
    """The least Σ p_w·l_w over every set of code lengths a binary prefix code can have (Kraft: Σ 2^-l ≤ 1)."""
    total = sum(counts)
    choices = itertools.product(range(1, len(counts)), repeat=len(counts))
    return min(sum(c / total * l for c, l in zip(counts, lengths))
               for lengths in choices if sum(2.0 ** -l for l in lengths) <= 1)


@pytest.mark.parametrize("seed", range(5))
def test_the_codes_are_prefix_free_and_of_optimal_expected_length(seed: int) -> None:
    counts = torch.randint(0, 20, (6,), generator=torch.Generator().manual_seed(seed)).double().add(1).tolist()
    tree = huffman_tree(counts)
    codes = ["".join(map(str, tree.code(w))) for w in range(len(counts))]
    assert not [(a, b) for a, b in itertools.permutations(codes, 2) if b.startswith(a)]
    entropy, length = entropy_and_length(counts)
    assert entropy <= length + 1e-12 and length < entropy + 1
    assert length == pytest.approx(optimal_length(counts), abs=1e-12)


def test_the_huffman_bound_holds_for_a_large_vocabulary() -> None:
    entropy, length = entropy_and_length(zipf_counts(1000))
    assert entropy <= length < entropy + 1


def test_frequent_words_have_codes_no_longer_than_rarer_ones() -> None:
    counts = torch.randint(0, 50, (200,), generator=torch.Generator().manual_seed(1)).tolist()
    lengths = huffman_tree(counts).lengths.tolist()
    assert not [(a, b) for a, b in itertools.permutations(range(200), 2)
                if counts[a] > counts[b] and lengths[a] > lengths[b]]


def test_ties_are_broken_the_same_way_every_time() -> None:
    tree = huffman_tree([1, 1, 1, 1])
    assert [tree.code(w) for w in range(4)] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    again = huffman_tree(torch.tensor([2.0, 2.0, 2.0, 2.0]))
    assert torch.equal(tree.paths, again.paths) and torch.equal(tree.codes, again.codes)


def test_zero_counts_are_words_with_the_longest_codes() -> None:
    lengths = huffman_tree([0, 0, 10, 5, 1]).lengths.tolist()
    assert lengths[0] == lengths[1] == max(lengths)


def test_buffers_follow_the_dtype_and_stay_out_of_the_state_dict() -> None:
    layer = HierarchicalSoftmax(zipf_counts(5), D).double()
    assert layer.signs.dtype == torch.float64 and list(layer.state_dict()) == ["weight"]
    restored = HierarchicalSoftmax(zipf_counts(5), D)
    restored.load_state_dict(random_layer(zipf_counts(5)).float().state_dict())
    hidden = torch.randn(3, D)
    assert torch.allclose(restored.log_probs(hidden).exp().sum(dim=1), torch.ones(3), atol=1e-6)


def test_it_learns_a_skewed_distribution() -> None:
    """Fitting a bias-like input (h = 1) to targets drawn from p makes P(w | h) approach p."""
    torch.manual_seed(0)
    p = torch.tensor([0.5, 0.2, 0.15, 0.1, 0.05])
    layer = HierarchicalSoftmax([5, 1, 1, 1, 1], 1)   # a tree unlike p: the vectors have to do the work
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.1)
    targets = torch.multinomial(p, 4000, replacement=True, generator=torch.Generator().manual_seed(0))
    hidden = torch.ones(4000, 1)
    for _ in range(300):
        optimizer.zero_grad()
        layer.loss(hidden, targets).backward()
        optimizer.step()
    learnt = layer.log_probs(torch.ones(1, 1)).exp()[0]
    empirical = torch.bincount(targets, minlength=5).float() / 4000
    assert torch.allclose(learnt, empirical, atol=0.01)
    assert F.kl_div(learnt.log(), empirical, reduction="sum") < 1e-3


BAD_COUNTS = {
    "empty": ([], r"counts must be a non-empty list of V word counts, got shape \(0,\)"),
    "2-d": ([[1.0, 2.0]], r"counts must be a non-empty list .*got shape \(1, 2\)"),
    "negative": ([3, -1, 2], r"counts must be >= 0, got -1.0 at word 1"),
    "nan": ([3, float("nan")], r"counts must be finite, got nan at word 1"),
    "zero-total": ([0, 0, 0], r"counts sum to 0: at least one word must occur"),
}


@pytest.mark.parametrize("name", sorted(BAD_COUNTS))
def test_bad_counts_are_named_in_one_line(name: str) -> None:
    counts, pattern = BAD_COUNTS[name]
    with pytest.raises(ValueError, match=pattern) as caught:
        HierarchicalSoftmax(counts, D)
    assert "\n" not in str(caught.value)


BAD_CALLS = {
    "target-too-large": (lambda m: m.log_prob(torch.randn(2, D), torch.tensor([0, 4])),
                         r"targets must be word ids in \[0, V\) = \[0, 4\), got 4"),
    "target-negative": (lambda m: m.loss(torch.randn(2, D), torch.tensor([-1, 0])),
                        r"targets must be word ids in \[0, V\) = \[0, 4\), got -1"),
    "float-targets": (lambda m: m.log_prob(torch.randn(2, D), torch.tensor([0.0, 1.0])),
                      r"targets must be an integer tensor of word ids, got dtype torch.float32"),
    "targets-shape": (lambda m: m.log_prob(torch.randn(2, D), torch.tensor([0, 1, 2])),
                      r"targets must be \(N,\) = \(2,\), got \(3,\)"),
    "hidden-size": (lambda m: m.log_probs(torch.randn(2, D + 1)),
                    r"hidden must be \(N, D\) with D = input_size = 4, got \(2, 5\)"),
    "hidden-1d": (lambda m: m.log_prob(torch.randn(D), torch.tensor([0])),
                  r"hidden must be \(N, D\) with D = input_size = 4, got \(4,\)"),
    "input-size": (lambda m: HierarchicalSoftmax([1, 2], 0), r"input_size must be an integer >= 1, got 0"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_calls_are_named_in_one_line(name: str) -> None:
    call, pattern = BAD_CALLS[name]
    with pytest.raises(ValueError, match=pattern) as caught:
        call(HierarchicalSoftmax([5, 3, 1, 1], D))
    assert "\n" not in str(caught.value)
