"""recurrent_init: how W_aa starts (uniform, orthogonal per gate block, identity on the candidate block)."""

from __future__ import annotations

import math

import pytest
import torch

from seqmodels.nn import GRUCell, LSTMCell, Recurrent, RNNCell

I, H = 5, 4
CELLS = {
    "rnn": (RNNCell, {}),
    "gru": (GRUCell, {}),
    "gru_minimal": (GRUCell, {"minimal": True}),
    "gru_reset_after": (GRUCell, {"reset_after": True}),
    "lstm": (LSTMCell, {}),
    "lstm_peephole": (LSTMCell, {"peephole": True, "forget_bias": 1.0}),
}


def blocks(cell):
    return cell.W_aa.detach().split(cell.hidden_size)


@pytest.mark.parametrize("name", CELLS)
def test_orthogonal_blocks_are_orthogonal(name):
    torch.manual_seed(0)
    kind, options = CELLS[name]
    cell = kind(I, H, recurrent_init="orthogonal", **options)
    assert len(blocks(cell)) == cell.num_gates
    for block in blocks(cell):
        torch.testing.assert_close(block @ block.t(), torch.eye(H), atol=1e-5, rtol=0)
    bound = 1 / math.sqrt(H)
    assert cell.W_ax.abs().max() <= bound  # the other parameters keep the uniform initialisation


def test_identity_rnn_is_the_irnn():
    cell = RNNCell(I, H, nonlinearity="relu", recurrent_init="identity")
    assert torch.equal(cell.W_aa.detach(), torch.eye(H))
    assert torch.equal(cell.b.detach(), torch.zeros(H))
    x = torch.zeros(2, I)
    a = torch.rand(2, H)
    torch.testing.assert_close(cell(x, a), a)  # with no input, relu(I a) copies a positive state forward


@pytest.mark.parametrize("name, candidate", [("gru", 2), ("gru_minimal", 1), ("gru_reset_after", 2), ("lstm", 2),
                                             ("lstm_peephole", 2)])
def test_identity_gated_cells_on_the_candidate_block(name, candidate):
    kind, options = CELLS[name]
    cell = kind(I, H, recurrent_init="identity", **options)
    for index, block in enumerate(blocks(cell)):
        assert torch.equal(block, torch.eye(H)) == (index == candidate)
    assert torch.equal(cell.b.detach().split(H)[candidate], torch.zeros(H))
    if options.get("reset_after"):
        assert torch.equal(cell.b_ca.detach(), torch.zeros(H))
    if options.get("forget_bias") is not None:
        assert torch.equal(cell.b.detach().split(H)[1], torch.full((H,), 1.0))  # b_f still set


def test_uniform_is_the_default_and_unchanged():
    torch.manual_seed(0)
    default = LSTMCell(I, H)
    torch.manual_seed(0)
    explicit = LSTMCell(I, H, recurrent_init="uniform")
    for p, q in zip(default.parameters(), explicit.parameters()):
        assert torch.equal(p, q)
    assert default.recurrent_init == "uniform" and "recurrent_init" not in repr(default)
    assert "recurrent_init='orthogonal'" in repr(LSTMCell(I, H, recurrent_init="orthogonal"))


@pytest.mark.parametrize("kind", [RNNCell, GRUCell, LSTMCell])
def test_bad_value_names_the_option(kind):
    with pytest.raises(ValueError, match=r"recurrent_init.*'uniform', 'orthogonal', 'identity'.*'eye'"):
        kind(I, H, recurrent_init="eye")


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_passes_through_recurrent_and_the_fused_backend_still_applies(cell):
    options = {"reset_after": True} if cell == "gru" else {}
    torch.manual_seed(0)
    recurrent = Recurrent(cell, I, H, num_layers=2, bidirectional=True, recurrent_init="orthogonal", **options)
    assert all(c.recurrent_init == "orthogonal" for c in recurrent.cells.values())
    assert recurrent.resolved_backend() == "fused"
    x = torch.randn(3, 6, I)
    fused_out, _ = recurrent(x)
    recurrent.backend = "reference"
    reference_out, _ = recurrent(x)
    torch.testing.assert_close(fused_out, reference_out, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="recurrent_init"):
        Recurrent(cell, I, H, recurrent_init="zeros")


def test_from_torch_and_load_torch_weights_unaffected():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
    recurrent = Recurrent.from_torch(lstm)
    x = torch.randn(2, 3, I)
    torch.testing.assert_close(recurrent(x)[0], lstm(x)[0], atol=1e-5, rtol=1e-5)
    cell = GRUCell(I, H, reset_after=True, recurrent_init="identity")
    cell.load_torch_weights(*GRUCell(I, H, reset_after=True).torch_weights())
    assert not torch.equal(blocks(cell)[2], torch.eye(H))  # the loaded weights replace the initialisation


@pytest.mark.parametrize("minimal", [False, True])
def test_update_bias_starts_the_gru_remembering(minimal: bool) -> None:
    """b_u = -3: Γu = σ(W_u [c, x] + b_u) ≈ 0.05, so c<t> = Γu * c~ + (1 - Γu) * c<t-1> stays close to c<t-1>."""
    torch.manual_seed(0)
    cell = GRUCell(4, 6, minimal=minimal, update_bias=-3.0)
    rows = slice(0, 6) if minimal else slice(6, 12)
    assert bool((cell.b[rows] == -3.0).all())
    previous = torch.randn(2, 6)
    kept = cell(torch.zeros(2, 4), previous)
    plain = GRUCell(4, 6, minimal=minimal)(torch.zeros(2, 4), previous)
    assert (kept - previous).abs().max() < (plain - previous).abs().max()
