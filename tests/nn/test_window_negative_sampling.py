"""The hand-written skip-gram loss over runs of words equals the autograd formula, value and gradients."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from seqmodels.nn.window_negative_sampling import window_negative_sampling


def reference(inputs: torch.Tensor, outputs: torch.Tensor, tokens: torch.Tensor, weights: torch.Tensor,
              negatives: torch.Tensor) -> torch.Tensor:
    """J pair by pair, with plain loops over the windows: Σ ω (-log σ(θ_t·e_c) - Σ_k log σ(-θ_n·e_c))."""
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
                for noise in negatives[run, i]:
                    total = total - omega * F.logsigmoid(-(outputs[noise] @ e))
    return total


def example(dtype: torch.dtype = torch.float64):
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(12, 5, dtype=dtype, generator=generator, requires_grad=True)
    outputs = torch.randn(12, 5, dtype=dtype, generator=generator, requires_grad=True)
    tokens = torch.randint(1, 12, (3, 4 + 4), generator=generator)                   # R = 3, L = 4, W = 2
    tokens[2, -3:] = 0                                                                # padding at the end
    weights = torch.rand(3, 4, 5, dtype=dtype, generator=generator) * (torch.rand(3, 4, 5, generator=generator) > 0.3)
    weights[..., 2] = 0                                                               # never the centre itself
    negatives = torch.randint(1, 12, (3, 4, 3), generator=generator)
    return inputs, outputs, tokens, weights, negatives


def test_the_loss_and_its_gradients_equal_the_pair_by_pair_formula() -> None:
    inputs, outputs, tokens, weights, negatives = example()
    fused = window_negative_sampling(inputs, outputs, tokens, weights, negatives, padding_idx=None)
    fused_grads = torch.autograd.grad(fused, (inputs, outputs))
    slow = reference(inputs, outputs, tokens, weights, negatives)
    slow_grads = torch.autograd.grad(slow, (inputs, outputs))
    torch.testing.assert_close(fused, slow)
    for mine, theirs in zip(fused_grads, slow_grads):
        torch.testing.assert_close(mine, theirs)


def test_gradcheck() -> None:
    inputs, outputs, tokens, weights, negatives = example()
    assert torch.autograd.gradcheck(lambda e, o: window_negative_sampling(e, o, tokens, weights, negatives, None),
                                    (inputs, outputs))


def test_words_without_a_weight_get_no_gradient() -> None:
    inputs, outputs, tokens, weights, negatives = example()
    weights.zero_()
    weights[0, 0, 1] = 1.0                      # one pair: neighbour tokens[0, 1] -> centre tokens[0, 2]
    loss = window_negative_sampling(inputs, outputs, tokens, weights, negatives)
    input_grad, output_grad = torch.autograd.grad(loss, (inputs, outputs))
    assert set(input_grad.abs().sum(dim=1).nonzero().flatten().tolist()) == {tokens[0, 1].item()}
    touched = {tokens[0, 2].item(), *negatives[0, 0].tolist()}
    assert set(output_grad.abs().sum(dim=1).nonzero().flatten().tolist()) == touched


def test_the_padding_row_is_never_trained() -> None:
    inputs, outputs, tokens, weights, negatives = example()
    weights.fill_(1.0)                          # pairs with the padding too (the runs never make them)
    input_grad, _ = torch.autograd.grad(window_negative_sampling(inputs, outputs, tokens, weights, negatives),
                                        (inputs, outputs))
    assert input_grad[0].abs().sum() == 0 and input_grad[1:].abs().sum() > 0
