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
