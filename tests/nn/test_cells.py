"""One step of each cell against the course equations, written out here by hand.

The expected values never call the cells' code: the course's per-gate weights W_g act on
the concatenation [a<t-1>, x<t>] and are loaded into the cell in its documented layout
(W_aa = the a-columns, W_ax = the x-columns, gates stacked as LSTM [u, f, c~, o],
GRU [r, u, c~], minimal GRU [u, c~]).
"""

from __future__ import annotations

import math

import pytest
import torch

from seqmodels.nn import GRUCell, LSTMCell, RNNCell, cell_class
from tests.helpers import CELL_CONFIGS, as_tuple, from_tuple

B, I, H = 3, 5, 4
DT = torch.float64


def sigmoid(z):
    return 1.0 / (1.0 + torch.exp(-z))


def tanh(z):
    return (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))


def relu(z):
    return torch.where(z > 0, z, torch.zeros_like(z))


def msigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def course(W, a, x, b):
    """W [a<t-1>, x<t>] + b."""
    return torch.cat([a, x], dim=1) @ W.T + b


def gate_weights(num_gates: int, seed: int, input_size: int = I, hidden_size: int = H):
    """Course weights W_g (H, H+I) and biases b_g (H,) of each gate, seeded."""
    generator = torch.Generator().manual_seed(seed)
    Ws = [
        0.6 * torch.randn(hidden_size, hidden_size + input_size, generator=generator, dtype=DT)
        for _ in range(num_gates)
    ]
    bs = [0.3 * torch.randn(hidden_size, generator=generator, dtype=DT) for _ in range(num_gates)]
    return Ws, bs


@torch.no_grad()
def load_gates(cell, Ws, bs, **extra) -> None:
    """Put the course weights into the cell: a-columns -> W_aa, x-columns -> W_ax, rows in gate order."""
    hidden = cell.hidden_size
    cell.W_aa.copy_(torch.cat([W[:, :hidden] for W in Ws]))
    cell.W_ax.copy_(torch.cat([W[:, hidden:] for W in Ws]))
    cell.b.copy_(torch.cat(bs))
    for name, value in extra.items():
        getattr(cell, name).copy_(value)


@torch.no_grad()
def set_params(cell, **values) -> None:
    for name, value in values.items():
        getattr(cell, name).copy_(torch.tensor(value, dtype=DT))


def rand(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=DT)


# ---------------------------------------------------------------- hand-picked numbers


@pytest.mark.parametrize(
    "nonlinearity, x, a_prev, expected",
    [
        # z = 0.5*1 - 1*0.2 + 2*0.3 + 0.1 = 1.0
        ("tanh", [1.0, 0.2], 0.3, math.tanh(1.0)),
        ("relu", [1.0, 0.2], 0.3, 1.0),
        # z = -0.5 - 0.2 - 0.6 + 0.1 = -1.2
        ("tanh", [-1.0, 0.2], -0.3, math.tanh(-1.2)),
        ("relu", [-1.0, 0.2], -0.3, 0.0),
    ],
)
def test_rnn_cell_hand_numbers(nonlinearity, x, a_prev, expected):
    cell = RNNCell(2, 1, nonlinearity=nonlinearity).double()
    set_params(cell, W_ax=[[0.5, -1.0]], W_aa=[[2.0]], b=[0.1])
    a = cell(torch.tensor([x], dtype=DT), torch.tensor([[a_prev]], dtype=DT))
    assert a.shape == (1, 1)
    assert a.item() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("peephole", [False, True])
