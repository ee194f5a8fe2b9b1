"""The fused softmax layer + cross-entropy equals F.linear + F.cross_entropy, value and gradients."""

from __future__ import annotations

from typing import Optional

import pytest
import torch
import torch.nn.functional as F

from seqmodels.nn.linear_cross_entropy import _project, linear_cross_entropy

IGNORE = -100


def inputs(rows: int = 11, hidden: int = 6, vocab: int = 17, bias: bool = True, dtype: torch.dtype = torch.float32,
           seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor], torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    h = torch.randn(rows, hidden, generator=generator, dtype=dtype).requires_grad_()
    weight = torch.randn(vocab, hidden, generator=generator, dtype=dtype).requires_grad_()
    b = torch.randn(vocab, generator=generator, dtype=dtype).requires_grad_() if bias else None
    targets = torch.randint(0, vocab, (rows,), generator=generator)
    targets[2::5] = IGNORE  # rows 2, 7, ...: padding
    return h, weight, b, targets


def reference(h: torch.Tensor, weight: torch.Tensor, b: Optional[torch.Tensor], targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(F.linear(h, weight, b), targets, ignore_index=IGNORE, reduction="sum")


def gradients(loss: torch.Tensor, *tensors: Optional[torch.Tensor]) -> list[torch.Tensor]:
    present = [t for t in tensors if t is not None]
    return list(torch.autograd.grad(loss, present))


@pytest.mark.parametrize("chunk_size", [1, 3, 11, 64])
@pytest.mark.parametrize("bias", [True, False])
def test_value_and_gradients_equal_linear_then_cross_entropy(chunk_size: int, bias: bool) -> None:
    h, weight, b, targets = inputs(bias=bias)
    expected = reference(h, weight, b, targets)
    got = linear_cross_entropy(h, weight, b, targets, ignore_index=IGNORE, chunk_size=chunk_size)
    torch.testing.assert_close(got, expected)
    for ours, theirs in zip(gradients(got, h, weight, b), gradients(expected, h, weight, b)):
        torch.testing.assert_close(ours, theirs)


def test_ignored_rows_get_no_gradient_and_add_nothing() -> None:
    h, weight, b, targets = inputs()
    loss = linear_cross_entropy(h, weight, b, targets, ignore_index=IGNORE, chunk_size=4)
    grad_h, = torch.autograd.grad(loss, [h])
    assert grad_h[[2, 7]].abs().max() == 0
    everything_ignored = torch.full_like(targets, IGNORE)
    nothing = linear_cross_entropy(h, weight, b, everything_ignored, ignore_index=IGNORE)
    assert nothing.item() == 0
    assert all(g.abs().max() == 0 for g in gradients(nothing, h, weight, b))


def test_backward_scales_by_the_incoming_gradient() -> None:
    h, weight, b, targets = inputs()
    scaled = 2.5 * linear_cross_entropy(h, weight, b, targets, ignore_index=IGNORE) / 9
    expected = 2.5 * reference(h, weight, b, targets) / 9
    for ours, theirs in zip(gradients(scaled, h, weight, b), gradients(expected, h, weight, b)):
        torch.testing.assert_close(ours, theirs)


def test_gradcheck_in_double_precision() -> None:
    h, weight, b, targets = inputs(rows=5, hidden=3, vocab=4, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda h, w, b: linear_cross_entropy(h, w, b, targets, ignore_index=IGNORE, chunk_size=2), (h, weight, b))


def test_without_grad_it_computes_only_the_loss() -> None:
    h, weight, b, targets = inputs()
    with torch.no_grad():
        loss = linear_cross_entropy(h, weight, b, targets, ignore_index=IGNORE, chunk_size=4)
    assert not loss.requires_grad
    torch.testing.assert_close(loss, reference(h, weight, b, targets).detach())


def test_only_the_inputs_that_need_it_get_a_gradient() -> None:
    h, weight, b, targets = inputs()
    frozen = weight.detach()
    loss = linear_cross_entropy(h, frozen, b, targets, ignore_index=IGNORE)
    grad_h, grad_b = torch.autograd.grad(loss, [h, b])
    expected_h, expected_b = torch.autograd.grad(reference(h, frozen, b, targets), [h, b])
    torch.testing.assert_close(grad_h, expected_h)
    torch.testing.assert_close(grad_b, expected_b)


def test_large_logits_stay_finite() -> None:
    h, weight, b, targets = inputs()
    loss = linear_cross_entropy(h * 200, weight, b, targets, ignore_index=IGNORE)
    expected = reference(h * 200, weight, b, targets)
    assert torch.isfinite(loss)
    torch.testing.assert_close(loss, expected)


def test_under_autocast_it_is_the_plain_mixed_precision_path() -> None:
    h, weight, b, targets = inputs()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = linear_cross_entropy(h, weight, b, targets, ignore_index=IGNORE)
        expected = reference(h, weight, b, targets)
    assert got.item() == expected.item()


def test_the_cpu_projection_equals_addmm() -> None:
    """oneDNN's linear where this build has it (the probe), addmm otherwise: the same numbers."""
    h, weight, b, _ = inputs(rows=40, hidden=30, vocab=300)
    with torch.no_grad():
        torch.testing.assert_close(_project(h, weight, b), torch.addmm(b, h, weight.t()))
        torch.testing.assert_close(_project(h, weight, None), h @ weight.t())
        torch.testing.assert_close(_project(h[::2], weight, b), torch.addmm(b, h[::2], weight.t()))


@pytest.mark.parametrize("shapes", [((4, 3), (5,)), ((4,), (4,)), ((2, 4, 3), (2, 4))])
def test_bad_shapes_are_a_clear_error(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    h_shape, target_shape = shapes
    with pytest.raises(ValueError, match="hidden must be"):
        linear_cross_entropy(torch.randn(h_shape), torch.randn(7, 3), None, torch.zeros(target_shape, dtype=torch.long))


def test_chunk_size_must_be_positive() -> None:
    h, weight, b, targets = inputs()
    with pytest.raises(ValueError, match="chunk_size"):
        linear_cross_entropy(h, weight, b, targets, chunk_size=0)
