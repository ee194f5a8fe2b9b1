"""Padding never changes a real token, final states are each sequence's own, and the
state_dict is shared by every backend."""

from __future__ import annotations

import warnings

import pytest
import torch

from seqmodels.nn.backends import scripted
from seqmodels.nn.padding import reverse_padded
from tests.helpers import (
    CELL_CONFIGS,
    RAGGED,
    B,
    H,
    T,
    as_tuple,
    assert_close,
    assert_forward_close,
    assert_runs_close,
    backends_for,
    config_backend_pairs,
    from_tuple,
    lengths_tensor,
    make_recurrent,
    random_input,
    random_state,
    run_with_grads,
)

ATOL = 1e-10
PAIRS = config_backend_pairs()
PAIR_IDS = [f"{config}-{backend}" for config, backend in PAIRS]


def padded_mask(lengths=RAGGED) -> torch.Tensor:
    """(B, T) True on real tokens."""
    return torch.arange(T).unsqueeze(0) < lengths_tensor(lengths).unsqueeze(1)


def deep_bi(config: str, backend: str):
    return make_recurrent(config, num_layers=2, bidirectional=True, backend=backend)


@pytest.mark.parametrize("config, backend", PAIRS, ids=PAIR_IDS)
def test_padding_values_change_nothing_real(config, backend):
    """(a) + (c): other values at the padded positions change no real output, no final
    state and no gradient; padded outputs and input grads are exactly zero."""
    torch.manual_seed(0)
    model = deep_bi(config, backend)
    lengths, real = lengths_tensor(), padded_mask()
    x = random_input()
    x_other = torch.where(real.unsqueeze(2), x, 100 * torch.randn_like(x))
    state = random_state(model)
    first = run_with_grads(model, x, state=state, lengths=lengths)
    second = run_with_grads(model, x_other, state=state, lengths=lengths)
    assert not torch.equal(x, x_other)
    for run in (first, second):
        assert torch.equal(run.outputs[~real], torch.zeros_like(run.outputs[~real])), "padded outputs must be 0"
        assert torch.equal(run.x_grad[~real], torch.zeros_like(run.x_grad[~real])), "padding must get no grad"
    assert_close(second.outputs, first.outputs, 0.0, "real outputs")
    for k, (a, b) in enumerate(zip(second.final, first.final)):
        assert_close(a, b, 0.0, f"final state {k}")
    for name, grad in first.param_grads.items():
        assert_close(second.param_grads[name], grad, ATOL, f"grad of {name}")


@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("config, backend", PAIRS, ids=PAIR_IDS)
def test_each_sequence_as_if_alone(config, backend, with_state):
    """(b) each sequence's outputs and final state equal a batch of one holding it unpadded;
    with 2 bidirectional layers this shows the backward direction starts at each sequence's
    own last real token."""
    torch.manual_seed(0)
    model = deep_bi(config, backend)
    x, lengths = random_input(), lengths_tensor()
    state = random_state(model) if with_state else None
    outputs, final = model(x, state=state, lengths=lengths)
    for b, length in enumerate(RAGGED):
        alone_state = None if state is None else from_tuple(tuple(s[:, b : b + 1] for s in as_tuple(state)))
        alone_out, alone_final = model(x[b : b + 1, :length], state=alone_state)
        assert_forward_close(
            outputs[b : b + 1, :length],
            tuple(f[:, b : b + 1] for f in as_tuple(final)),
            alone_out,
            alone_final,
            ATOL,
        )


@pytest.mark.parametrize("config, backend", PAIRS, ids=PAIR_IDS)
def test_final_state_is_at_last_real_token(config, backend):
    """h_n of the last layer: forward = output at L_b - 1, backward = output at 0."""
    torch.manual_seed(0)
    model = deep_bi(config, backend)
    outputs, final = model(random_input(), lengths=lengths_tensor())
    h_n = as_tuple(final)[0]
    for b, length in enumerate(RAGGED):
        assert_close(h_n[-2, b], outputs[b, length - 1, :H], ATOL, "forward h_n")
        assert_close(h_n[-1, b], outputs[b, 0, H:], ATOL, "backward h_n")


@pytest.mark.parametrize("config, backend", PAIRS, ids=PAIR_IDS)
def test_mask_equals_lengths(config, backend):
    """(d) mask= gives exactly what lengths= gives, and the grads too."""
    torch.manual_seed(0)
    model = deep_bi(config, backend)
    x, state = random_input(), random_state(model)
    by_lengths = run_with_grads(model, x, state=state, lengths=lengths_tensor())
    by_mask = run_with_grads(model, x, state=state, mask=padded_mask())
    by_int_mask = run_with_grads(model, x, state=state, mask=padded_mask().long())
    assert_runs_close(by_mask, by_lengths, 0.0)
    assert_runs_close(by_int_mask, by_lengths, 0.0)


