"""RecurrentOptions: the recurrent options declared once, split out of a flat ``model`` config, and the
summary [→a<T>, ←a<1>] every network reads from a Recurrent's final state."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from seqmodels.errors import ConfigError
from seqmodels.models.language_model import LanguageModel
from seqmodels.nn import Recurrent, RecurrentOptions
from seqmodels.tasks.base import SequenceTask


def test_build_passes_every_option_to_the_recurrent() -> None:
    options = RecurrentOptions("gru", hidden_size=5, num_layers=2, bidirectional=True, dropout=0.25,
                               backend="scripted", cell_options={"minimal": True})
    layer = options.build(3)
    assert (layer.input_size, layer.hidden_size, layer.num_layers, layer.bidirectional, layer.dropout,
            layer.backend) == (3, 5, 2, True, 0.25, "scripted")
    assert all(cell.minimal for cell in layer.cells.values())


def test_options_are_frozen_and_a_single_layer_keeps_the_cell() -> None:
    options = RecurrentOptions("lstm", hidden_size=8, num_layers=3, bidirectional=True, dropout=0.4,
                               backend="reference", cell_options={"peephole": True})
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.hidden_size = 4  # type: ignore[misc]
    one = options.single_layer()
    assert (one.cell, one.hidden_size, one.num_layers, one.bidirectional, one.dropout, one.backend,
            one.cell_options) == ("lstm", 8, 1, False, 0.0, "reference", {"peephole": True})
    assert options.single_layer(2, bidirectional=True).hidden_size == 2


def test_an_option_the_cell_does_not_declare_is_named() -> None:
    with pytest.raises(ValueError, match=r"GRUCell has no option 'peephole'; its options: minimal, reset_after"):
        RecurrentOptions("gru", cell_options={"peephole": True})


def test_split_takes_the_recurrent_and_the_cells_options_out_of_a_flat_config() -> None:
    model = {"cell": "lstm", "embedding_size": 8, "hidden_size": 16, "num_layers": 2, "bidirectional": True,
             "dropout": 0.1, "backend": "auto", "peephole": True, "forget_bias": 1.0, "recurrent_init": "uniform",
             "attention": "dot"}
    options, rest = RecurrentOptions.split(model)
    assert options == RecurrentOptions("lstm", 16, 2, True, 0.1, "auto",
                                       {"peephole": True, "forget_bias": 1.0, "recurrent_init": "uniform"})
    assert rest == {"embedding_size": 8, "attention": "dot"}
    assert RecurrentOptions.split({"embedding_size": 4}) == (RecurrentOptions(), {"embedding_size": 4})


def test_a_config_key_nobody_takes_is_named() -> None:
    with pytest.raises(ValueError, match=r"'peephole' is not an option of GRUCell .* or of the network"):
        RecurrentOptions.split({"cell": "gru", "peephole": True}, network_options=("embedding_size",))
    with pytest.raises(ConfigError, match=r"model: 'peephole' is not an option of GRUCell \(minimal, reset_after"):
        SequenceTask.build_network(LanguageModel, {"cell": "gru", "peephole": True}, vocab_size=10)


def test_build_network_splits_the_flat_model_config() -> None:
    network = SequenceTask.build_network(LanguageModel, {"cell": "gru", "hidden_size": 6, "embedding_size": 4,
                                                         "minimal": True}, vocab_size=10)
    assert network.recurrent.hidden_size == 6 and network.embedding.embedding_dim == 4
    assert network.recurrent.cells["l0"].minimal


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_summary_is_the_forward_end_and_the_backward_start_of_the_last_layer(cell: str, bidirectional: bool) -> None:
    torch.manual_seed(0)
    layer = Recurrent(cell, 3, 4, num_layers=2, bidirectional=bidirectional)
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 3])
    outputs, final = layer(x, lengths=lengths)
    summary = layer.summary(final)
    assert summary.shape == (2, layer.output_size)
    for row, length in enumerate(lengths.tolist()):
        expected = outputs[row, length - 1, :4]                                   # →a<T>
        if bidirectional:
            expected = torch.cat([expected, outputs[row, 0, 4:]])                 # ←a<1>
        torch.testing.assert_close(summary[row], expected)
