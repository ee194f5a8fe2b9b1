"""Cells by name: the built-in ones, a user's registered one, a dotted path imported on lookup."""

from __future__ import annotations

import sys

import pytest
import torch

from seqmodels.nn import (
    GRUCell,
    LSTMCell,
    Recurrent,
    RecurrentCell,
    RecurrentOptions,
    RNNCell,
    cell_class,
    register_cell,
    registered_cells,
)

MODULE = "tests.nn.dotted_path_cell"


def test_the_built_in_cells_are_registered_by_name() -> None:
    assert {"rnn", "gru", "lstm"} <= set(registered_cells())
    assert (cell_class("rnn"), cell_class("gru"), cell_class("lstm")) == (RNNCell, GRUCell, LSTMCell)
    assert cell_class(GRUCell) is GRUCell


def test_a_registered_user_cell_is_reached_by_its_name() -> None:
    @register_cell("test_registry_doubling")
    class DoublingCell(RNNCell):
        def forward(self, x, a_prev=None):
            return 2 * super().forward(x, a_prev)

    assert cell_class("test_registry_doubling") is DoublingCell
    assert "test_registry_doubling" in registered_cells()
    model = Recurrent("test_registry_doubling", 3, 4)
    assert isinstance(model.cells["l0"], DoublingCell) and model.resolved_backend() == "reference"


def test_a_dotted_path_imports_the_users_module() -> None:
    sys.modules.pop(MODULE, None)
    cls = cell_class(f"{MODULE}.ScaledTanhCell")
    assert cls.__module__ == MODULE and issubclass(cls, RecurrentCell)
    assert cell_class("scaled_tanh") is cls  # importing the module registered its name
    recurrent, rest = RecurrentOptions.split({"cell": f"{MODULE}.ScaledTanhCell", "hidden_size": 4, "scale": 0.5,
                                              "embedding_size": 3})
    assert recurrent.cell_options == {"scale": 0.5} and rest == {"embedding_size": 3}
    model = recurrent.build(3)
    outputs, _ = model(torch.randn(2, 5, 3))
    assert model.cells["l0"].scale == 0.5 and outputs.abs().max() <= 0.5


def test_unknown_names_list_the_registered_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown cell 'tcn'; choose one of \[.*'gru', 'lstm'.*'rnn'.*\]"):
        cell_class("tcn")
    with pytest.raises(ValueError, match=r"Recurrent: unknown cell 'tcn'"):
        Recurrent("tcn", 3, 4)


@pytest.mark.parametrize("path, says", [
    ("no_such_package.cells.MyCell", "cannot import 'no_such_package.cells'"),
    ("tests.nn.dotted_path_cell.MissingCell", "has no 'MissingCell'"),
    ("tests.nn.dotted_path_cell.torch", "is not a subclass of seqmodels.nn.RecurrentCell"),
])
def test_a_bad_dotted_path_says_what_is_wrong(path: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        cell_class(path)


def test_a_name_taken_by_another_class_is_refused() -> None:
    with pytest.raises(ValueError, match=r"@register_cell\('lstm'\): the name is taken by seqmodels.nn.cells.LSTMCell"):
        @register_cell("lstm")
        class OtherLSTMCell(LSTMCell):
            pass
    assert cell_class("lstm") is LSTMCell
    with pytest.raises(ValueError, match="is not a subclass"):
        register_cell("linear")(torch.nn.Linear)