@pytest.mark.parametrize("config, backend", PAIRS, ids=PAIR_IDS)
def test_full_mask_equals_no_lengths(config, backend):
    torch.manual_seed(0)
    model = deep_bi(config, backend)
    x = random_input()
    full = torch.ones(B, T, dtype=torch.bool)
    out_mask, final_mask = model(x, mask=full)
    out_lengths, final_lengths = model(x, lengths=torch.full((B,), T))
    out_none, final_none = model(x)
    assert_forward_close(out_mask, final_mask, out_none, final_none, 0.0)
    assert_forward_close(out_lengths, final_lengths, out_none, final_none, 0.0)


def backend_switches():
    return [
        (config, source, target)
        for config in CELL_CONFIGS
        for source in backends_for(config)
        for target in backends_for(config)
        if source != target
    ]


@pytest.mark.parametrize(
    "config, source, target", backend_switches(), ids=[f"{c}-{s}-to-{t}" for c, s, t in backend_switches()]
)
def test_state_dict_moves_between_backends(config, source, target, tmp_path):
    """(e) a checkpoint saved on one backend loads (weights_only) into a fresh model on
    another and gives the same outputs."""
    torch.manual_seed(0)
    saved = deep_bi(config, source)
    path = tmp_path / "recurrent.pt"
    torch.save(saved.state_dict(), path)
    fresh = make_recurrent(config, num_layers=2, bidirectional=True, backend=target, seed=99)
    x, lengths = random_input(), lengths_tensor()
    before, _ = fresh(x, lengths=lengths)
    fresh.load_state_dict(torch.load(path, weights_only=True))
    assert fresh.backend == target
    expected_out, expected_final = saved(x, lengths=lengths)
    assert (before - expected_out).abs().max() > 1e-3, "the fresh model should start with other weights"
    out, final = fresh(x, lengths=lengths)
    assert_forward_close(out, final, expected_out, expected_final, ATOL)


@pytest.mark.parametrize("backend", ["reference", "scripted", "fused"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("config", ["rnn_tanh", "gru_reset_after", "lstm"])
def test_shapes(config, num_layers, bidirectional, backend):
    """(f) outputs (B, T, D*H); h_n (L*D, B, H); an LSTM returns (h_n, c_n)."""
    model = make_recurrent(config, num_layers=num_layers, bidirectional=bidirectional, backend=backend)
    D = 2 if bidirectional else 1
    for lengths in (None, lengths_tensor()):
        outputs, final = model(random_input(), lengths=lengths)
        assert outputs.shape == (B, T, D * H)
        if config == "lstm":
            assert isinstance(final, tuple) and len(final) == 2
            h_n, c_n = final
            assert c_n.shape == (num_layers * D, B, H)
        else:
            assert isinstance(final, torch.Tensor)
            h_n = final
        assert h_n.shape == (num_layers * D, B, H)


def test_scripted_emits_no_deprecation_warning():
    """(g) the first scripted forward/backward (TorchScript compile included) warns nothing deprecated."""
    torch.manual_seed(0)
    scripted._compiled.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for config in ("rnn_tanh", "lstm_peephole", "gru_full"):
            model = make_recurrent(config, bidirectional=True, backend="scripted")
            run_with_grads(model, random_input(), lengths=lengths_tensor())
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert not deprecations, [f"{w.filename}:{w.lineno}: {w.message}" for w in deprecations]


def test_reverse_padded():
    """(h) reverses each time-major sequence within its own length; twice gives x back."""
    torch.manual_seed(0)
    x = torch.randn(T, B, 2)
    lengths = lengths_tensor()
    once = reverse_padded(x, lengths)
    for b, length in enumerate(RAGGED):
        assert torch.equal(once[:length, b], x[:length, b].flip(0))
        assert torch.equal(once[length:, b], x[length:, b])  # padding stays put
    assert torch.equal(reverse_padded(once, lengths), x)
    assert torch.equal(reverse_padded(x, None), x.flip(0))
    assert torch.equal(reverse_padded(reverse_padded(x, None), None), x)


@pytest.mark.parametrize("config", ["gru_full", "lstm_peephole"])
def test_scripted_backend_runs_in_full_precision_under_autocast(config):
    """bf16-mixed training: the scripted kernels must not meet mixed dtypes; they compute in float32."""
    model = make_recurrent(config, num_layers=2, backend="scripted", dtype=torch.float32)
    x = random_input(dtype=torch.float32)
    plain, _ = model(x, lengths=lengths_tensor())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed, final = model(x, lengths=lengths_tensor())
    assert mixed.dtype == torch.float32
    assert torch.equal(mixed, plain)
