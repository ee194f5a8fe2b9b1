"""Helpers shared by the tests of seqmodels.nn: model factories, a run that collects
outputs, final states and every gradient, and comparisons of two such runs."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import Tensor

from seqmodels.nn import Recurrent

# Tiny sizes: batch, steps, input features, hidden units.
B, T, I, H = 3, 6, 5, 4
# Ragged lengths for a batch of B: one full-length sequence, one of length 1, one in between.
RAGGED = (6, 1, 4)

# Every cell / option the package implements: name -> (cell, cell options).
CELL_CONFIGS: Dict[str, Tuple[str, dict]] = {
    "rnn_tanh": ("rnn", {"nonlinearity": "tanh"}),
    "rnn_relu": ("rnn", {"nonlinearity": "relu"}),
    "lstm": ("lstm", {}),
    "lstm_peephole": ("lstm", {"peephole": True}),
    "gru_full": ("gru", {}),
    "gru_minimal": ("gru", {"minimal": True}),
    "gru_reset_after": ("gru", {"reset_after": True}),
}
# The configurations torch's fused RNN op computes exactly.
FUSED_CONFIGS = ("rnn_tanh", "rnn_relu", "lstm", "gru_reset_after")
NOT_FUSED_CONFIGS = tuple(name for name in CELL_CONFIGS if name not in FUSED_CONFIGS)
BACKENDS = ("reference", "scripted", "fused")

TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}


def backends_for(config: str) -> Tuple[str, ...]:
    """The concrete backends that can run ``config``."""
    return BACKENDS if config in FUSED_CONFIGS else ("reference", "scripted")


def config_backend_pairs():
    """(config, backend) for every backend that can run every configuration."""
    return [(config, backend) for config in CELL_CONFIGS for backend in backends_for(config)]


def make_recurrent(
    config: str,
    *,
    num_layers: int = 1,
    bidirectional: bool = False,
    backend: str = "reference",
    dtype: torch.dtype = torch.float64,
    input_size: int = I,
    hidden_size: int = H,
    seed: int = 0,
) -> Recurrent:
    """A Recurrent for one of CELL_CONFIGS with seeded parameters and dropout 0."""
    torch.manual_seed(seed)
    cell, options = CELL_CONFIGS[config]
    model = Recurrent(
        cell,
        input_size,
        hidden_size,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=0.0,
        backend=backend,
        **options,
    )
    return model.to(dtype)


def with_backend(model: Recurrent, backend: str) -> Recurrent:
    """A copy of ``model`` (same parameter values) running on ``backend``."""
    clone = copy.deepcopy(model)
    clone.backend = backend
    return clone


def as_tuple(state) -> Tuple[Tensor, ...]:
    return (state,) if isinstance(state, Tensor) else tuple(state)


def from_tuple(parts: Tuple[Tensor, ...]):
    """The state argument Recurrent expects: one tensor, or the LSTM's pair."""
    return parts[0] if len(parts) == 1 else tuple(parts)


def random_input(batch: int = B, steps: int = T, features: int = I, dtype=torch.float64, seed: int = 1) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, steps, features, generator=generator, dtype=dtype)


def random_state(model: Recurrent, batch: int = B, dtype=torch.float64, seed: int = 2, scale: float = 0.5):
    """A non-zero initial state of the shape ``model`` expects."""
    generator = torch.Generator().manual_seed(seed)
    shape = (model.num_layers * model.num_directions, batch, model.hidden_size)
    return from_tuple(
        tuple(scale * torch.randn(shape, generator=generator, dtype=dtype) for _ in range(model.num_states))
    )


def lengths_tensor(lengths=RAGGED) -> Tensor:
    return torch.tensor(lengths, dtype=torch.int64)


