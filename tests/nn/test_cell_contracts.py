"""What a cell declares, and what the base class guarantees a cell of your own.

- A subclass that changes the math (``forward``) is never run by its parent's fused op or scripted
  kernel: ``backend="auto"`` computes what its ``forward`` says, and asking for ``fused`` or
  ``scripted`` is a clear ValueError (before, ``isinstance`` checks ran the parent's kernel).
- A cell starts initialised without calling ``reset_parameters()`` itself (before, a subclass that
  forgot it started from ``torch.empty``).
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional, Tuple, Type

import pytest
import torch
from torch import Tensor, nn

from seqmodels.nn import GRUCell, LSTMCell, Recurrent, RecurrentCell, RNNCell
from seqmodels.nn.backends import fused, scripted
from tests.helpers import as_tuple, from_tuple

B, T, I, H = 3, 5, 4, 6


class HalvedLSTMCell(LSTMCell):
    """An LSTM whose state is halved after every step: not what torch.lstm or the LSTM kernel compute."""

    def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tensor]:
        a, c = super().forward(x, state)
        return 0.5 * a, 0.5 * c


class HalvedGRUCell(GRUCell):
    def forward(self, x: Tensor, c_prev: Optional[Tensor] = None) -> Tensor:
        return 0.5 * super().forward(x, c_prev)


class HalvedRNNCell(RNNCell):
    def forward(self, x: Tensor, a_prev: Optional[Tensor] = None) -> Tensor:
        return 0.5 * super().forward(x, a_prev)


# (subclass, its parent, options under which the parent runs on the fused op / on the scripted kernel only)
SUBCLASSES = [
    (HalvedLSTMCell, LSTMCell, {}),
    (HalvedLSTMCell, LSTMCell, {"peephole": True}),
    (HalvedGRUCell, GRUCell, {"reset_after": True}),
    (HalvedGRUCell, GRUCell, {}),
    (HalvedGRUCell, GRUCell, {"minimal": True}),
    (HalvedRNNCell, RNNCell, {}),
    (HalvedRNNCell, RNNCell, {"nonlinearity": "relu"}),
]
IDS = [f"{sub.__name__}-{','.join(options) or 'plain'}" for sub, _, options in SUBCLASSES]


def run(model: Recurrent, x: Tensor, lengths: Tensor) -> Tuple[Tensor, ...]:
    outputs, final = model(x, lengths=lengths)
    return (outputs, *as_tuple(final))


def recurrent(cell: Type[RecurrentCell], options: Dict[str, Any], backend: str = "auto") -> Recurrent:
    torch.manual_seed(0)
    return Recurrent(cell, I, H, num_layers=2, bidirectional=True, backend=backend, **options).double()


@pytest.mark.parametrize("subclass, parent, options", SUBCLASSES, ids=IDS)
def test_auto_runs_what_the_subclass_forward_says(subclass, parent, options) -> None:
    model = recurrent(subclass, options)
    x = torch.randn(B, T, I, dtype=torch.float64)
    lengths = torch.tensor([T, 2, 4])
    auto = run(model, x, lengths)
    model.backend = "reference"
    reference = run(model, x, lengths)
    for got, expected in zip(auto, reference):
        torch.testing.assert_close(got, expected, atol=1e-10, rtol=0)
    parent_model = recurrent(parent, options)  # the same parameters (same seed), the parent's math
    assert not torch.allclose(run(parent_model, x, lengths)[0], auto[0])


@pytest.mark.parametrize("subclass, parent, options", SUBCLASSES, ids=IDS)
def test_fast_backends_refuse_the_subclass_by_name(subclass, parent, options) -> None:
    assert recurrent(subclass, options).resolved_backend() == "reference"
    for backend in ("fused", "scripted"):
        with pytest.raises(ValueError, match=rf"backend='{backend}' .*{subclass.__name__}.*'reference'"):
            recurrent(subclass, options, backend=backend)


def test_a_subclass_that_keeps_the_math_keeps_the_kernels() -> None:
    class ForgetfulLSTMCell(LSTMCell):  # only another default: forward is the parent's
        def __init__(self, input_size: int, hidden_size: int, forget_bias: Optional[float] = -1.0) -> None:
            super().__init__(input_size, hidden_size, forget_bias=forget_bias)

    assert Recurrent(ForgetfulLSTMCell, I, H).resolved_backend() == "fused"


def test_a_subclass_that_declares_again_gets_its_declarations() -> None:
    class TracedLSTMCell(LSTMCell):
        """forward counts its calls but computes the LSTM: the parent's declarations, restated, still hold."""

        calls = 0

        def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tensor]:
            TracedLSTMCell.calls += 1
            return super().forward(x, state)

        fused_op = LSTMCell.fused_op
        scripted_kernel = LSTMCell.scripted_kernel

    model = Recurrent(TracedLSTMCell, I, H)
    assert model.resolved_backend() == "fused"
    assert fused.fused_mode(model.cells["l0"]) == "LSTM"
    assert scripted.require_kernel(model.cells["l0"]).option == 0


