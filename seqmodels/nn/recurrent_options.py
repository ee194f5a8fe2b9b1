"""The options of a recurrent encoder, declared once for every network that has one.

    recurrent = RecurrentOptions("gru", hidden_size=64, bidirectional=True, cell_options={"reset_after": True})
    layer = recurrent.build(input_size=32)          # a Recurrent

The ``model`` config stays flat (``model.cell``, ``model.hidden_size``, ``model.peephole``, ...):
:meth:`RecurrentOptions.split` takes the recurrent options out of it and leaves the network's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Collection, Dict, Mapping, Optional, Tuple, Type, Union

from seqmodels.nn.cell_registry import cell_class
from seqmodels.nn.recurrent import Recurrent
from seqmodels.nn.recurrent_cell import RecurrentCell


@dataclass(frozen=True)
class RecurrentOptions:
    """What builds a :class:`~seqmodels.nn.recurrent.Recurrent` besides its input size.

    Args:
        cell: a registered cell name, a dotted path ``package.module.ClassName`` or a cell class
            (see :func:`~seqmodels.nn.cell_registry.cell_class`).
        hidden_size: H; num_layers: L; bidirectional: a second, backward direction per layer.
        dropout: between layers (the networks also use it on their embeddings and outputs).
        backend: "auto", "reference", "scripted" or "fused".
        cell_options: keyword options of the cell, e.g. ``{"peephole": True}``; a name the cell's ``__init__``
            does not declare is a ValueError.
    """

    cell: Union[str, Type[RecurrentCell]] = "lstm"
    hidden_size: int = 128
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0
    backend: str = "auto"
    cell_options: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cell_options", dict(self.cell_options))
        cls = self.cell_type()
        accepted = cls.option_names()
        for name in self.cell_options:
            if name not in accepted:
                raise ValueError(f"{cls.__name__} has no option {name!r}; its options: {', '.join(accepted)}")

    def cell_type(self) -> Type[RecurrentCell]:
        """The class ``cell`` names."""
        return cell_class(self.cell)

    def build(self, input_size: int) -> Recurrent:
        """The Recurrent layer over inputs of ``input_size`` features."""
        return Recurrent(self.cell, input_size, self.hidden_size, num_layers=self.num_layers,
                         bidirectional=self.bidirectional, dropout=self.dropout, backend=self.backend,
                         **self.cell_options)

    def single_layer(self, hidden_size: Optional[int] = None, bidirectional: bool = False) -> "RecurrentOptions":
        """The same cell, options and backend in one layer without dropout (e.g. a decoder, a character encoder)."""
        return replace(self, hidden_size=self.hidden_size if hidden_size is None else hidden_size, num_layers=1,
                       bidirectional=bidirectional, dropout=0.0)

    @classmethod
    def split(cls, model: Mapping[str, Any],
              network_options: Optional[Collection[str]] = None) -> Tuple["RecurrentOptions", Dict[str, Any]]:
        """(the recurrent options, the rest) of a flat ``model`` config: the fields of this class, then every
        option the cell's ``__init__`` declares; what is missing keeps its default. With ``network_options``
        (the names the network takes) a key in none of the three is a ValueError naming it."""
        names = [f.name for f in fields(cls) if f.name != "cell_options"]
        given = {name: model[name] for name in names if name in model}
        cell = cell_class(given.get("cell", cls.cell))
        cell_options = {name: value for name, value in model.items() if name in cell.option_names()}
        rest = {name: value for name, value in model.items() if name not in given and name not in cell_options}
        if network_options is not None:
            for name in rest:
                if name not in network_options:
                    raise ValueError(f"{name!r} is not an option of {cell.__name__} "
                                     f"({', '.join(cell.option_names())}), of the recurrent layer "
                                     f"({', '.join(names)}) or of the network ({', '.join(network_options)})")
        return cls(**given, cell_options=cell_options), rest