def test_lstm_cell_hand_numbers(peephole):
    # x = 1, a<t-1> = 0.4, c<t-1> = 2; rows [u, f, c~, o]
    cell = LSTMCell(1, 1, peephole=peephole).double()
    set_params(cell, W_ax=[[0.0], [1.0], [0.5], [-1.0]], W_aa=[[1.0], [0.0], [-0.5], [0.5]], b=[0.1, 0.0, 0.0, -0.2])
    x, a_prev, c_prev = 1.0, 0.4, 2.0
    z_u, z_f, z_c, z_o = 0.0 + 0.4 + 0.1, 1.0, 0.5 - 0.2, -1.0 + 0.2 - 0.2
    if peephole:
        set_params(cell, W_peephole=[1.0, -1.0, 0.5])  # p_u, p_f, p_o
        z_u, z_f, z_o = z_u + 1.0 * c_prev, z_f - 1.0 * c_prev, z_o + 0.5 * c_prev
    c = msigmoid(z_u) * math.tanh(z_c) + msigmoid(z_f) * c_prev
    a = msigmoid(z_o) * math.tanh(c)
    state = (torch.tensor([[a_prev]], dtype=DT), torch.tensor([[c_prev]], dtype=DT))
    a_t, c_t = cell(torch.tensor([[x]], dtype=DT), state)
    assert c_t.item() == pytest.approx(c, abs=1e-12)
    assert a_t.item() == pytest.approx(a, abs=1e-12)


@pytest.mark.parametrize("variant", ["full", "minimal", "reset_after"])
def test_gru_cell_hand_numbers(variant):
    x, c_prev = 1.0, 0.5
    if variant == "minimal":
        cell = GRUCell(1, 1, minimal=True).double()
        set_params(cell, W_ax=[[0.0], [2.0]], W_aa=[[2.0], [-2.0]], b=[0.0, 0.1])  # rows [u, c~]
        u = msigmoid(2.0 * c_prev)
        c_tilde = math.tanh(2.0 * x - 2.0 * c_prev + 0.1)
    else:
        cell = GRUCell(1, 1, reset_after=variant == "reset_after").double()
        set_params(cell, W_ax=[[1.0], [0.0], [2.0]], W_aa=[[0.0], [2.0], [-2.0]], b=[0.0, 0.0, 0.1])  # [r, u, c~]
        r = msigmoid(1.0 * x)
        u = msigmoid(2.0 * c_prev)
        if variant == "full":
            c_tilde = math.tanh(2.0 * x + 0.1 - 2.0 * (r * c_prev))  # Γr before the product
        else:
            set_params(cell, b_ca=[0.3])
            c_tilde = math.tanh(2.0 * x + 0.1 + r * (-2.0 * c_prev + 0.3))  # Γr after, with b_ca
    expected = u * c_tilde + (1 - u) * c_prev
    c = cell(torch.tensor([[x]], dtype=DT), torch.tensor([[c_prev]], dtype=DT))
    assert c.item() == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------- seeded weights, B x I -> H


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_matches_course(nonlinearity):
    torch.manual_seed(0)
    cell = RNNCell(I, H, nonlinearity=nonlinearity).double()
    (W_a,), (b_a,) = gate_weights(1, seed=10)
    load_gates(cell, [W_a], [b_a])
    x, a_prev = rand(B, I, seed=11), rand(B, H, seed=12)
    g = tanh if nonlinearity == "tanh" else relu
    expected = g(course(W_a, a_prev, x, b_a))  # a<t> = g(W_a [a<t-1>, x<t>] + b_a)
    if nonlinearity == "relu":
        assert (expected == 0).any() and (expected > 0).any(), "the test should see both relu branches"
    torch.testing.assert_close(cell(x, a_prev), expected, atol=1e-12, rtol=0)


def test_gru_full_cell_matches_course():
    torch.manual_seed(0)
    cell = GRUCell(I, H).double()
    (W_r, W_u, W_c), (b_r, b_u, b_c) = gate_weights(3, seed=20)
    load_gates(cell, [W_r, W_u, W_c], [b_r, b_u, b_c])
    x, c_prev = rand(B, I, seed=21), rand(B, H, seed=22)
    gamma_r = sigmoid(course(W_r, c_prev, x, b_r))
    gamma_u = sigmoid(course(W_u, c_prev, x, b_u))
    c_tilde = tanh(course(W_c, gamma_r * c_prev, x, b_c))  # c~ = tanh(W_c [Γr * c<t-1>, x<t>] + b_c)
    expected = gamma_u * c_tilde + (1 - gamma_u) * c_prev
    torch.testing.assert_close(cell(x, c_prev), expected, atol=1e-12, rtol=0)