def test_redefining_the_input_projection_also_changes_the_math() -> None:
    class ShiftedRNNCell(RNNCell):
        def input_projection(self, x: Tensor) -> Tensor:
            return super().input_projection(x) + 1.0

    assert Recurrent(ShiftedRNNCell, I, H).resolved_backend() == "reference"


def test_the_base_cell_declares_no_kernel() -> None:
    with pytest.raises(ValueError, match="backend='fused' cannot run .*declares no fused op"):
        Recurrent(RecurrentCell, I, H, backend="fused")
    with pytest.raises(ValueError, match="backend='scripted' has no kernel for RecurrentCell"):
        Recurrent(RecurrentCell, I, H, backend="scripted")


def test_only_cells_with_a_fused_op_load_torch_weights() -> None:
    weights = torch.nn.LSTM(I, H)
    arguments = [getattr(weights, f"{name}_l0") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    with pytest.raises(ValueError, match="HalvedLSTMCell has no torch.nn counterpart"):
        HalvedLSTMCell(I, H).load_torch_weights(*arguments)
    cell = LSTMCell(I, H)
    cell.load_torch_weights(*arguments)
    torch.testing.assert_close(cell.b.detach(), (weights.bias_ih_l0 + weights.bias_hh_l0).detach())


# ------------------------------------------------------------------------------- initialisation


class GatedTanhCell(RecurrentCell):
    """A minimal user cell with a parameter of its own, that never calls reset_parameters():
    a<t> = σ(g) * tanh(W_ax x<t> + b + W_aa a<t-1>)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.g = nn.Parameter(torch.empty(hidden_size))

    def forward(self, x: Tensor, a_prev: Optional[Tensor] = None) -> Tensor:
        a_prev = self.zero_state(x.size(0), x) if a_prev is None else a_prev
        return torch.sigmoid(self.g) * torch.tanh(self.input_projection(x) + a_prev @ self.W_aa.t())


def test_a_user_cell_starts_initialised_without_calling_reset_parameters() -> None:
    torch.manual_seed(0)
    cell = GatedTanhCell(I, H)
    started = {name: p.detach().clone() for name, p in cell.named_parameters()}
    assert sorted(started) == ["W_aa", "W_ax", "b", "g"]
    bound = 1 / math.sqrt(H)
    for name, value in started.items():
        assert torch.isfinite(value).all() and value.abs().max() <= bound, name
        assert value.std() > 0, name  # drawn, not a constant left by torch.empty
    torch.manual_seed(0)
    cell.reset_parameters()  # exactly what the base class ran after __init__
    for name, p in cell.named_parameters():
        assert torch.equal(p, started[name]), name


def test_the_same_seed_gives_the_same_user_cell_and_outputs() -> None:
    x = torch.randn(B, T, I)
    outputs = []
    for _ in range(2):
        torch.manual_seed(3)
        outputs.append(Recurrent(GatedTanhCell, I, H, bidirectional=True)(x)[0])
    torch.testing.assert_close(outputs[0], outputs[1], atol=0, rtol=0)


def test_reset_runs_once_after_the_outermost_init() -> None:
    class CountingCell(GatedTanhCell):
        resets = 0

        def __init__(self, input_size: int, hidden_size: int) -> None:
            super().__init__(input_size, hidden_size)
            self.extra = nn.Parameter(torch.empty(2))  # added after the parent's __init__: initialised as well

        def reset_parameters(self) -> None:
            CountingCell.resets += 1
            super().reset_parameters()

    cell = CountingCell(I, H)
    assert CountingCell.resets == 1 and torch.isfinite(cell.extra).all() and cell.extra.abs().max() <= 1 / H**0.5


def test_built_in_cells_draw_as_they_did() -> None:
    """The draws of the built-in cells are the old ones: uniform over the parameters in order, then
    the options (here W_aa orthogonal per block and b_f), as the old __init__ ran them."""
    torch.manual_seed(0)
    cell = LSTMCell(I, H, peephole=True, forget_bias=1.0, recurrent_init="orthogonal")
    torch.manual_seed(0)
    bound = 1 / math.sqrt(H)
    expected = [torch.empty_like(p).uniform_(-bound, bound) for p in cell.parameters()]
    W_aa = expected[1]
    for block in range(4):
        W_aa[block * H:(block + 1) * H] = nn.init.orthogonal_(torch.empty(H, H))
    expected[2][H:2 * H] = 1.0
    for got, want in zip(cell.parameters(), expected):
        assert torch.equal(got.detach(), want)


def test_the_state_layout_is_the_documented_one() -> None:
    x = torch.randn(B, I)
    for cell in (RNNCell(I, H), GRUCell(I, H), LSTMCell(I, H)):
        state = from_tuple(tuple(torch.zeros(B, H) for _ in range(cell.num_states)))
        new = as_tuple(cell(x, state))
        assert len(new) == cell.num_states and all(part.shape == (B, H) for part in new)
        assert cell.W_ax.shape == (cell.num_gates * H, I) and cell.W_aa.shape == (cell.num_gates * H, H)
