"""On a CUDA GPU: 'auto' runs the fused (cuDNN) kernel for an LSTM and the scripted one for a
peephole LSTM, and both match the reference loop on the same device."""

from __future__ import annotations

import pytest
import torch

from tests.helpers import (
    as_tuple,
    assert_runs_close,
    from_tuple,
    lengths_tensor,
    make_recurrent,
    random_input,
    random_state,
    run_with_grads,
    with_backend,
)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

# float64: cuDNN runs float32 RNNs in TF32 by default, which would need a loose tolerance.
ATOL = 1e-10


@pytest.mark.parametrize("ragged", [False, True], ids=["no-lengths", "ragged"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("config, resolved", [("lstm", "fused"), ("lstm_peephole", "scripted")])
def test_auto_on_cuda_matches_reference(config, resolved, bidirectional, ragged):
    torch.manual_seed(0)
    device = torch.device("cuda")
    model = make_recurrent(config, num_layers=2, bidirectional=bidirectional, backend="auto", dtype=torch.float64)
    model = model.to(device)
    assert model.resolved_backend() == resolved
    x = random_input(dtype=torch.float64).to(device)
    state = from_tuple(tuple(s.to(device) for s in as_tuple(random_state(model, dtype=torch.float64))))
    lengths = lengths_tensor() if ragged else None
    auto = run_with_grads(model, x, state=state, lengths=lengths)
    reference = run_with_grads(with_backend(model, "reference"), x, state=state, lengths=lengths)
    assert auto.outputs.device.type == "cuda"
    assert_runs_close(auto, reference, ATOL)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_linear_cross_entropy_on_cuda_matches_linear_then_cross_entropy(dtype):
    from seqmodels.nn.linear_cross_entropy import linear_cross_entropy

    torch.manual_seed(0)
    device = torch.device("cuda")
    hidden = torch.randn(300, 64, device=device, dtype=dtype, requires_grad=True)
    weight = torch.randn(5000, 64, device=device, dtype=dtype, requires_grad=True)
    bias = torch.randn(5000, device=device, dtype=dtype, requires_grad=True)
    targets = torch.randint(0, 5000, (300,), device=device)
    targets[::7] = -100
    fused = linear_cross_entropy(hidden, weight, bias, targets, chunk_size=64)
    plain = torch.nn.functional.cross_entropy(torch.nn.functional.linear(hidden, weight, bias), targets,
                                              reduction="sum")
    tolerance = {} if dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-3}  # TF32 matmuls may differ
    torch.testing.assert_close(fused, plain, **tolerance)
    for ours, theirs in zip(torch.autograd.grad(fused, [hidden, weight, bias]),
                            torch.autograd.grad(plain, [hidden, weight, bias])):
        torch.testing.assert_close(ours, theirs, **tolerance)
