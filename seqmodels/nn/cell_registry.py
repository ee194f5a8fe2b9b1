"""Cells by name, so that ``model.cell=<name>`` in a config reaches any cell, yours included.

    from seqmodels.nn import RecurrentCell, register_cell

    @register_cell("scaled_rnn")
    class ScaledRNNCell(RecurrentCell):
        ...

``cell_class("scaled_rnn")`` then returns the class once its module has been imported; a dotted path
``cell_class("my_package.cells.ScaledRNNCell")`` imports the module itself (so a config can name a cell
whose module nothing imported). The built-in cells are registered the same way as "rnn", "gru" and "lstm".
"""

from __future__ import annotations

import importlib
from typing import Callable, Dict, List, Type, TypeVar, Union

from seqmodels.nn.recurrent_cell import RecurrentCell

CellT = TypeVar("CellT", bound=Type[RecurrentCell])
_CELLS: Dict[str, Type[RecurrentCell]] = {}


def register_cell(name: str) -> Callable[[CellT], CellT]:
    """A class decorator: ``@register_cell("name")`` makes ``cell_class("name")`` (and ``model.cell=name``)
    return the class. A name already taken by another class is a ValueError."""

    def register(cls: CellT) -> CellT:
        _check_cell(cls, f"@register_cell({name!r})")
        taken = _CELLS.get(name)
        if taken is not None and _qualified(taken) != _qualified(cls):  # the same class again: a re-import
            raise ValueError(f"@register_cell({name!r}): the name is taken by {_qualified(taken)}")
        _CELLS[name] = cls
        return cls

    return register


def cell_class(cell: Union[str, Type[RecurrentCell]]) -> Type[RecurrentCell]:
    """The cell class of a registered name, of a dotted path ``package.module.ClassName`` (imported here), or
    the class itself; ValueError listing the registered names for anything else."""
    if not isinstance(cell, str):
        return _check_cell(cell, "cell")
    if cell in _CELLS:
        return _CELLS[cell]
    module_name, _, class_name = cell.rpartition(".")
    if not module_name:
        raise ValueError(f"unknown cell {cell!r}; choose one of {registered_cells()} "
                         "or give a dotted path package.module.ClassName")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cell {cell!r}: cannot import {module_name!r} ({error})") from error
    if class_name not in vars(module):
        raise ValueError(f"cell {cell!r}: module {module_name!r} has no {class_name!r}")
    return _check_cell(vars(module)[class_name], f"cell {cell!r}")


def registered_cells() -> List[str]:
    """The registered cell names, sorted."""
    return sorted(_CELLS)


def _check_cell(cls: object, where: str) -> Type[RecurrentCell]:
    if not (isinstance(cls, type) and issubclass(cls, RecurrentCell)):
        raise ValueError(f"{where}: {cls!r} is not a subclass of seqmodels.nn.RecurrentCell")
    return cls


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
