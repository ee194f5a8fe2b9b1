"""Every network starts from the same numbers as before the recurrent options were declared once.

``initial_parameters.json`` was written by the code before that change (cells that called
``reset_parameters()`` themselves, networks that listed cell, hidden_size, ... as their own arguments):
for ``torch.manual_seed(0)``, each state_dict key with [shape, Σ, Σ|·|, first, last value]. Here the
same layers and networks are built the new way — the networks through ``SequenceTask.build_network``
with the flat ``model`` config, as the tasks build them — and must give the same keys, in the same
order, and the same values: to 1e-12, except where an orthogonal initialisation decomposes a matrix, whose last
bits follow the CPU's LAPACK (1e-5 relative there, far below what another initialisation would change).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import torch
from torch import nn

from seqmodels.models.classifier import Classifier
from seqmodels.models.language_model import LanguageModel
from seqmodels.models.memory_model import MemoryModel
from seqmodels.models.seq2seq import Seq2Seq
from seqmodels.models.tagger import Tagger
from seqmodels.nn import Recurrent
from seqmodels.tasks.base import SequenceTask

RECORDED = json.loads((Path(__file__).parent / "initial_parameters.json").read_text())

# configs/model/*.yaml
LSTM = dict(cell="lstm", embedding_size=128, hidden_size=256, num_layers=1, bidirectional=False, dropout=0.2,
            backend="auto", peephole=False, forget_bias=None, recurrent_init="uniform")
GRU = dict(cell="gru", embedding_size=128, hidden_size=256, num_layers=1, bidirectional=False, dropout=0.2,
           backend="auto", minimal=False, reset_after=False, update_bias=None, recurrent_init="uniform")
RNN = dict(cell="rnn", embedding_size=128, hidden_size=256, num_layers=1, bidirectional=False, dropout=0.2,
           backend="auto", nonlinearity="tanh", recurrent_init="uniform")

RECURRENT: Dict[str, Dict[str, Any]] = {
    "lstm": dict(cell="lstm", input_size=5, hidden_size=7),
    "lstm_deep_bi_peephole_orth_forget": dict(cell="lstm", input_size=5, hidden_size=7, num_layers=2,
                                              bidirectional=True, peephole=True, forget_bias=1.0,
                                              recurrent_init="orthogonal"),
    "lstm_identity": dict(cell="lstm", input_size=4, hidden_size=6, recurrent_init="identity"),
    "gru": dict(cell="gru", input_size=5, hidden_size=7, num_layers=2),
    "gru_minimal_update_bias": dict(cell="gru", input_size=5, hidden_size=7, minimal=True, update_bias=-3.0),
    "gru_reset_after_identity": dict(cell="gru", input_size=5, hidden_size=7, reset_after=True,
                                     recurrent_init="identity", bidirectional=True),
    "gru_orthogonal_update_bias": dict(cell="gru", input_size=3, hidden_size=5, recurrent_init="orthogonal",
                                       update_bias=-1.0),
    "rnn": dict(cell="rnn", input_size=5, hidden_size=7, num_layers=3, bidirectional=True),
    "rnn_relu_identity": dict(cell="rnn", input_size=5, hidden_size=7, nonlinearity="relu",
                              recurrent_init="identity"),
}


def model(family: Dict[str, Any], **overrides: Any) -> Dict[str, Any]:
    return {**family, **overrides}


def without_bidirectional(config: Dict[str, Any]) -> Dict[str, Any]:
    """What the language-model task gives build_network (it refuses bidirectional and pops it)."""
    return {name: value for name, value in config.items() if name != "bidirectional"}


def allowed(k: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return (torch.rand(k, generator=generator) > 0.3, torch.rand(k, k, generator=generator) > 0.3,
            torch.rand(k, generator=generator) > 0.3)


def networks() -> Iterator[Tuple[str, Callable[[], nn.Module]]]:
    """(name, build) for each network, built as its task builds it."""
    build = SequenceTask.build_network
    lm = without_bidirectional(model(LSTM, embedding_size=16, hidden_size=24, num_layers=2))
    yield "language_model_lstm", lambda: build(LanguageModel, lm, vocab_size=40, tie_weights=False, pad_id=0)
    tied = without_bidirectional(model(GRU, embedding_size=16, hidden_size=16))
    yield "language_model_gru_tied", lambda: build(LanguageModel, tied, vocab_size=40, tie_weights=True, pad_id=0)
    start, moves, end = allowed(5)
    moves_kw = dict(allowed_start=start, allowed_transitions=moves, allowed_end=end)
    ner = model(GRU, bidirectional=True, embedding_size=12, hidden_size=10, dropout=0.5)
    with_chars = dict(case_embedding_size=3, char_embedding_size=4, char_hidden_size=5)
    yield "tagger_gru_crf_chars_cases", lambda: build(Tagger, ner, vocab_size=30, num_tags=5, output="crf", pad_id=0,
                                                      num_cases=6, num_chars=20, **moves_kw, **with_chars)
    ner_peephole = model(LSTM, bidirectional=True, embedding_size=12, hidden_size=10, dropout=0.5, peephole=True)
    words_only = dict(case_embedding_size=0, char_embedding_size=25, char_hidden_size=25)
    yield "tagger_lstm_softmax", lambda: build(Tagger, ner_peephole, vocab_size=30, num_tags=5, output="softmax",
                                               pad_id=0, num_cases=6, num_chars=0, **moves_kw, **words_only)
    sentiment = model(LSTM, embedding_size=12, hidden_size=10, dropout=0.3)
    yield "classifier_lstm_rnn_last", lambda: build(Classifier, sentiment, vocab_size=30, num_classes=3,
                                                    encoder="rnn", pooling="last", pad_id=0)
    deep = model(RNN, embedding_size=12, hidden_size=10, dropout=0.3, bidirectional=True, num_layers=2)
    yield "classifier_rnn_bi_max", lambda: build(Classifier, deep, vocab_size=30, num_classes=2, encoder="rnn",
                                                 pooling="max", pad_id=0)
    yield "classifier_mean", lambda: build(Classifier, sentiment, vocab_size=30, num_classes=2, encoder="mean",
                                           pooling="last", pad_id=0)
    bahdanau = model(GRU, bidirectional=True, embedding_size=8, hidden_size=12, dropout=0.1, attention="additive",
                     attention_style="bahdanau", attention_size=None, input_feeding=False)
    yield "seq2seq_gru_additive", lambda: build(Seq2Seq, bahdanau, source_vocab_size=20, target_vocab_size=22,
                                                source_pad_id=0, target_pad_id=0)
    luong = model(LSTM, bidirectional=False, embedding_size=8, hidden_size=12, dropout=0.1, attention="general",
                  attention_style="luong", attention_size=None, input_feeding=True, num_layers=2)
    yield "seq2seq_lstm_luong_feed", lambda: build(Seq2Seq, luong, source_vocab_size=20, target_vocab_size=22,
                                                   source_pad_id=0, target_pad_id=0)
    adding = model(LSTM, embedding_size=2, hidden_size=16, dropout=0.0, forget_bias=3.0)
    yield "memory_adding_lstm", lambda: build(MemoryModel, adding, problem="adding", input_size=2, num_outputs=1)
    copy = model(GRU, embedding_size=6, hidden_size=16, dropout=0.0, update_bias=-3.0)
    yield "memory_copy_gru", lambda: build(MemoryModel, copy, problem="copy", input_size=10, num_outputs=10)


def summary(module: nn.Module) -> Dict[str, List[Any]]:
    return {key: [list(value.shape), float(value.double().sum()), float(value.double().abs().sum()),
                  float(value.reshape(-1)[0]) if value.numel() else 0.0,
                  float(value.reshape(-1)[-1]) if value.numel() else 0.0]
            for key, value in module.state_dict().items()}


def assert_as_recorded(module: nn.Module, recorded: Dict[str, List[Any]], rel: float = 0.0) -> None:
    got = summary(module)
    assert list(got) == list(recorded)  # the same state_dict keys in the same order
    for key, (shape, *values) in recorded.items():
        assert got[key][0] == shape, key
        assert got[key][1:] == pytest.approx(values, abs=1e-12, rel=rel), key


@pytest.mark.parametrize("name", list(RECURRENT))
def test_recurrent_starts_as_recorded(name: str) -> None:
    options = dict(RECURRENT[name])
    cell, input_size, hidden_size = options.pop("cell"), options.pop("input_size"), options.pop("hidden_size")
    torch.manual_seed(0)
    orthogonal = options.get("recurrent_init") == "orthogonal"
    assert_as_recorded(Recurrent(cell, input_size, hidden_size, **options), RECORDED["recurrent"][name],
                       rel=1e-5 if orthogonal else 0.0)


@pytest.mark.parametrize("name, build", list(networks()), ids=[name for name, _ in networks()])
def test_network_starts_as_recorded(name: str, build: Callable[[], nn.Module]) -> None:
    torch.manual_seed(0)
    assert_as_recorded(build(), RECORDED["networks"][name])


def test_every_recorded_case_is_checked() -> None:
    assert sorted(RECORDED["recurrent"]) == sorted(RECURRENT)
    assert sorted(RECORDED["networks"]) == sorted(name for name, _ in networks())