def test_gru_minimal_cell_matches_course():
    torch.manual_seed(0)
    cell = GRUCell(I, H, minimal=True).double()
    assert cell.W_ax.shape == (2 * H, I) and cell.W_aa.shape == (2 * H, H) and cell.b.shape == (2 * H,)
    (W_u, W_c), (b_u, b_c) = gate_weights(2, seed=30)
    load_gates(cell, [W_u, W_c], [b_u, b_c])
    x, c_prev = rand(B, I, seed=31), rand(B, H, seed=32)
    gamma_u = sigmoid(course(W_u, c_prev, x, b_u))
    c_tilde = tanh(course(W_c, c_prev, x, b_c))  # no Γr
    expected = gamma_u * c_tilde + (1 - gamma_u) * c_prev
    torch.testing.assert_close(cell(x, c_prev), expected, atol=1e-12, rtol=0)


def test_gru_reset_after_cell_matches_course():
    torch.manual_seed(0)
    cell = GRUCell(I, H, reset_after=True).double()
    (W_r, W_u, W_c), (b_r, b_u, b_c) = gate_weights(3, seed=40)
    b_ca = rand(H, seed=43)
    load_gates(cell, [W_r, W_u, W_c], [b_r, b_u, b_c], b_ca=b_ca)
    x, c_prev = rand(B, I, seed=41), rand(B, H, seed=42)
    W_ca, W_cx = W_c[:, :H], W_c[:, H:]
    gamma_r = sigmoid(course(W_r, c_prev, x, b_r))
    gamma_u = sigmoid(course(W_u, c_prev, x, b_u))
    c_tilde = tanh(x @ W_cx.T + b_c + gamma_r * (c_prev @ W_ca.T + b_ca))  # Γr AFTER the product
    expected = gamma_u * c_tilde + (1 - gamma_u) * c_prev
    torch.testing.assert_close(cell(x, c_prev), expected, atol=1e-12, rtol=0)


def test_gru_full_and_reset_after_differ():
    """The two variants are different functions on the same weights (b_ca = 0)."""
    torch.manual_seed(0)
    full, after = GRUCell(I, H).double(), GRUCell(I, H, reset_after=True).double()
    Ws, bs = gate_weights(3, seed=50)
    load_gates(full, Ws, bs)
    load_gates(after, Ws, bs, b_ca=torch.zeros(H, dtype=DT))
    x, c_prev = rand(B, I, seed=51), rand(B, H, seed=52)
    assert (full(x, c_prev) - after(x, c_prev)).abs().max() > 1e-3


@pytest.mark.parametrize("peephole", [False, True])
def test_lstm_cell_matches_course(peephole):
    torch.manual_seed(0)
    cell = LSTMCell(I, H, peephole=peephole).double()
    (W_u, W_f, W_c, W_o), (b_u, b_f, b_c, b_o) = gate_weights(4, seed=60)
    extra = {}
    p_u = p_f = p_o = torch.zeros(H, dtype=DT)
    if peephole:
        p_u, p_f, p_o = rand(H, seed=63), rand(H, seed=64), rand(H, seed=65)
        extra["W_peephole"] = torch.cat([p_u, p_f, p_o])
    load_gates(cell, [W_u, W_f, W_c, W_o], [b_u, b_f, b_c, b_o], **extra)
    x, a_prev, c_prev = rand(B, I, seed=61), rand(B, H, seed=62), rand(B, H, seed=66)
    c_tilde = tanh(course(W_c, a_prev, x, b_c))
    gamma_u = sigmoid(course(W_u, a_prev, x, b_u) + p_u * c_prev)  # all three gates see c<t-1>
    gamma_f = sigmoid(course(W_f, a_prev, x, b_f) + p_f * c_prev)
    gamma_o = sigmoid(course(W_o, a_prev, x, b_o) + p_o * c_prev)
    c = gamma_u * c_tilde + gamma_f * c_prev
    a = gamma_o * tanh(c)
    a_t, c_t = cell(x, (a_prev, c_prev))
    torch.testing.assert_close(c_t, c, atol=1e-12, rtol=0)
    torch.testing.assert_close(a_t, a, atol=1e-12, rtol=0)


