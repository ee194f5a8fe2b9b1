"""Every misuse is a ValueError whose message names the problem, never a raw torch error."""

from __future__ import annotations

import re

import pytest
import torch

from seqmodels.nn import Recurrent, RecurrentCell
from tests.helpers import B, H, I, T, make_recurrent, random_input

FORWARD_BACKENDS = ["reference", "scripted", "fused"]


def lstm(backend: str, **kwargs) -> Recurrent:
    return make_recurrent("lstm", backend=backend, dtype=torch.float32, **kwargs)


def x32():
    return torch.randn(B, T, I)


def state_pair(layers=1, batch=B, hidden=H):
    return (torch.zeros(layers, batch, hidden), torch.zeros(layers, batch, hidden))


BAD_CALLS = {
    # name: (call(model), pattern the message must match)
    "rank-2": (lambda m: m(torch.randn(B, I)), r"shape \(B, T, input_size=5\), got \(3, 5\)"),
    "rank-4": (lambda m: m(torch.randn(B, T, I, 1)), r"shape \(B, T, input_size=5\), got \(3, 6, 5, 1\)"),
    "not-a-tensor": (lambda m: m([[0.0] * I] * T), r"batch-first input.*got list"),
    "feature-size": (lambda m: m(torch.randn(B, T, I + 2)), r"input_size=5 but the input has 7 features"),
    "T=0": (lambda m: m(torch.randn(B, 0, I)), r"T = 0"),
    "integer-input": (lambda m: m(torch.ones(B, T, I, dtype=torch.long)), r"floating-point input.*int64"),
    "lengths>T": (lambda m: m(x32(), lengths=torch.tensor([T, T + 1, 2])), r"lengths\[1\] = 7 is longer than .*T = 6"),
    "lengths=0": (lambda m: m(x32(), lengths=torch.tensor([T, 0, 2])), r"lengths\[1\] = 0.*at least one real token"),
    "lengths<0": (lambda m: m(x32(), lengths=torch.tensor([-1, T, 2])), r"lengths\[0\] = -1.*at least one real token"),
    "lengths-too-many": (lambda m: m(x32(), lengths=torch.tensor([T, 1, 2, 3])), r"lengths must have shape \(B,\)"),
    "lengths-2d": (lambda m: m(x32(), lengths=torch.tensor([[T], [1], [2]])), r"lengths must have shape \(B,\)"),
    "lengths-scalar": (lambda m: m(x32(), lengths=torch.tensor(T)), r"lengths must have shape \(B,\)"),
    "float-lengths": (lambda m: m(x32(), lengths=torch.tensor([6.0, 1.0, 4.0])), r"lengths must be an integer"),
    "bool-lengths": (lambda m: m(x32(), lengths=torch.tensor([True, True, True])), r"lengths must be an integer"),
    "lengths-and-mask": (
        lambda m: m(x32(), lengths=torch.tensor([T, 1, 2]), mask=torch.ones(B, T, dtype=torch.bool)),
        r"lengths or mask, not both",
    ),
    "mask-not-left-aligned": (
        lambda m: m(x32(), mask=torch.tensor([[1] * T, [0, 1, 1, 1, 1, 1], [1] * T]).bool()),
        r"mask row 1 is not left-aligned",
    ),
    "mask-hole": (
        lambda m: m(x32(), mask=torch.tensor([[1] * T, [1] * T, [1, 0, 1, 0, 0, 0]]).bool()),
        r"mask row 2 is not left-aligned",
    ),
    "mask-shape": (lambda m: m(x32(), mask=torch.ones(B, T + 1, dtype=torch.bool)), r"mask must have shape \(B, T\)"),
    "mask-empty-row": (lambda m: m(x32(), mask=torch.tensor([[1] * T, [0] * T, [1] * T]).bool()), r"at least one"),
    "state-wrong-batch": (
        lambda m: m(x32(), state=state_pair(batch=B + 1)),
        r"h0 must have shape .*\(1, 3, 4\), got \(1, 4, 4\)",
    ),
    "state-wrong-layers": (
        lambda m: m(x32(), state=state_pair(layers=2)),
        r"h0 must have shape .*\(1, 3, 4\), got \(2, 3, 4\)",
    ),
    "state-wrong-hidden": (lambda m: m(x32(), state=state_pair(hidden=H + 1)), r"h0 must have shape .*got \(1, 3, 5\)"),
    "c0-wrong-shape": (
        lambda m: m(x32(), state=(torch.zeros(1, B, H), torch.zeros(1, B + 1, H))),
        r"c0 must have shape .*got \(1, 4, 4\)",
    ),
    "lstm-plain-tensor-state": (lambda m: m(x32(), state=torch.zeros(1, B, H)), r"LSTMCell must be a pair \(h0, c0\)"),
    "lstm-three-states": (lambda m: m(x32(), state=state_pair() + (torch.zeros(1, B, H),)), r"pair \(h0, c0\)"),
}


