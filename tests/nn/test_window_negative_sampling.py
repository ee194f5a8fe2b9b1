"""The hand-written skip-gram loss over runs of words, with a pool of noise words per run, equals the pair-by-pair
autograd formula, value and gradients."""

from __future__ import annotations

from typing import Tuple

import pytest
import torch
import torch.nn.functional as F

from seqmodels.nn.window_negative_sampling import window_negative_sampling


def reference(inputs: torch.Tensor, outputs: torch.Tensor, tokens: torch.Tensor, weights: torch.Tensor,
              negatives: torch.Tensor, noise_weight: float) -> torch.Tensor:
    """J pair by pair, with plain loops over the windows: Σ ω (-log σ(θ_t·e_c) - (K / P) Σ_p log σ(-θ_{n_p}·e_c)),
    the P noise words those of the pair's run."""
    runs, length, width = weights.shape
    window = width // 2
    total = inputs.new_zeros(())
    for run in range(runs):
        for i in range(length):
            centre = tokens[run, window + i]
            for column in range(width):
                omega = weights[run, i, column]
                if omega == 0:
                    continue
                e = inputs[tokens[run, i + column]]
                total = total - omega * F.logsigmoid(outputs[centre] @ e)
                for noise in negatives[run]:
                    total = total - omega * noise_weight * F.logsigmoid(-(outputs[noise] @ e))
    return total


# (R runs, L centre words a run, W words each side, P noise words a run)
SHAPES = [(3, 4, 2, 3), (2, 1, 1, 2), (2, 7, 3, 1), (1, 16, 5, 20)]
NOISE_WEIGHT = 0.75  # K / P


def example(runs: int = 3, length: int = 4, window: int = 2, noise: int = 3, dtype: torch.dtype = torch.float64):
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(12, 5, dtype=dtype, generator=generator, requires_grad=True)
    outputs = torch.randn(12, 5, dtype=dtype, generator=generator, requires_grad=True)
    tokens = torch.randint(1, 12, (runs, length + 2 * window), generator=generator)
    tokens[-1, -window - 1:] = 0                                                      # padding at the end
    shape = (runs, length, 2 * window + 1)
    weights = torch.rand(shape, dtype=dtype, generator=generator) * (torch.rand(shape, generator=generator) > 0.3)
    weights[..., window] = 0                                                          # never the centre itself
    negatives = torch.randint(1, 12, (runs, noise), generator=generator)
    return inputs, outputs, tokens, weights, negatives


@pytest.mark.parametrize("shape", SHAPES)
def test_the_loss_and_its_gradients_equal_the_pair_by_pair_formula(shape: Tuple[int, int, int, int]) -> None:
    inputs, outputs, tokens, weights, negatives = example(*shape)
    fused = window_negative_sampling(inputs, outputs, tokens, weights, negatives, NOISE_WEIGHT, padding_idx=None)
    fused_grads = torch.autograd.grad(fused, (inputs, outputs))
    slow = reference(inputs, outputs, tokens, weights, negatives, NOISE_WEIGHT)
    slow_grads = torch.autograd.grad(slow, (inputs, outputs))
    torch.testing.assert_close(fused, slow)
    for mine, theirs in zip(fused_grads, slow_grads):
        torch.testing.assert_close(mine, theirs)


@pytest.mark.parametrize("shape", SHAPES[:3])
def test_gradcheck(shape: Tuple[int, int, int, int]) -> None:
    inputs, outputs, tokens, weights, negatives = example(*shape)
    assert torch.autograd.gradcheck(lambda e, o: window_negative_sampling(e, o, tokens, weights, negatives,
                                                                          NOISE_WEIGHT, None),
                                    (inputs, outputs))


def test_words_without_a_weight_get_no_gradient() -> None:
    inputs, outputs, tokens, weights, negatives = example()
    weights.zero_()
    weights[0, 0, 1] = 1.0                      # one pair: neighbour tokens[0, 1] -> centre tokens[0, 2]
    loss = window_negative_sampling(inputs, outputs, tokens, weights, negatives)
    input_grad, output_grad = torch.autograd.grad(loss, (inputs, outputs))
    assert set(input_grad.abs().sum(dim=1).nonzero().flatten().tolist()) == {tokens[0, 1].item()}
    touched = {tokens[0, 2].item(), *negatives[0].tolist()}   # the centre word and its run's pool
    assert set(output_grad.abs().sum(dim=1).nonzero().flatten().tolist()) == touched


def test_the_padding_row_is_never_trained() -> None:
    inputs, outputs, tokens, weights, negatives = example()
    weights.fill_(1.0)                          # pairs with the padding too (the runs never make them)
    input_grad, _ = torch.autograd.grad(window_negative_sampling(inputs, outputs, tokens, weights, negatives),
                                        (inputs, outputs))
    assert input_grad[0].abs().sum() == 0 and input_grad[1:].abs().sum() > 0

