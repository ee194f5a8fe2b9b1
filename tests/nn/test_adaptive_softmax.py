"""The adaptive softmax: exactly normalised, the frequency order of any vocabulary, the full softmax where the two
coincide, gradients, and one-line errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqmodels.nn.adaptive_softmax import AdaptiveSoftmax, layout_problem

COUNTS = [0, 3, 0, 9, 5, 5, 1, 2, 7, 0, 4, 1, 6, 2, 3, 8, 1, 1, 2, 5]  # ids not in frequency order


def drawn(cutoffs: list, input_size: int = 8, dtype: torch.dtype = torch.float32) -> AdaptiveSoftmax:
    torch.manual_seed(0)
    layer = AdaptiveSoftmax(COUNTS, input_size, cutoffs, div_value=2.0).to(dtype)
    for parameter in layer.parameters():
        torch.nn.init.normal_(parameter)
    return layer


@pytest.mark.parametrize("cutoffs", [[4], [4, 10], [1, 2, 19]])
def test_every_row_is_a_distribution_over_the_vocabulary(cutoffs: list) -> None:
    layer = drawn(cutoffs)
    log_probs = layer.log_probs(torch.randn(6, 8))
    assert log_probs.shape == (6, 20) and (log_probs < 0).all()
    torch.testing.assert_close(log_probs.exp().sum(1), torch.ones(6))


def test_log_prob_is_the_gathered_log_probs_with_the_same_gradients() -> None:
    layer = drawn([4, 10])
    hidden = torch.randn(30, 8, requires_grad=True)
    targets = torch.arange(30) % 20
    picked = layer.log_prob(hidden, targets)
    gathered = layer.log_probs(hidden).gather(1, targets.unsqueeze(1)).squeeze(1)
    torch.testing.assert_close(picked, gathered)
    grads = torch.autograd.grad(picked.sum(), [hidden, *layer.parameters()])
    expected = torch.autograd.grad(gathered.sum(), [hidden, *layer.parameters()])
    for mine, theirs in zip(grads, expected):
        torch.testing.assert_close(mine, theirs)


def test_the_head_holds_the_most_frequent_ids() -> None:
    """Rank r is the r-th largest count (ties in id order): id 3 (count 9) first, then 15 (8), then 8 (7)."""
    layer = AdaptiveSoftmax(COUNTS, 8, [3])
    assert [int(layer.rank[i]) for i in (3, 15, 8, 12)] == [0, 1, 2, 3]
    assert sorted(layer.rank.tolist()) == list(range(20))
    assert int(layer.rank[0]) < int(layer.rank[2]) < int(layer.rank[9])  # the zero counts, last, in id order


def test_with_one_word_in_its_only_tail_it_is_the_full_softmax_of_its_head() -> None:
    """cutoffs [V − 1]: the head has V − 1 words and one tail entry, whose tail is one word of probability 1, so
    P(w) = softmax(W_head h)[rank(w)]: a plain V-way softmax."""
    layer = drawn([19])
    hidden = torch.randn(5, 8)
    expected = F.log_softmax(hidden @ layer.layer.head.weight.t(), dim=1)[:, layer.rank]
    torch.testing.assert_close(layer.log_probs(hidden), expected)


def test_gradients_match_finite_differences() -> None:
    layer = drawn([4, 10], input_size=4, dtype=torch.float64)
    hidden = torch.randn(7, 4, dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([3, 0, 19, 6, 15, 9, 1])
    assert torch.autograd.gradcheck(lambda h, *weights: layer.log_prob(h, targets),
                                    (hidden, *layer.parameters()))


def test_no_target_gives_an_empty_result() -> None:
    assert drawn([4]).log_prob(torch.randn(0, 8), torch.zeros(0, dtype=torch.long)).shape == (0,)


@pytest.mark.parametrize("cutoffs, div_value, message", [
    ([], 4.0, "cutoffs must be a non-empty list of integers"),
    ([10, 4], 4.0, "cutoffs must increase and lie in [1, V − 1] = [1, 19]"),
    ([4, 20], 4.0, "got [4, 20]"),
    ([0], 4.0, "got [0]"),
    ([4.5], 4.0, "non-empty list of integers, got [4.5]"),
    ([4], 0.5, "div_value must be >= 1"),
    ([4, 10], 4.0, "div_value=4.0 leaves tail 2 no dimension (8 // 4.0^2 = 0)"),
])
def test_a_bad_layout_is_a_one_line_error(cutoffs: list, div_value: float, message: str) -> None:
    assert message in (layout_problem(20, 8, cutoffs, div_value) or "")
    with pytest.raises(ValueError) as error:
        AdaptiveSoftmax(COUNTS, 8, cutoffs, div_value)
    assert message in str(error.value) and len(str(error.value).splitlines()) == 1


@pytest.mark.parametrize("targets, message", [
    (torch.tensor([0, 20]), "targets must be word ids in [0, V) = [0, 20), got 20"),
    (torch.tensor([0.0, 1.0]), "targets must be an integer tensor"),
    (torch.tensor([1]), "targets must be (N,) = (2,)"),
])
def test_bad_targets_are_one_line_errors(targets: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        drawn([4]).log_prob(torch.randn(2, 8), targets)
