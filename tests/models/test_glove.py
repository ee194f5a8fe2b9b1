"""GloVe: J_ij and f(x) against hand computations, the tool's initialisation, W + W̃, and a tiny fit."""

from __future__ import annotations

import math

import pytest
import torch

from seqmodels.errors import ConfigError
from seqmodels.models.glove import GloVe

# hand-set parameters for V = 3 words, D = 2
W = [[1.0, 0.5], [-0.5, 2.0], [0.25, -1.0]]
W_TILDE = [[0.5, -1.0], [1.0, 1.0], [-2.0, 0.5]]
B = [0.1, -0.2, 0.3]
B_TILDE = [0.0, 0.5, -0.5]


def hand_set(model: GloVe) -> GloVe:
    with torch.no_grad():
        model.word_vectors.weight.copy_(torch.tensor(W))
        model.context_vectors.weight.copy_(torch.tensor(W_TILDE))
        model.word_biases.copy_(torch.tensor(B))
        model.context_biases.copy_(torch.tensor(B_TILDE))
    return model


def test_the_weighting_is_a_power_below_x_max_and_one_from_it() -> None:
    model = GloVe(3, 2, x_max=100, alpha=0.75)
    f = model.weight(torch.tensor([1.0, 50.0, 100.0, 250.0]))
    torch.testing.assert_close(f, torch.tensor([0.01 ** 0.75, 0.5 ** 0.75, 1.0, 1.0]))
    assert GloVe(3, 2, x_max=10, alpha=1.0).weight(torch.tensor([2.5])).item() == pytest.approx(0.25)


def test_the_loss_of_each_entry_is_the_hand_computation() -> None:
    model = hand_set(GloVe(3, 2, x_max=10, alpha=0.5))
    rows, cols, counts = torch.tensor([0, 1, 2]), torch.tensor([1, 2, 2]), torch.tensor([2.0, 40.0, 1.0])
    # J_01: w_0·w̃_1 = 1 + 0.5 = 1.5; + b_0 + b̃_1 = 1.5 + 0.1 + 0.5 = 2.1; − log 2; f(2) = (2/10)^0.5
    # J_12: w_1·w̃_2 = 1 + 1 = 2;      + b_1 + b̃_2 = 2 − 0.2 − 0.5 = 1.3;  − log 40; f(40) = 1 (above x_max)
    # J_22: w_2·w̃_2 = −0.5 − 0.5 = −1; + b_2 + b̃_2 = −1 + 0.3 − 0.5 = −1.2; − log 1 = 0; f(1) = 0.1^0.5
    expected = [math.sqrt(0.2) * (2.1 - math.log(2)) ** 2, (1.3 - math.log(40)) ** 2, math.sqrt(0.1) * 1.2 ** 2]
    torch.testing.assert_close(model.losses(rows, cols, counts), torch.tensor(expected))
    torch.testing.assert_close(model(rows, cols, counts), torch.tensor(expected))


def test_the_vectors_are_w_plus_w_tilde() -> None:
    model = hand_set(GloVe(3, 2))
    torch.testing.assert_close(model.vectors(), torch.tensor(W) + torch.tensor(W_TILDE))
    assert not model.vectors().requires_grad


def test_every_parameter_starts_uniform_in_half_over_d() -> None:
    model = GloVe(500, 40)
    for name, parameter in model.named_parameters():
        assert parameter.abs().max() <= 0.5 / 40, name
        assert parameter.abs().max() > 0.4 / 40 and abs(parameter.mean().item()) < 0.05 / 40, name


def test_adagrad_on_the_sum_of_j_fits_a_small_table() -> None:
    torch.manual_seed(0)
    rows, cols = torch.meshgrid(torch.arange(20), torch.arange(20), indexing="ij")
    counts = torch.randint(1, 200, (20, 20)).float()
    rows, cols, counts = rows.reshape(-1), cols.reshape(-1), ((counts + counts.T) / 2).reshape(-1)
    model = GloVe(20, 8)
    optimizer = torch.optim.Adagrad(model.parameters(), lr=0.05)
    start = model.losses(rows, cols, counts).mean().item()
    for _ in range(300):
        optimizer.zero_grad()
        model.losses(rows, cols, counts).sum().backward()
        optimizer.step()
    assert model.losses(rows, cols, counts).mean().item() < start / 10


@pytest.mark.parametrize("options, message", [
    ({"embedding_size": 0}, "model.embedding_size=0: must be an integer >= 1"),
    ({"x_max": 0}, "task.x_max=0: must be a finite number > 0"),
    ({"x_max": float("inf")}, "task.x_max=inf: must be a finite number > 0"),
    ({"alpha": -0.5}, "task.alpha=-0.5: must be a finite number >= 0"),
    ({"alpha": "3/4"}, "task.alpha='3/4': must be a finite number >= 0"),
])
def test_bad_options_are_config_errors_naming_them(options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GloVe(**{"vocab_size": 3, **options})


def test_entries_of_different_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"must be \(N,\) each"):
        GloVe(3, 2).losses(torch.tensor([0, 1]), torch.tensor([1]), torch.tensor([1.0, 2.0]))
