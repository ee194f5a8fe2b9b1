"""The scripted LSTM's two loops, the native twin (lstm_loop.cpp) and the TorchScript one, against
the reference backend; gradcheck of the native loop; the fall-back to TorchScript and its one log line.

The tests that need the compiled twin take the ``native_lstm`` fixture: it builds it once per session
(torch's extension cache keeps the build between sessions) and skips them, naming the reason, when no
compiler is found or the build fails.
"""

from __future__ import annotations

import logging

import pytest
import torch

from seqmodels.nn import LSTMCell, Recurrent
from seqmodels.nn.backends import kernel_lstm, native, scripted
from seqmodels.nn.kernel_declarations import ScriptedDeclaration
from tests.helpers import (
    TOLERANCE,
    assert_runs_close,
    make_recurrent,
    random_input,
    random_state,
    run_with_grads,
    with_backend,
)

LOOPS = ("native", "torchscript")
SHAPES = [(1, 1), (1, 5), (3, 1), (4, 7), (5, 3)]  # (B, T)


@pytest.fixture(scope="session")
def native_lstm():
    """The compiled twin of kernel_lstm; the test is skipped, with the reason, when there is none."""
    built = native.build(kernel_lstm.NATIVE_SOURCE)
    if isinstance(built, str):
        pytest.skip(f"no native LSTM loop: {built}")
    return built


@pytest.fixture
def fresh_log():
    """Every fall-back reason may be logged again (each is said once per process)."""
    native._say_once.cache_clear()
    yield
    native._say_once.cache_clear()


@pytest.fixture
def use_loop(request, monkeypatch):
    """Runs the test on the loop named by its ``loop`` parameter; checks the scripted backend picks it."""
    if request.param == "native":
        request.getfixturevalue("native_lstm")
        monkeypatch.delenv(native.NATIVE_ENV, raising=False)
    else:
        monkeypatch.setenv(native.NATIVE_ENV, "0")
    choice = native.loop_choice(kernel_lstm.NATIVE_SOURCE, torch.float64, torch.device("cpu"))
    assert (choice.native is not None) == (request.param == "native"), choice.reason
    return request.param


def ragged_lengths(B: int, T: int) -> torch.Tensor:
    """Lengths T, T-2, T-4, ... (at least 1): a full-length sequence, padding in the others."""
    return torch.tensor([max(1, T - 2 * b) for b in range(B)])