@pytest.mark.parametrize("backend", FORWARD_BACKENDS)
@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_bad_forward_input(case, backend):
    call, pattern = BAD_CALLS[case]
    model = lstm(backend)
    with pytest.raises(ValueError, match=pattern):
        call(model)


@pytest.mark.parametrize("backend", FORWARD_BACKENDS)
def test_gru_given_a_pair_as_state(backend):
    model = make_recurrent("gru_reset_after", backend=backend, dtype=torch.float32)
    with pytest.raises(ValueError, match=r"GRUCell must be one tensor h0"):
        model(x32(), state=state_pair())


@pytest.mark.parametrize("backend", FORWARD_BACKENDS)
def test_state_of_deep_bidirectional_model_needs_layers_times_directions(backend):
    model = lstm(backend, num_layers=2, bidirectional=True)
    with pytest.raises(ValueError, match=re.escape("(4, 3, 4), got (2, 3, 4)")):
        model(x32(), state=state_pair(layers=2))


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"cell": "transformer"}, r"unknown cell 'transformer'"),
        ({"backend": "cudnn"}, r"unknown backend 'cudnn'"),
        ({"num_layers": 0}, r"num_layers must be an int >= 1, got 0"),
        ({"num_layers": 1.5}, r"num_layers must be an int >= 1"),
        ({"dropout": 1.5}, r"dropout must be in \[0, 1\), got 1.5"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"dropout": -0.1}, r"dropout must be in \[0, 1\)"),
        ({"hidden_size": 0}, r"hidden_size must be a positive int"),
        ({"nonlinearity": "sigmoid", "cell": "rnn"}, r"nonlinearity"),
    ],
    ids=["cell", "backend", "layers0", "layers-float", "dropout1.5", "dropout1", "dropout-neg", "hidden0", "sigmoid"],
)
def test_bad_constructor_arguments(kwargs, pattern):
    arguments = {"cell": "lstm", "input_size": I, "hidden_size": H, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        Recurrent(**arguments)


def test_unknown_backend_assignment_keeps_the_old_one():
    model = lstm("scripted")
    with pytest.raises(ValueError, match=r"unknown backend 'fast'"):
        model.backend = "fast"
    assert model.backend == "scripted"


@pytest.mark.parametrize(
    "cell, options, option_pattern",
    [
        ("lstm", {"peephole": True}, r"peephole"),
        ("gru", {}, r"reset_after=False"),
        ("gru", {"minimal": True}, r"minimal=True"),
    ],
    ids=["lstm-peephole", "gru-full", "gru-minimal"],
)
@pytest.mark.parametrize("how", ["constructor", "setter"])
def test_fused_refuses_cells_it_cannot_compute(cell, options, option_pattern, how):
    """The message names the option and the backend that runs the cell."""
    with pytest.raises(ValueError) as error:
        if how == "constructor":
            Recurrent(cell, I, H, backend="fused", **options)
        else:
            Recurrent(cell, I, H, backend="auto", **options).backend = "fused"
    message = str(error.value)
    assert re.search(option_pattern, message), message
    assert "'scripted'" in message, message
    assert "fused" in message, message


@pytest.mark.parametrize("backend", FORWARD_BACKENDS)
def test_input_dtype_different_from_parameters(backend):
    model = lstm(backend)  # float32 parameters
    with pytest.raises(ValueError, match=r"input is torch.float64 .* parameters are torch.float32"):
        model(random_input(dtype=torch.float64))


class DoublingCell(RecurrentCell):
    """A user-written cell no fast backend knows: a<t> = tanh(W_ax x<t> + b + 2 W_aa a<t-1>)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.reset_parameters()

    def forward(self, x, a_prev=None):
        a_prev = self.zero_state(x.size(0), x) if a_prev is None else a_prev
        return torch.tanh(self.input_projection(x) + 2 * a_prev @ self.W_aa.t())


def test_user_cell_runs_on_reference_and_fast_backends_refuse_it():
    model = Recurrent(DoublingCell, 5, 4, bidirectional=True)
    assert model.resolved_backend() == "reference"
    outputs, h_n = model(random_input(dtype=torch.float32), lengths=torch.tensor([6, 1, 4]))
    assert outputs.shape == (3, 6, 8) and h_n.shape == (2, 3, 4)
    for backend in ("scripted", "fused"):
        with pytest.raises(ValueError, match=rf"backend='{backend}' .*DoublingCell.*'reference'"):
            model.backend = backend
