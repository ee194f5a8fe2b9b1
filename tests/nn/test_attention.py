"""Attention: weights sum to one, padding gets none, the three scores by hand, batched equals step by step."""

from __future__ import annotations

import math

import pytest
import torch

from seqmodels.nn.attention import SCORES, Attention


def make(score: str, query_size: int = 4, key_size: int = 4) -> Attention:
    torch.manual_seed(0)
    return Attention(query_size, key_size, score=score, hidden_size=3)


@pytest.mark.parametrize("score", SCORES)
def test_weights_sum_to_one_and_padding_gets_none(score: str) -> None:
    attention = make(score)
    queries, keys = torch.randn(2, 5, 4), torch.randn(2, 6, 4)
    mask = torch.tensor([[True] * 6, [True] * 3 + [False] * 3])
    context, weights = attention(queries, keys, mask=mask)
    assert context.shape == (2, 5, 4) and weights.shape == (2, 5, 6)
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(2, 5))
    assert weights[1, :, 3:].abs().max() == 0
    padded = keys.clone()
    padded[1, 3:] = 1e6  # whatever the padded states hold
    torch.testing.assert_close(attention(queries, padded, mask=mask)[0], context)


def test_the_three_scores_by_hand() -> None:
    s, h = torch.tensor([1.0, 2.0]), torch.tensor([3.0, -1.0])
    dot = Attention(2, 2, "dot")
    assert dot.scores(s.view(1, 1, 2), h.view(1, 1, 2)).item() == pytest.approx(1 * 3 + 2 * -1)
    general = Attention(2, 2, "general")
    with torch.no_grad():
        general.weight.weight.copy_(torch.tensor([[1.0, 2.0], [0.0, 1.0]]))  # W
    # sᵀ W h = [1, 2] · ([[1, 2], [0, 1]] [3, -1]) = [1, 2] · [1, -1] = -1
    assert general.scores(s.view(1, 1, 2), h.view(1, 1, 2)).item() == pytest.approx(-1.0)
    additive = Attention(2, 2, "additive", hidden_size=2)
    with torch.no_grad():
        additive.query_layer.weight.copy_(torch.eye(2))               # W_s
        additive.key_layer.weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))  # W_h
        additive.key_layer.bias.copy_(torch.tensor([0.5, 0.0]))
        additive.vector.weight.copy_(torch.tensor([[2.0, -1.0]]))    # v
    # W_s s + W_h h + b = [1, 2] + [-1, 3] + [0.5, 0] = [0.5, 5]; vᵀ tanh(.) = 2 tanh(0.5) - tanh(5)
    expected = 2 * math.tanh(0.5) - math.tanh(5.0)
    assert additive.scores(s.view(1, 1, 2), h.view(1, 1, 2)).item() == pytest.approx(expected, rel=1e-6)


def test_dot_attention_is_softmax_of_q_k_transpose_times_v() -> None:
    queries, keys, values = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 7)
    context, _ = Attention(4, 4, "dot")(queries, keys, values)
    torch.testing.assert_close(context, torch.softmax(queries @ keys.transpose(1, 2), dim=-1) @ values)


@pytest.mark.parametrize("score", SCORES)
def test_all_steps_at_once_equal_one_step_at_a_time(score: str) -> None:
    size = 6 if score == "dot" else 4  # dot products need the query and key sizes equal
    attention = make(score, query_size=size, key_size=6)
    queries, keys = torch.randn(2, 5, size), torch.randn(2, 7, 6)
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    context, weights = attention(queries, keys, mask=mask)
    for t in range(5):
        step_context, step_weights = attention(queries[:, t], keys, mask=mask)
        torch.testing.assert_close(step_context, context[:, t])
        torch.testing.assert_close(step_weights, weights[:, t])


@pytest.mark.parametrize("score", SCORES)
def test_keys_projected_once_give_what_every_step_computing_them_gives(score: str) -> None:
    size = 6 if score == "dot" else 4
    attention = make(score, query_size=size, key_size=6)
    queries, keys = torch.randn(2, size), torch.randn(2, 7, 6)
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    projected = attention.project_keys(keys)
    assert projected.shape == (2, 7, {"dot": 6, "general": 4, "additive": 3}[score])  # additive: its hidden size
    kept = attention(queries, keys, mask=mask, projected_keys=projected)
    for got, expected in zip(kept, attention(queries, keys, mask=mask)):
        torch.testing.assert_close(got, expected)
    other = attention(queries, keys, mask=mask, projected_keys=torch.randn_like(projected))[1]
    assert not torch.allclose(other, kept[1])                                      # the kept keys are what is read


def test_bad_options_and_an_empty_source_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="score='cosine'"):
        Attention(4, 4, "cosine")
    with pytest.raises(ValueError, match="query_size == key_size"):
        Attention(4, 6, "dot")
    with pytest.raises(ValueError, match="at least one real position"):
        Attention(4, 4)(torch.randn(1, 4), torch.randn(1, 3, 4), mask=torch.zeros(1, 3, dtype=torch.bool))


def test_gradients_reach_every_parameter() -> None:
    attention = make("additive", 4, 6)
    context, _ = attention(torch.randn(2, 3, 4, requires_grad=True), torch.randn(2, 5, 6))
    context.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in attention.parameters())
