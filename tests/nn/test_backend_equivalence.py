"""reference, scripted and fused compute the same function and the same gradients.

Every cell / option, 1 and 3 layers, uni- and bidirectional, ragged lengths (with a
length-1 and a full-length sequence) and no lengths, zero and non-zero initial state,
float64 and float32. The loss weights every output and final-state entry with its own
fixed random number, so every output's gradient path is compared.
"""

from __future__ import annotations

import pytest
import torch

from tests.helpers import (
    CELL_CONFIGS,
    FUSED_CONFIGS,
    NOT_FUSED_CONFIGS,
    RAGGED,
    TOLERANCE,
    as_tuple,
    assert_runs_close,
    backends_for,
    lengths_tensor,
    make_recurrent,
    random_input,
    random_state,
    run_with_grads,
    with_backend,
)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("ragged", [True, False], ids=["ragged", "no-lengths"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 3], ids=["L1", "L3"])
@pytest.mark.parametrize("config", list(CELL_CONFIGS))
def test_backends_agree(config, num_layers, bidirectional, ragged, with_state, dtype):
    torch.manual_seed(0)
    model = make_recurrent(config, num_layers=num_layers, bidirectional=bidirectional, dtype=dtype)
    x = random_input(dtype=dtype)
    state = random_state(model, dtype=dtype) if with_state else None
    lengths = lengths_tensor() if ragged else None
    expected = run_with_grads(model, x, state=state, lengths=lengths)
    for backend in backends_for(config):
        if backend == "reference":
            continue
        actual = run_with_grads(with_backend(model, backend), x, state=state, lengths=lengths)
        assert_runs_close(actual, expected, TOLERANCE[dtype])


@pytest.mark.parametrize("config", NOT_FUSED_CONFIGS)
def test_fused_setter_rejects_unsupported_cells(config):
    model = make_recurrent(config)
    with pytest.raises(ValueError, match="fused"):
        model.backend = "fused"
    assert model.backend == "reference"  # unchanged after the refused assignment


@pytest.mark.parametrize("config", list(CELL_CONFIGS))
def test_scripted_gradcheck(config):
    """float64 gradcheck through Recurrent(backend='scripted'): ragged, bidirectional, 2 layers,
    w.r.t. the input, the initial state and every parameter."""
    torch.manual_seed(0)
    batch, steps, features, hidden = 3, 4, 2, 2
    model = make_recurrent(
        config, num_layers=2, bidirectional=True, backend="scripted", input_size=features, hidden_size=hidden
    )
    names = [name for name, _ in model.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in model.parameters())
    x = random_input(batch, steps, features).requires_grad_(True)
    state = tuple(s.requires_grad_(True) for s in as_tuple(random_state(model, batch)))
    lengths = torch.tensor([steps, 1, 3])

    def run(x, *state_and_params):
        k = model.num_states
        state, values = state_and_params[:k], state_and_params[k:]
        outputs, final = torch.func.functional_call(
            model, dict(zip(names, values)), (x,), {"state": state[0] if k == 1 else state, "lengths": lengths}
        )
        return (outputs, *as_tuple(final))

    assert torch.autograd.gradcheck(run, (x, *state, *params), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("config", list(CELL_CONFIGS))
def test_auto_resolves(config):
    model = make_recurrent(config, backend="auto")
    assert model.backend == "auto"
    expected = "fused" if config in FUSED_CONFIGS else "scripted"
    assert model.resolved_backend() == expected


@pytest.mark.parametrize("config", list(CELL_CONFIGS))
def test_auto_equals_its_resolved_backend(config):
    torch.manual_seed(0)
    model = make_recurrent(config, backend="auto", bidirectional=True)
    x, lengths = random_input(), lengths_tensor(RAGGED)
    auto = run_with_grads(model, x, lengths=lengths)
    resolved = run_with_grads(with_backend(model, model.resolved_backend()), x, lengths=lengths)
    assert_runs_close(auto, resolved, atol=0.0)


@pytest.mark.parametrize("backend", ["reference", "scripted", "fused"])
def test_resolved_backend_is_the_backend_asked_for(backend):
    assert make_recurrent("lstm", backend=backend).resolved_backend() == backend
