"""record_states: the recorded ‖∂L/∂a<t>‖ are the total derivatives of a hand-unrolled loop, and recording
changes nothing else (backend restored, same parameter gradients)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from seqmodels.nn import Recurrent
from seqmodels.nn.state_gradients import record_states

B, T, I, H = 2, 5, 4, 3
CELLS = ("rnn", "gru", "lstm")


def make(cell: str, backend: str = "auto") -> Recurrent:
    torch.manual_seed(0)
    return Recurrent(cell, I, H, num_layers=2, bidirectional=True, backend=backend).double()


def inputs():
    torch.manual_seed(1)
    return torch.randn(B, T, I, dtype=torch.float64), torch.randn(B, T, 2 * H, dtype=torch.float64), \
        torch.randn(4, B, H, dtype=torch.float64)


def loss_of(outputs, h_n, weights, final_weights):
    """A loss that uses every output and the final states (so gradients also flow in through h_n)."""
    return torch.tanh(outputs * weights).sum() + (h_n * final_weights).sum()


def unrolled(recurrent: Recurrent, x):
    """The same network by hand: a[l]<t> = cell(x<t>, state<t-1>) step by step; returns outputs, h_n and
    {layer: [a<1>, ..., a<T>]}."""
    states, finals = {}, []
    layer_input = x
    for layer in range(recurrent.num_layers):
        outs = []
        for direction in range(2):
            name = f"l{layer}" + ("_reverse" if direction else "")
            cell = recurrent.cells[name]
            state = None
            a = [None] * T
            for t in (reversed(range(T)) if direction else range(T)):
                state = cell(layer_input[:, t], state)
                a[t] = state if isinstance(state, torch.Tensor) else state[0]
            states[f"layer{layer}" + ("_reverse" if direction else "")] = a
            finals.append(a[-1] if direction == 0 else a[0])
            outs.append(torch.stack(a, dim=1))
        layer_input = torch.cat(outs, dim=2)
    return layer_input, torch.stack(finals), states


@pytest.mark.parametrize("cell", CELLS)
def test_recorded_norms_are_the_total_derivatives_of_an_unrolled_loop(cell):
    x, weights, final_weights = inputs()
    recurrent = make(cell)
    with record_states(recurrent) as record:
        outputs, final = recurrent(x)
        h_n = final if cell != "lstm" else final[0]
        loss_of(outputs, h_n, weights, final_weights).backward()
        norms = record.gradient_norms()
        per_sequence = record.gradient_norms(reduction="none")

    outputs_by_hand, h_n_by_hand, states = unrolled(make(cell), x)
    torch.testing.assert_close(outputs_by_hand, outputs.detach(), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(h_n_by_hand, h_n.detach(), rtol=1e-10, atol=1e-12)
    loss = loss_of(outputs_by_hand, h_n_by_hand, weights, final_weights)
    keys = list(states)
    grads = torch.autograd.grad(loss, [a for key in keys for a in states[key]])
    assert sorted(norms) == sorted(keys) == ["layer0", "layer0_reverse", "layer1", "layer1_reverse"]
    for index, key in enumerate(keys):
        by_hand = torch.stack([g.norm(dim=-1) for g in grads[index * T:(index + 1) * T]])  # (T, B)
        assert norms[key].shape == (T,) and per_sequence[key].shape == (T, B)
        torch.testing.assert_close(per_sequence[key], by_hand.float(), rtol=1e-5, atol=1e-7)
        torch.testing.assert_close(norms[key], by_hand.mean(dim=1).float(), rtol=1e-5, atol=1e-7)
    # the last layer's forward direction: at its last step only the output and h_n feed the loss;
    # earlier steps also get the gradient of every later step, so the norms differ from the local ones
    assert not torch.allclose(norms["layer0"], norms["layer0"][-1].expand(T))


@pytest.mark.parametrize("cell", CELLS)
def test_backend_restored_and_parameter_gradients_unchanged(cell):
    x, weights, final_weights = inputs()
    plain, recorded = make(cell), make(cell)
    assert plain.resolved_backend() != "reference"  # the usual pass runs a fast backend

    outputs, final = plain(x)
    loss_of(outputs, final if cell != "lstm" else final[0], weights, final_weights).backward()

    with record_states(recorded) as record:
        assert recorded.backend == "reference"
        outputs, final = recorded(x)
        loss_of(outputs, final if cell != "lstm" else final[0], weights, final_weights).backward()
    assert recorded.backend == "auto" and recorded._state_recorder is None
    assert record.gradient_norms()  # still readable after the context
    for (name, p), q in zip(plain.named_parameters(), recorded.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-9, atol=1e-12, msg=name)


def test_restored_when_the_body_raises_and_explicit_backend_kept():
    recurrent = make("gru", backend="scripted")
    with pytest.raises(KeyError), record_states(nn.Sequential(recurrent)):
        assert recurrent.backend == "reference"
        raise KeyError("boom")
    assert recurrent.backend == "scripted" and recurrent._state_recorder is None


def test_ragged_batch_padded_steps_have_no_gradient():
    recurrent = make("lstm")
    x, weights, _ = inputs()
    lengths = torch.tensor([5, 3])
    with record_states(recurrent) as record:
        outputs, _ = recurrent(x, lengths=lengths)
        torch.tanh(outputs * weights).sum().backward()
    per_sequence = record.gradient_norms(reduction="none")
    norms = record.gradient_norms()
    for key, states in record.states().items():
        raw = torch.stack([a.grad.norm(dim=-1) for a in states]).float()  # (T, B)
        assert torch.all(raw[3:, 1] == 0)  # past the length of sequence 1: exactly 0
        assert torch.isnan(per_sequence[key][3:, 1]).all()
        torch.testing.assert_close(norms[key][3:], raw[3:, 0])  # the mean over the real sequences only
        torch.testing.assert_close(norms[key][:3], raw[:3].mean(dim=1))


def test_several_recurrents_are_prefixed_and_only_the_first_pass_is_kept():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Recurrent("rnn", I, H)
            self.decoder = Recurrent("gru", H, H)

    model = Two().double()
    x = torch.randn(B, T, I, dtype=torch.float64)
    with record_states(model) as record:
        encoded, _ = model.encoder(x)
        decoded, _ = model.decoder(encoded)
        model.decoder(encoded[:, :2])  # a second pass: not recorded
        decoded.sum().backward()
    norms = record.gradient_norms()
    assert sorted(norms) == ["decoder/layer0", "encoder/layer0"]
    assert norms["decoder/layer0"].shape == (T,)
    assert all(math.isfinite(v) for v in norms["encoder/layer0"].tolist())


def test_nothing_recorded_is_an_error():
    recurrent = make("rnn")
    with record_states(recurrent) as record, torch.no_grad():
        recurrent(inputs()[0])
    with pytest.raises(RuntimeError, match="no states were recorded"):
        record.gradient_norms()