def weighted_loss(outputs: Tensor, final: Tuple[Tensor, ...], seed: int = 1234) -> Tensor:
    """Σ outputs * W_o + Σ_k final_k * W_k with fixed random weights, so every output and
    every final-state entry gets its own gradient."""
    generator = torch.Generator().manual_seed(seed)
    def weights(like: Tensor) -> Tensor:  # drawn on the CPU (same numbers everywhere), then moved to like's device
        return torch.randn(like.shape, generator=generator, dtype=like.dtype).to(like.device)

    loss = (outputs * weights(outputs)).sum()
    for part in final:
        loss = loss + (part * weights(part)).sum()
    return loss


@dataclass
class RunResult:
    outputs: Tensor
    final: Tuple[Tensor, ...]
    x_grad: Tensor
    state_grads: Optional[Tuple[Tensor, ...]]
    param_grads: Dict[str, Optional[Tensor]]


def run_with_grads(
    model: torch.nn.Module,
    x: Tensor,
    state=None,
    lengths=None,
    mask=None,
    seed: int = 1234,
    forward: Optional[Callable] = None,
) -> RunResult:
    """Forward, the weighted loss, backward; everything detached and copied.

    ``forward(x, state) -> (outputs, final)`` replaces ``model(x, state, lengths, mask)``
    (e.g. to run a torch.nn module on packed input); ``model`` still supplies the parameters.
    """
    x = x.detach().clone().requires_grad_(True)
    leaves = None
    if state is not None:
        leaves = tuple(part.detach().clone().requires_grad_(True) for part in as_tuple(state))
        state = from_tuple(leaves)
    model.zero_grad(set_to_none=True)
    if forward is None:
        outputs, final = model(x, state=state, lengths=lengths, mask=mask)
    else:
        outputs, final = forward(x, state)
    final = as_tuple(final)
    weighted_loss(outputs, final, seed).backward()
    return RunResult(
        outputs=outputs.detach().clone(),
        final=tuple(part.detach().clone() for part in final),
        x_grad=x.grad.detach().clone(),
        state_grads=None if leaves is None else tuple(leaf.grad.detach().clone() for leaf in leaves),
        param_grads={
            name: None if p.grad is None else p.grad.detach().clone() for name, p in model.named_parameters()
        },
    )


def assert_close(actual: Tensor, expected: Tensor, atol: float, what: str = "") -> None:
    torch.testing.assert_close(actual, expected, atol=atol, rtol=0, msg=lambda m: f"{what}: {m}")


def assert_runs_close(actual: RunResult, expected: RunResult, atol: float) -> None:
    """Outputs, final states, input grad, initial-state grads and every parameter grad agree."""
    assert_close(actual.outputs, expected.outputs, atol, "outputs")
    assert len(actual.final) == len(expected.final)
    for k, (a, e) in enumerate(zip(actual.final, expected.final)):
        assert_close(a, e, atol, f"final state {k}")
    assert_close(actual.x_grad, expected.x_grad, atol, "input grad")
    assert (actual.state_grads is None) == (expected.state_grads is None)
    if expected.state_grads is not None:
        for k, (a, e) in enumerate(zip(actual.state_grads, expected.state_grads)):
            assert_close(a, e, atol, f"initial state {k} grad")
    assert actual.param_grads.keys() == expected.param_grads.keys()
    for name, e in expected.param_grads.items():
        a = actual.param_grads[name]
        assert e is not None, f"reference left {name} without a grad"
        assert a is not None, f"{name} got no grad"
        assert_close(a, e, atol, f"grad of {name}")


def assert_forward_close(actual_outputs, actual_final, expected_outputs, expected_final, atol: float) -> None:
    """Outputs and (tuple-ised) final states agree."""
    assert_close(actual_outputs, expected_outputs, atol, "outputs")
    actual_final, expected_final = as_tuple(actual_final), as_tuple(expected_final)
    assert len(actual_final) == len(expected_final)
    for k, (a, e) in enumerate(zip(actual_final, expected_final)):
        assert_close(a, e, atol, f"final state {k}")