@pytest.mark.parametrize("use_loop", LOOPS, indirect=True)
@pytest.mark.parametrize("ragged", [False, True], ids=["no-lengths", "ragged"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("B,T", SHAPES)
@pytest.mark.parametrize("config", ["lstm", "lstm_peephole"])
def test_the_loop_matches_the_reference(use_loop, config, B, T, with_state, ragged):
    model = make_recurrent(config, num_layers=2, bidirectional=True)
    x = random_input(B, T)
    state = random_state(model, B) if with_state else None
    lengths = ragged_lengths(B, T) if ragged else None
    expected = run_with_grads(model, x, state=state, lengths=lengths)
    actual = run_with_grads(with_backend(model, "scripted"), x, state=state, lengths=lengths)
    assert_runs_close(actual, expected, TOLERANCE[torch.float64])


@pytest.mark.parametrize("padded", [False, True], ids=["no-padding", "padded"])
@pytest.mark.parametrize("peephole", [False, True], ids=["plain", "peephole"])
def test_gradcheck_of_the_native_loop(native_lstm, peephole, padded):
    """float64 gradcheck of the twin alone (NativeLoop) w.r.t. x, W_ax, b, W_aa, p and the state."""
    B, T, I, H = 3, 4, 3, 2
    generator = torch.Generator().manual_seed(0)

    def leaf(*shape: int) -> torch.Tensor:
        return (0.5 * torch.randn(*shape, generator=generator, dtype=torch.float64)).requires_grad_(True)

    x, W_ax, b, W_aa, a0, c0 = leaf(T, B, I), leaf(4 * H, I), leaf(4 * H), leaf(4 * H, H), leaf(B, H), leaf(B, H)
    extras = (leaf(3 * H),) if peephole else ()
    mask = (torch.arange(T).unsqueeze(1) < torch.tensor([T, 1, 3])).unsqueeze(2) if padded else None

    def loop(*inputs: torch.Tensor):
        return scripted.NativeLoop.apply(native_lstm, 0, mask, len(extras), *inputs)

    assert torch.autograd.gradcheck(loop, (x, W_ax, b, W_aa, *extras, a0, c0))


def test_the_environment_variable_forces_torchscript_and_says_so_once(monkeypatch, caplog, fresh_log):
    monkeypatch.setenv(native.NATIVE_ENV, "0")
    model = make_recurrent("lstm", backend="scripted")
    with caplog.at_level(logging.INFO, logger=native.__name__):
        for _ in range(2):
            model(random_input())
    lines = [r.getMessage() for r in caplog.records if r.name == native.__name__]
    assert lines == [f"{native.NATIVE_ENV}=0 turns the native kernels off; the TorchScript loop runs instead"]
    choice = scripted.which_loop(model.cells["l0"], torch.float64)
    assert choice.native is None and native.NATIVE_ENV in choice.reason


@pytest.fixture
def rebuild(monkeypatch):
    """native.build runs again in the test (under its monkeypatches), and again for later tests."""
    monkeypatch.delenv(native.NATIVE_ENV, raising=False)
    native.build.cache_clear()
    yield
    native.build.cache_clear()


def failing_load(**kwargs):
    raise RuntimeError("Error building extension\nlstm_loop.cpp:1:1: error: simulated\nninja: build stopped")


@pytest.mark.parametrize(
    "what,patch,level,said",
    [
        ("no compiler", ("find_compiler", lambda: None), logging.INFO, "no C++ compiler found"),
        ("failed build", ("cpp_extension.load", failing_load), logging.WARNING, "lstm_loop.cpp:1:1: error: simulated"),
    ],
    ids=["no-compiler", "failed-build"],
)
def test_without_a_build_the_torchscript_loop_runs_and_says_why_once(
    monkeypatch, caplog, fresh_log, rebuild, what, patch, level, said
):
    target, replacement = patch
    monkeypatch.setattr(f"{native.__name__}.{target}", replacement)
    model = make_recurrent("lstm_peephole")
    x = random_input()
    expected = run_with_grads(model, x)
    scripted_model = with_backend(model, "scripted")
    with caplog.at_level(logging.INFO, logger=native.__name__):
        actual = run_with_grads(scripted_model, x)
        run_with_grads(scripted_model, x)
    assert_runs_close(actual, expected, TOLERANCE[torch.float64])
    records = [r for r in caplog.records if r.name == native.__name__]
    assert len(records) == 1, f"{what}: said {len(records)} times"
    assert records[0].levelno == level and said in records[0].getMessage()
    assert "TorchScript loop runs instead" in records[0].getMessage()
    assert scripted.which_loop(scripted_model.cells["l0"], torch.float64).native is None


def test_other_dtypes_run_the_torchscript_loop(fresh_log):
    choice = native.loop_choice(kernel_lstm.NATIVE_SOURCE, torch.bfloat16, torch.device("cpu"))
    assert choice.native is None and "float32 and float64" in choice.reason


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("H", [8, 40, 1024])
@pytest.mark.parametrize("config", ["lstm", "lstm_peephole"])
def test_the_native_loop_split_over_threads_matches_the_reference(native_lstm, config, H, threads, dtype, monkeypatch):
    """Each thread runs a block of the units (cut at multiples of 16) and of the products' columns: with H=8
    one part is empty, with H=40 they differ in size and end mid-vector, with H=1024 each is many vectors.
    float32 runs oneDNN's brgemm products, float64 at::mm."""
    monkeypatch.delenv(native.NATIVE_ENV, raising=False)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        B, T = 9, 3
        model = make_recurrent(config, input_size=3, hidden_size=H, dtype=dtype)
        x, state = random_input(B, T, 3, dtype=dtype), random_state(model, B, dtype=dtype)
        lengths = ragged_lengths(B, T)
        expected = run_with_grads(model, x, state=state, lengths=lengths)
        actual = run_with_grads(with_backend(model, "scripted"), x, state=state, lengths=lengths)
    finally:
        torch.set_num_threads(threads_before)
    assert_runs_close(actual, expected, TOLERANCE[dtype])


class ShiftedProjectionLSTMCell(LSTMCell):
    """Its own input projection, with the parent's kernel declared again: the kernel loop runs on its zx."""

    def input_projection(self, x: torch.Tensor) -> torch.Tensor:
        return super().input_projection(x) + 0.5

    def scripted_kernel(self) -> ScriptedDeclaration:
        return super().scripted_kernel()


def test_a_cell_with_its_own_input_projection_runs_the_torchscript_loop(native_lstm, monkeypatch, fresh_log):
    """The twin computes RecurrentCell.input_projection itself, so it must not run a cell that overrides it."""
    monkeypatch.delenv(native.NATIVE_ENV, raising=False)
    torch.manual_seed(0)
    model = Recurrent(ShiftedProjectionLSTMCell, 3, 5, backend="reference").to(torch.float64)
    choice = scripted.which_loop(model.cells["l0"], torch.float64)
    assert choice.native is None and "overrides" in choice.reason and "input_projection" in choice.reason
    x = random_input(4, 3, 3)
    expected = run_with_grads(model, x)
    actual = run_with_grads(with_backend(model, "scripted"), x)
    assert_runs_close(actual, expected, TOLERANCE[torch.float64])
