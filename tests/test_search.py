"""Greedy and beam search: hand-set probability tables with known answers, beam 1 = greedy, batched = alone."""

from __future__ import annotations

import functools
import math
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest
import torch
from torch import Tensor, nn

from seqmodels.decoding import (
    Hypothesis,
    beam_search,
    beam_search_n_best,
    greedy_search,
    length_penalty,
    select_rows,
)

BOS, EOS, A, B, C, D, E, F = range(8)


class ToyState(NamedTuple):
    hidden: Tensor                          # (N, H)
    source: Dict[str, Optional[Tensor]]     # {"memory": (N, Tx, H), "unused": None}


class ToyModel(nn.Module):
    """A random GRU decoder attending over a per-row memory: a step function with a nested state."""

    def __init__(self, vocab: int = 6, hidden: int = 8, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.embedding = nn.Embedding(vocab, hidden)
        self.cell = nn.GRUCell(hidden, hidden)
        self.output = nn.Linear(2 * hidden, vocab)

    def initial_state(self, batch: int, source_length: int = 5, seed: int = 1) -> ToyState:
        generator = torch.Generator().manual_seed(seed)
        hidden = torch.randn(batch, self.cell.hidden_size, generator=generator)
        memory = 2 * torch.randn(batch, source_length, self.cell.hidden_size, generator=generator)
        return ToyState(hidden, {"memory": memory, "unused": None})

    def step(self, tokens: Tensor, state: ToyState) -> Tuple[Tensor, ToyState, Tensor]:
        memory = state.source["memory"]
        hidden = self.cell(self.embedding(tokens), state.hidden)
        weights = torch.softmax((memory @ hidden.unsqueeze(2)).squeeze(2), dim=1)           # α (N, Tx)
        context = (weights.unsqueeze(1) @ memory).squeeze(1)
        log_probs = torch.log_softmax(self.output(torch.cat([hidden, context], dim=1)), dim=1)
        return log_probs, ToyState(hidden, state.source), weights


class TableModel:
    """P(y<t> | y<1..t-1>) read from a table keyed by (item, y<1..t-1>...); unlisted prefixes use ``default``.

    The state is one id per row, naming the prefix read so far (the step appends y<t-1>, <bos> excepted).
    """

    def __init__(self, table: Dict[tuple, Dict[int, float]], default: Optional[Dict[int, float]] = None,
                 vocab: int = 8) -> None:
        self.table, self.default, self.vocab = table, default or {EOS: 1.0}, vocab
        self.prefixes: List[tuple] = []
        self.calls = 0

    def initial_state(self, items: List[str]) -> Tensor:
        return torch.tensor([self._id((item,)) for item in items])

    def _id(self, prefix: tuple) -> int:
        if prefix not in self.prefixes:
            self.prefixes.append(prefix)
        return self.prefixes.index(prefix)

    def step(self, tokens: Tensor, state: Tensor) -> Tuple[Tensor, Tensor, None]:
        self.calls += 1
        prefixes = [self.prefixes[i] + ((token,) if token != BOS else ())
                    for i, token in zip(state.tolist(), tokens.tolist())]
        probabilities = torch.zeros(len(prefixes), self.vocab)
        for row, prefix in enumerate(prefixes):
            for token, probability in self.table.get(prefix, self.default).items():
                probabilities[row, token] = probability
        return probabilities.log(), torch.tensor([self._id(prefix) for prefix in prefixes]), None


def log(*probabilities: float) -> float:
    return sum(math.log(p) for p in probabilities)


# "a" is the locally best first token, but "b <eos>" (0.4 * 0.9 = 0.36) beats "a c <eos>" (0.6 * 0.36 = 0.216).
GREEDY_TRAP = {("x",): {A: 0.6, B: 0.4}, ("x", A): {C: 0.36, D: 0.34, E: 0.3}, ("x", B): {EOS: 0.9, C: 0.1}}


def test_select_rows_reorders_every_tensor_of_a_nested_state() -> None:
    rows = torch.tensor([2, 0, 0])
    state = {"pair": (torch.arange(3), [torch.arange(3) * 10, None]),
             "named": ToyState(torch.arange(6).view(3, 2), {"memory": torch.arange(3), "unused": None})}
    picked = select_rows(state, rows)
    assert picked["pair"][0].tolist() == [2, 0, 0] and picked["pair"][1][0].tolist() == [20, 0, 0]
    assert isinstance(picked["pair"], tuple) and isinstance(picked["pair"][1], list) and picked["pair"][1][1] is None
    assert isinstance(picked["named"], ToyState) and picked["named"].hidden.tolist() == [[4, 5], [0, 1], [0, 1]]
    assert picked["named"].source["memory"].tolist() == [2, 0, 0] and picked["named"].source["unused"] is None
    assert select_rows(None, rows) is None
    with pytest.raises(TypeError, match="str"):
        select_rows((torch.arange(3), "not a tensor"), rows)


def test_length_penalty_is_gnmt() -> None:
    assert length_penalty(3, 0.0) == 1.0
    assert length_penalty(7, 1.0) == pytest.approx(2.0)                      # (5 + 7) / 6
    assert length_penalty(1, 0.5) == pytest.approx(1.0)
    torch.testing.assert_close(length_penalty(torch.tensor([1.0, 13.0]), 2.0), torch.tensor([1.0, 9.0]))


def test_beam_search_finds_the_more_probable_sequence_that_greedy_misses() -> None:
    model = TableModel(GREEDY_TRAP)
    state = model.initial_state(["x"])
    greedy = greedy_search(model.step, state, 1, BOS, EOS, max_length=10)[0]
    assert greedy.tokens == [A, C] and greedy.finished
    assert greedy.log_prob == pytest.approx(log(0.6, 0.36, 1.0)) and greedy.score == greedy.log_prob
    beam = beam_search(model.step, state, 1, BOS, EOS, max_length=10, beam_size=2)[0]
    assert beam.tokens == [B] and beam.finished and beam.attention is None
    assert beam.log_prob == pytest.approx(log(0.4, 0.9)) and beam.score == beam.log_prob
    best, second = beam_search_n_best(model.step, state, 1, BOS, EOS, 10, beam_size=2, n_best=2)[0]
    assert best == beam and second.tokens == [A, C] and second.log_prob == pytest.approx(log(0.6, 0.36))


def test_an_early_eos_stays_best_while_other_beams_and_items_go_on() -> None:
    table = {("x",): {EOS: 0.55, A: 0.45}, ("x", A): {C: 0.6, D: 0.4},     # x: "<eos>" at once is best
             ("y",): {A: 0.9, EOS: 0.1}}                                   # y: goes on to max_length
    model = TableModel(table, default={C: 0.9, EOS: 0.1})
    state = model.initial_state(["x", "y"])
    x, y = beam_search(model.step, state, 2, BOS, EOS, max_length=4, beam_size=2)
    assert x == Hypothesis([], pytest.approx(log(0.55)), pytest.approx(log(0.55)), True, None)
    assert y.tokens == [A, C, C, C] and not y.finished and y.log_prob == pytest.approx(log(0.9, 0.9, 0.9, 0.9))
    assert model.calls == 4
    x_runner_up = beam_search_n_best(model.step, state, 2, BOS, EOS, 4, beam_size=2, n_best=2)[0][1]
    assert x_runner_up.tokens == [A, C, C, C] and not x_runner_up.finished
    greedy_x, greedy_y = greedy_search(model.step, state, 2, BOS, EOS, max_length=4)
    assert greedy_x.tokens == [] and greedy_x.finished and greedy_y == y


def test_max_length_cuts_unfinished_hypotheses() -> None:
    model = TableModel({}, default={C: 0.9, EOS: 0.1})
    state = model.initial_state(["z", "z"])
    for hypothesis in (greedy_search(model.step, state, 2, BOS, EOS, max_length=3)
                       + beam_search(model.step, state, 2, BOS, EOS, max_length=3, beam_size=2)):
        assert hypothesis.tokens == [C, C, C] and not hypothesis.finished
        assert hypothesis.log_prob == pytest.approx(log(0.9, 0.9, 0.9)) == hypothesis.score


def test_greedy_stops_once_every_row_has_finished() -> None:
    model = TableModel({("x",): {A: 1.0}, ("y",): {A: 0.6, B: 0.4}, ("y", A): {B: 1.0}})
    short, long = greedy_search(model.step, model.initial_state(["x", "y"]), 2, BOS, EOS, max_length=50)
    assert short.tokens == [A] and long.tokens == [A, B] and short.finished and long.finished
    assert long.log_prob == pytest.approx(log(0.6))
    assert model.calls == 3                                                  # y's <eos> is the third step


def test_a_length_penalty_lets_a_longer_hypothesis_win() -> None:
    # "a <eos>": 0.55 over |Y| = 2;  "b c d e f <eos>": 0.45 over |Y| = 6.
    table = {("x",): {A: 0.55, B: 0.45}, ("x", A): {EOS: 1.0}, ("x", B): {C: 1.0}, ("x", B, C): {D: 1.0},
             ("x", B, C, D): {E: 1.0}, ("x", B, C, D, E): {F: 1.0}}
    model = TableModel(table)
    state = model.initial_state(["x"])
    plain = beam_search(model.step, state, 1, BOS, EOS, max_length=10, beam_size=2)[0]
    assert plain.tokens == [A] and plain.score == pytest.approx(log(0.55))
    penalised = beam_search(model.step, state, 1, BOS, EOS, max_length=10, beam_size=2, length_penalty=1.0)[0]
    assert penalised.tokens == [B, C, D, E, F] and penalised.finished
    assert penalised.log_prob == pytest.approx(log(0.45))
    assert penalised.score == pytest.approx(log(0.45) / ((5 + 6) / 6))      # > log(0.55) / ((5 + 2) / 6)


@pytest.mark.parametrize("max_length", [1, 3, 12])
def test_beam_of_one_is_greedy(max_length: int) -> None:
    model = ToyModel()
    state = model.initial_state(batch=6)
    greedy = greedy_search(model.step, state, 6, BOS, EOS, max_length)
    beam = beam_search(model.step, state, 6, BOS, EOS, max_length, beam_size=1)
    assert any(hypothesis.finished for hypothesis in greedy) or max_length < 12
    for g, b in zip(greedy, beam):
        assert (g.tokens, g.log_prob, g.finished) == (b.tokens, b.log_prob, b.finished)
        torch.testing.assert_close(g.attention, b.attention)


@pytest.mark.parametrize("alpha", [0.0, 0.6])
def test_batched_beam_search_equals_each_item_alone(alpha: float) -> None:
    model = ToyModel(seed=3)
    state = model.initial_state(batch=5, seed=4)
    batched = beam_search(model.step, state, 5, BOS, EOS, max_length=10, beam_size=3, length_penalty=alpha)
    greedy = greedy_search(model.step, state, 5, BOS, EOS, max_length=10)
    assert {h.finished for h in batched} == {True, False} and any(g.tokens != h.tokens for g, h in zip(greedy, batched))
    for item, together in enumerate(batched):
        alone = beam_search(model.step, select_rows(state, torch.tensor([item])), 1, BOS, EOS, max_length=10,
                            beam_size=3, length_penalty=alpha)[0]
        assert (alone.tokens, alone.finished) == (together.tokens, together.finished)
        assert alone.log_prob == pytest.approx(together.log_prob, abs=1e-5)
        assert alone.score == pytest.approx(together.score, abs=1e-5)
        torch.testing.assert_close(alone.attention, together.attention)


@pytest.mark.parametrize("beam_size", [1, 3])
def test_each_item_may_have_its_own_max_length_and_decodes_as_it_would_alone(beam_size: int) -> None:
    model = ToyModel(seed=3)
    state = model.initial_state(batch=5, seed=4)
    limits = [2, 9, 4, 1, 6]
    search = greedy_search if beam_size == 1 else functools.partial(beam_search, beam_size=beam_size)
    together = search(model.step, state, 5, BOS, EOS, max_length=limits)
    for item, limit in enumerate(limits):
        (alone,) = search(model.step, select_rows(state, torch.tensor([item])), 1, BOS, EOS, max_length=limit)
        assert len(together[item].tokens) + together[item].finished <= limit
        assert (alone.tokens, alone.finished) == (together[item].tokens, together[item].finished)
        assert alone.log_prob == pytest.approx(together[item].log_prob, abs=1e-5)
    with pytest.raises(ValueError, match="max_length has 2 values for a batch of 5"):
        search(model.step, state, 5, BOS, EOS, max_length=[3, 4])


def test_attention_has_one_row_per_generated_token_and_each_sums_to_one() -> None:
    model = ToyModel(seed=5)
    state = model.initial_state(batch=4, source_length=7)
    hypotheses = (greedy_search(model.step, state, 4, BOS, EOS, max_length=8)
                  + [h for n_best in beam_search_n_best(model.step, state, 4, BOS, EOS, 8, beam_size=3, n_best=3)
                     for h in n_best])
    assert any(h.finished for h in hypotheses) and any(not h.finished for h in hypotheses)
    for hypothesis in hypotheses:
        assert hypothesis.attention.shape == (len(hypothesis.tokens) + hypothesis.finished, 7)
        torch.testing.assert_close(hypothesis.attention.sum(dim=1), torch.ones(len(hypothesis.attention)))


@pytest.mark.parametrize("options, message", [
    ({"beam_size": 0}, "beam_size must be an integer >= 1, got 0"),
    ({"max_length": 0}, "max_length must be an integer >= 1, got 0"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"beam_size": 2.0}, "beam_size must be an integer >= 1, got 2.0"),
    ({"length_penalty": -1.0}, "length_penalty must be >= 0"),
    ({"n_best": 0}, "n_best must be an integer >= 1, got 0"),
    ({"n_best": 3}, "n_best must be <= beam_size, got n_best=3 and beam_size=2"),
])
def test_bad_options_are_named(options: dict, message: str) -> None:
    model = TableModel(GREEDY_TRAP)
    arguments = {"batch_size": 1, "bos_id": BOS, "eos_id": EOS, "max_length": 5, "beam_size": 2, **options}
    search = beam_search_n_best if "n_best" in options else beam_search
    with pytest.raises(ValueError, match=message):
        search(model.step, model.initial_state(["x"]), **arguments)
    if set(options) <= {"max_length", "batch_size"}:
        with pytest.raises(ValueError, match=message):
            greedy_search(model.step, model.initial_state(["x"]), **{name: value for name, value in arguments.items()
                                                                     if name != "beam_size"})


def test_a_step_with_the_wrong_shape_is_named() -> None:
    def step(tokens: Tensor, state: None) -> Tuple[Tensor, None, None]:
        return torch.zeros(tokens.size(0) + 1, 4), None, None

    with pytest.raises(ValueError, match=r"shape \(N, V\) = \(2, V\)"):
        greedy_search(step, None, 2, BOS, EOS, max_length=3)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_a_gpu_the_state_picks_the_device_and_results_match_the_cpu() -> None:
    model = ToyModel(seed=3)
    state = model.initial_state(batch=5, seed=4)
    on_cpu = beam_search(model.step, state, 5, BOS, EOS, max_length=10, beam_size=3, length_penalty=0.6)
    state = ToyState(state.hidden.cuda(), {"memory": state.source["memory"].cuda(), "unused": None})
    on_gpu = beam_search(model.cuda().step, state, 5, BOS, EOS, max_length=10, beam_size=3, length_penalty=0.6)
    for cpu, gpu in zip(on_cpu, on_gpu):
        assert (cpu.tokens, cpu.finished) == (gpu.tokens, gpu.finished) and gpu.attention.is_cuda
        assert cpu.log_prob == pytest.approx(gpu.log_prob, abs=1e-4)