def test_lstm_peephole_weights_shape():
    cell = LSTMCell(I, H, peephole=True)
    assert cell.W_peephole.shape == (3 * H,)
    assert not hasattr(LSTMCell(I, H), "W_peephole")


@pytest.mark.parametrize("peephole", [False, True])
@pytest.mark.parametrize("forget_bias", [1.0, -2.5])
def test_lstm_forget_bias_sets_b_f(forget_bias, peephole):
    torch.manual_seed(0)
    cell = LSTMCell(I, H, peephole=peephole, forget_bias=forget_bias)
    b_u, b_f, b_c, b_o = cell.b.detach().chunk(4)
    assert torch.equal(b_f, torch.full((H,), forget_bias))
    bound = 1 / math.sqrt(H)
    for other in (b_u, b_c, b_o):
        assert other.abs().max() <= bound  # the other rows keep the uniform initialisation
    cell.reset_parameters()
    assert torch.equal(cell.b.detach()[H : 2 * H], torch.full((H,), forget_bias))


def test_lstm_without_forget_bias_is_uniform():
    torch.manual_seed(0)
    cell = LSTMCell(I, H)
    bound = 1 / math.sqrt(H)
    for p in cell.parameters():
        assert p.abs().max() <= bound


# ---------------------------------------------------------------- every cell / option


def make_cell(config: str):
    cell, options = CELL_CONFIGS[config]
    return cell_class(cell)(I, H, **options).double()


@pytest.mark.parametrize("config", list(CELL_CONFIGS))
def test_none_state_means_zeros(config):
    torch.manual_seed(0)
    cell = make_cell(config)
    x = rand(B, I, seed=70)
    zeros = from_tuple(tuple(torch.zeros(B, H, dtype=DT) for _ in range(cell.num_states)))
    for got, expected in zip(as_tuple(cell(x)), as_tuple(cell(x, zeros))):
        assert torch.equal(got, expected)


@pytest.mark.parametrize("config", list(CELL_CONFIGS))
def test_cell_gradcheck(config):
    """Gradients w.r.t. the input, the state and every parameter, float64."""
    torch.manual_seed(0)
    cell = make_cell(config)
    names = [name for name, _ in cell.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in cell.parameters())
    x = rand(B, I, seed=80).requires_grad_(True)
    state = tuple((0.5 * rand(B, H, seed=81 + k)).requires_grad_(True) for k in range(cell.num_states))

    def step(x, *state_and_params):
        state, values = state_and_params[: cell.num_states], state_and_params[cell.num_states :]
        return torch.func.functional_call(cell, dict(zip(names, values)), (x, from_tuple(state)))

    assert torch.autograd.gradcheck(step, (x, *state, *params), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "build, option",
    [
        (lambda: RNNCell(I, 0), "hidden_size"),
        (lambda: GRUCell(I, 0), "hidden_size"),
        (lambda: LSTMCell(I, 0), "hidden_size"),
        (lambda: LSTMCell(0, H), "input_size"),
        (lambda: RNNCell(I, -3), "hidden_size"),
        (lambda: RNNCell(I, 2.5), "hidden_size"),
        (lambda: RNNCell(I, H, nonlinearity="sigmoid"), "nonlinearity"),
        (lambda: GRUCell(I, H, minimal=True, reset_after=True), "minimal.*reset_after|reset_after.*minimal"),
    ],
    ids=["rnn-h0", "gru-h0", "lstm-h0", "lstm-i0", "rnn-h-neg", "rnn-h-float", "sigmoid", "minimal+reset_after"],
)
def test_bad_cell_arguments(build, option):
    with pytest.raises(ValueError, match=option):
        build()
