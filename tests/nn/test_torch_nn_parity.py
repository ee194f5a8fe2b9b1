"""Recurrent.from_torch(module) computes what torch.nn.RNN/GRU/LSTM (batch_first=True) computes,
with the same gradients mapped back to torch's parameters.

The mapping (seqmodels/nn/backends/fused.py): our cells keep one bias b = b_ih + b_hh, so
for RNN/LSTM dL/db = dL/db_ih = dL/db_hh and the W grads are torch's weight grads. The GRU
becomes GRUCell(reset_after=True) with the update-gate rows negated (torch's z = 1 - Γu),
so with s = [+1]*H + [-1]*H + [+1]*H: dW_ax = s * d weight_ih, dW_aa = s * d weight_hh,
db = s * d bias_ih, d bias_hh[:2H] = d bias_ih[:2H] and db_ca = d bias_hh[2H:].
"""

from __future__ import annotations

from typing import Dict

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqmodels.nn import Recurrent
from tests.helpers import (
    TOLERANCE,
    H,
    I,
    RunResult,
    assert_close,
    assert_runs_close,
    lengths_tensor,
    random_input,
    random_state,
    run_with_grads,
)

TORCH_MODULES = {
    "rnn_tanh": lambda **kw: nn.RNN(I, H, nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: nn.RNN(I, H, nonlinearity="relu", **kw),
    "gru": lambda **kw: nn.GRU(I, H, **kw),
    "lstm": lambda **kw: nn.LSTM(I, H, **kw),
}


def make_torch(kind: str, num_layers: int, bidirectional: bool, dtype=torch.float64) -> nn.RNNBase:
    torch.manual_seed(3)
    module = TORCH_MODULES[kind](num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    return module.to(dtype)


def run_torch(module: nn.RNNBase, x, state=None, lengths=None) -> RunResult:
    """helpers.run_with_grads for a torch.nn module, on packed input when lengths are given."""

    def forward(x, hx):
        if lengths is None:
            return module(x, hx)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        packed_out, final = module(packed, hx)
        outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.size(1))
        return outputs, final

    return run_with_grads(module, x, state=state, forward=forward)


def torch_grads_in_our_layout(module: nn.RNNBase, torch_grads: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Our parameter names -> the grads torch's parameter grads imply for them."""
    expected = {}
    is_gru = isinstance(module, nn.GRU)
    sign = torch.ones(3 * H, dtype=torch.float64)
    sign[H : 2 * H] = -1
    for layer in range(module.num_layers):
        for direction in range(2 if module.bidirectional else 1):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            ours = f"cells.l{layer}" + ("_reverse" if direction else "")
            d_w_ih, d_w_hh = torch_grads["weight_ih" + suffix], torch_grads["weight_hh" + suffix]
            d_b_ih, d_b_hh = torch_grads["bias_ih" + suffix], torch_grads["bias_hh" + suffix]
            if is_gru:
                expected[f"{ours}.W_ax"] = sign.unsqueeze(1).to(d_w_ih) * d_w_ih
                expected[f"{ours}.W_aa"] = sign.unsqueeze(1).to(d_w_hh) * d_w_hh
                expected[f"{ours}.b"] = sign.to(d_b_ih) * d_b_ih
                expected[f"{ours}.b_ca"] = d_b_hh[2 * H :]
            else:
                expected[f"{ours}.W_ax"] = d_w_ih
                expected[f"{ours}.W_aa"] = d_w_hh
                expected[f"{ours}.b"] = d_b_ih
    return expected


def check_torch_bias_consistency(module: nn.RNNBase, torch_grads: Dict[str, torch.Tensor], atol: float) -> None:
    """torch's two biases get the gradients one folded bias implies (b_hn excepted for the GRU)."""
    for name, d_b_ih in torch_grads.items():
        if not name.startswith("bias_ih"):
            continue
        d_b_hh = torch_grads[name.replace("bias_ih", "bias_hh")]
        rows = slice(0, 2 * H) if isinstance(module, nn.GRU) else slice(None)
        assert_close(d_b_hh[rows], d_b_ih[rows], atol, f"{name} vs bias_hh")


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2], ids=["L1", "L2"])
@pytest.mark.parametrize("backend", ["fused", "scripted"])
@pytest.mark.parametrize("kind", list(TORCH_MODULES))
def test_matches_torch_nn(kind, backend, num_layers, bidirectional, packed, dtype):
    torch.manual_seed(0)
    module = make_torch(kind, num_layers, bidirectional, dtype)
    ours = Recurrent.from_torch(module, backend=backend)
    assert ours.resolved_backend() == backend
    x = random_input(dtype=dtype)
    lengths = lengths_tensor() if packed else None
    state = random_state(ours, dtype=dtype)
    for initial in (None, state):
        got = run_with_grads(ours, x, state=initial, lengths=lengths)
        want = run_torch(module, x, state=initial, lengths=lengths)
        atol = TOLERANCE[dtype]
        check_torch_bias_consistency(module, want.param_grads, atol)
        want.param_grads = torch_grads_in_our_layout(module, want.param_grads)
        assert_runs_close(got, want, atol)


@pytest.mark.parametrize("kind", list(TORCH_MODULES))
def test_from_torch_cell_options(kind):
    module = make_torch(kind, 1, False)
    ours = Recurrent.from_torch(module)
    cell = ours.cells["l0"]
    assert ours.resolved_backend() == "fused"
    assert next(ours.parameters()).dtype == torch.float64
    if kind == "gru":
        assert cell.reset_after and not cell.minimal
    if kind.startswith("rnn"):
        assert cell.nonlinearity == kind.split("_")[1]


@pytest.mark.parametrize(
    "module, option",
    [
        (lambda: nn.LSTM(I, H, proj_size=2, batch_first=True), "proj_size"),
        (lambda: nn.LSTM(I, H, bias=False, batch_first=True), "bias=False"),
        (lambda: nn.GRU(I, H, bias=False, batch_first=True), "bias=False"),
        (lambda: nn.RNN(I, H, bias=False, batch_first=True), "bias=False"),
        (lambda: nn.Linear(I, H), "RNN, GRU or LSTM"),
    ],
    ids=["lstm-proj", "lstm-nobias", "gru-nobias", "rnn-nobias", "linear"],
)
def test_from_torch_rejects_unsupported(module, option):
    with pytest.raises(ValueError, match=option):
        Recurrent.from_torch(module())
