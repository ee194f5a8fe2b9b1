"""What a cell declares about the fast backends: the fused op that computes it exactly, the
scripted kernel that runs its time loop, or, for either, why there is none.

A cell answers :meth:`~seqmodels.nn.recurrent_cell.RecurrentCell.fused_op` with a :class:`FusedOp`
or a :class:`NoKernel`, and :meth:`~seqmodels.nn.recurrent_cell.RecurrentCell.scripted_kernel` with a
:class:`ScriptedKernel` or a :class:`NoKernel`. The backends ask the cell; they never look at its type.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Optional, Tuple, Union

from torch import Tensor

FUSED_MODES = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")


@dataclass(frozen=True)
class FusedOp:
    """torch's native RNN op that computes the cell exactly, on the cell's parameters in torch.nn's layout
    (:meth:`~seqmodels.nn.recurrent_cell.RecurrentCell.torch_weights`): ``mode`` is one of :data:`FUSED_MODES`."""

    mode: str

    def __post_init__(self) -> None:
        if self.mode not in FUSED_MODES:
            raise ValueError(f"FusedOp: mode must be one of {list(FUSED_MODES)}, got {self.mode!r}")


@dataclass(frozen=True)
class ScriptedKernel:
    """A time loop of the scripted backend for the cell.

    ``module`` has the two functions ``forward`` and ``backward`` of the kernel interface
    (:mod:`seqmodels.nn.backends.kernel_rnn` describes it); ``option`` picks the module's variant;
    ``extras`` are the cell's recurrent parameters the loop reads besides W_aa (e.g. an LSTM's peephole
    weights), in the order the module expects them. ``native_source`` names a C++ file beside the backends that
    defines the same two functions with the same math and the base class's input projection folded in (the
    LSTM's ``lstm_loop.cpp``), compiled at run time where a compiler is found
    (:mod:`seqmodels.nn.backends.native`); None: the TorchScript loop always runs. A cell that overrides
    ``input_projection`` runs the TorchScript loop even where it declares a native twin.
    """

    module: ModuleType
    option: int = 0
    extras: Tuple[Tensor, ...] = ()
    native_source: Optional[str] = None


@dataclass(frozen=True)
class NoKernel:
    """No fused op (or no scripted kernel) computes the cell; ``reason`` says why, naming the option."""

    reason: str


FusedDeclaration = Union[FusedOp, NoKernel]
ScriptedDeclaration = Union[ScriptedKernel, NoKernel]
