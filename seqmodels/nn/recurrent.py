"""One recurrent layer that runs any cell over a batch: ragged, deep and bidirectional.

Deep:          a[l]<t> = cell[l](a[l-1]<t>, a[l]<t-1>),  a[0]<t> = x<t>, dropout between layers.
Bidirectional: the output at t is [→a<t>, ←a<t>]; ←a runs from each sequence's own last
               real token back to its first.

Shapes (batch first, as ``torch.nn.LSTM(batch_first=True)``), with D = 2 if bidirectional
else 1 and L = num_layers:

- input ``x``: (B, T, input_size); optional ``lengths`` (B,) ints in [1, T], or ``mask`` (B, T)
  True on real tokens (real tokens first, then padding); or a ``PackedSequence``, in which
  case the outputs come back packed the same way (as torch.nn's modules do);
- ``state``: the initial state, h0 of shape (L*D, B, H) — for an LSTM the pair (h0, c0) —
  zeros when omitted; index ``l * D + d`` is layer l, direction d (0 forward, 1 backward);
- returns ``(outputs, final_state)``: outputs (B, T, D*H) of the last layer, zero at padded
  positions; final_state shaped like ``state``, each sequence's taken at its last real token
  (for the backward direction: after its first token).

Backends (``backend=``), all on the same parameters and ``state_dict``:
``reference`` (Python loop over the cell), ``scripted`` (hoisted input projection + compiled
loop + hand-written backward), ``fused`` (torch's native RNN op: cuDNN on CUDA) and ``auto``
(fused where it computes the cell exactly, else scripted, else reference).
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple, Type, Union

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from seqmodels.nn.backends import fused, reference, scripted
from seqmodels.nn.cell_registry import cell_class
from seqmodels.nn.kernel_declarations import NoKernel
from seqmodels.nn.padding import check_lengths, lengths_from_mask, repack_like, time_major_mask
from seqmodels.nn.recurrent_cell import RecurrentCell

BACKENDS = ("auto", "reference", "scripted", "fused")

State = Union[Tensor, Tuple[Tensor, Tensor]]


StateRecorder = Callable[[int, int, List[Tensor], Optional[Tensor]], None]


class Recurrent(nn.Module):
    """Runs a recurrent cell over batch-first sequences (see the module docstring for shapes).

    Args:
        cell: a registered cell name ("rnn", "gru", "lstm", or one of :func:`~seqmodels.nn.register_cell`), a
            dotted path ``package.module.ClassName``, or a :class:`RecurrentCell` subclass.
        input_size: features of x<t>.
        hidden_size: H, the size of a<t>.
        num_layers: L, stacked layers (a deep RNN).
        bidirectional: run a second, backward direction per layer and concatenate.
        dropout: dropout on the outputs of every layer but the last (training only).
        backend: "auto", "reference", "scripted" or "fused".
        **cell_options: passed to the cell, e.g. ``peephole=True``, ``minimal=True``,
            ``reset_after=True``, ``nonlinearity="relu"``, ``forget_bias=1.0``.

    Example::

        lstm = Recurrent("lstm", input_size=8, hidden_size=16, bidirectional=True)
        outputs, (h_n, c_n) = lstm(x, lengths=lengths)   # (B, T, 32), (2, B, 16) each
    """

    # Set by seqmodels.nn.state_gradients.record_states (only while recording): called as
    # recorder(layer, direction, [a<1>, ..., a<T>] in time order, mask (T, B, 1) or None) by every
    # forward pass on the reference backend.
    _state_recorder: Optional[StateRecorder] = None

    def __init__(
        self,
        cell: Union[str, Type[RecurrentCell]],
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        backend: str = "auto",
        **cell_options: object,
    ) -> None:
        super().__init__()
        try:
            cell = cell_class(cell)
        except ValueError as error:
            raise ValueError(f"Recurrent: {error}") from error
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ValueError(f"Recurrent: num_layers must be an int >= 1, got {num_layers!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"Recurrent: dropout must be in [0, 1), got {dropout!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        self.dropout = float(dropout)
        self.cells = nn.ModuleDict()
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for direction in range(self.num_directions):
                self.cells[self._cell_name(layer, direction)] = cell(layer_input, hidden_size, **cell_options)
        self.backend = backend

    @staticmethod
    def _cell_name(layer: int, direction: int) -> str:
        return f"l{layer}" + ("_reverse" if direction else "")

    @property
    def backend(self) -> str:
        """The backend asked for; :meth:`resolved_backend` says which one runs."""
        return self._backend

    @backend.setter
    def backend(self, value: str) -> None:
        if value not in BACKENDS:
            raise ValueError(f"Recurrent: unknown backend {value!r}; choose one of {list(BACKENDS)}")
        if value == "fused":
            fused.fused_mode(self._first_cell)  # raises ValueError naming the cell option
        if value == "scripted":
            scripted.require_kernel(self._first_cell)  # raises ValueError for cells it has no kernel for
        self._backend = value

    @property
    def _first_cell(self) -> RecurrentCell:
        return self.cells["l0"]  # type: ignore[return-value]

    @property
    def output_size(self) -> int:
        """D*H, the features of every output a<t> (and of :meth:`summary`)."""
        return self.num_directions * self.hidden_size

    @property
    def num_states(self) -> int:
        """1 (a<t>) or 2 (an LSTM's a<t> and c<t>)."""
        return self._first_cell.num_states

    def resolved_backend(self) -> str:
        """The backend ``auto`` resolves to for this layer's cell: fused, scripted or reference."""
        if self._backend != "auto":
            return self._backend
        if fused.supports(self._first_cell):
            return "fused"
        return "reference" if isinstance(self._first_cell.scripted_kernel(), NoKernel) else "scripted"

    @classmethod
    def from_torch(cls, module: nn.RNNBase, backend: str = "auto") -> "Recurrent":
        """A Recurrent computing exactly what a ``torch.nn.RNN``/``GRU``/``LSTM`` computes, weights copied in.

        torch.nn.GRU becomes ``GRUCell(reset_after=True)``. Whatever the module's ``batch_first``,
        the Recurrent takes batch-first (B, T, I) input.
        """
        if isinstance(module, nn.LSTM):
            if module.proj_size:
                raise ValueError("Recurrent.from_torch: LSTM with proj_size > 0 has no counterpart")
            cell, options = "lstm", {}
        elif isinstance(module, nn.GRU):
            cell, options = "gru", {"reset_after": True}
        elif isinstance(module, nn.RNN):
            cell, options = "rnn", {"nonlinearity": module.nonlinearity}
        else:
            raise ValueError(f"Recurrent.from_torch expects torch.nn.RNN, GRU or LSTM, got {type(module).__name__}")
        if not module.bias:
            raise ValueError(
                "Recurrent.from_torch: the torch module was built with bias=False; Recurrent cells always have b"
            )
        recurrent = cls(
            cell,
            module.input_size,
            module.hidden_size,
            num_layers=module.num_layers,
            bidirectional=module.bidirectional,
            dropout=module.dropout,
            backend=backend,
            **options,
        ).to(device=module.weight_ih_l0.device, dtype=module.weight_ih_l0.dtype)
        for layer in range(module.num_layers):
            for direction in range(recurrent.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                weights = [getattr(module, f"{name}{suffix}") for name in names]
                recurrent.cells[cls._cell_name(layer, direction)].load_torch_weights(*weights)  # type: ignore[operator]
        return recurrent

    def forward(
        self,
        x: Union[Tensor, PackedSequence],
        state: Optional[State] = None,
        lengths: Optional[Tensor] = None,
        mask: Optional[Tensor] = None,
    ) -> Tuple[Union[Tensor, PackedSequence], State]:
        if isinstance(x, PackedSequence):
            if lengths is not None or mask is not None:
                raise ValueError("Recurrent: a PackedSequence carries its own lengths; pass no lengths or mask")
            padded, packed_lengths = pad_packed_sequence(x, batch_first=True)  # original batch order
            outputs, final = self.forward(padded, state, lengths=packed_lengths)
            return repack_like(outputs, packed_lengths, x), final  # type: ignore[arg-type]
        batch, steps = self._check_input(x)
        if lengths is not None and mask is not None:
            raise ValueError("Recurrent: pass lengths or mask, not both")
        if mask is not None:
            lengths = lengths_from_mask(mask, batch, steps).cpu()
        if lengths is not None:
            lengths = check_lengths(lengths, batch, steps)
            if bool((lengths == steps).all()):
                lengths = None  # nothing to mask
        state0 = self._initial_state(state, x)
        backend = self.resolved_backend()
        if backend == "fused":
            outputs, final = fused.run_stack(
                list(self.cells.values()),  # type: ignore[arg-type]
                x,
                state0,
                lengths,
                self.num_layers,
                self.bidirectional,
                self.dropout,
                self.training,
            )
        else:
            outputs, final = self._run_layers(x, state0, lengths, backend)
        return outputs, (final if self.num_states == 2 else final[0])

    def summary(self, final_state: State) -> Tensor:
        """The last layer's final states side by side, (B, D*H): [→a<T>] or, bidirectional, [→a<T>, ←a<1>]
        (each sequence's forward state at its last real token and the backward state after its first)."""
        h_n = final_state[0] if self.num_states == 2 else final_state  # (L*D, B, H), the LSTM's a not c
        last_layer = h_n[-self.num_directions :]  # type: ignore[index]
        return last_layer.transpose(0, 1).reshape(last_layer.size(1), -1)

    def _run_layers(
        self, x: Tensor, state0: Tuple[Tensor, ...], lengths: Optional[Tensor], backend: str
    ) -> Tuple[Tensor, Tuple[Tensor, ...]]:
        """Layer by layer, direction by direction, time-major inside."""
        if backend == "scripted" and torch.is_autocast_enabled(x.device.type):
            # The scripted kernels multiply in the parameters' dtype; under autocast (bf16-mixed
            # training) they would meet a bf16 input projection next to float32 W_aa. They run
            # in full precision instead, like torch's own RNN ops do on CPU.
            dtype = self._first_cell.W_aa.dtype
            with torch.autocast(x.device.type, enabled=False):
                return self._run_layers(x.to(dtype), tuple(s.to(dtype) for s in state0), lengths, backend)
        mask = time_major_mask(lengths, x.size(1), x.device)
        layer_input = x.transpose(0, 1)
        finals: List[List[Tensor]] = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:
                layer_input = nn.functional.dropout(layer_input, self.dropout, self.training)
            directions = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                cell: RecurrentCell = self.cells[self._cell_name(layer, direction)]  # type: ignore[assignment]
                cell_state0 = [s[index] for s in state0]
                if backend == "scripted":
                    out, final = scripted.run_direction(cell, layer_input, cell_state0, mask, direction == 1, lengths)
                elif self._state_recorder is not None:
                    steps: List[Tensor] = []
                    out, final = reference.run_direction(cell, layer_input, cell_state0, mask, direction == 1, steps)
                    self._state_recorder(layer, direction, steps[::-1] if direction == 1 else steps, mask)
                else:
                    out, final = reference.run_direction(cell, layer_input, cell_state0, mask, direction == 1)
                directions.append(out)
                finals.append(final)
            layer_input = directions[0] if len(directions) == 1 else torch.cat(directions, dim=2)
        final_state = tuple(torch.stack([f[i] for f in finals]) for i in range(self.num_states))
        return layer_input.transpose(0, 1), final_state

    def _check_input(self, x: Tensor) -> Tuple[int, int]:
        if not isinstance(x, Tensor) or x.dim() != 3:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(
                f"Recurrent expects batch-first input of shape (B, T, input_size={self.input_size}), got {shape}"
            )
        if x.size(2) != self.input_size:
            raise ValueError(
                f"Recurrent was built with input_size={self.input_size} but the input has "
                f"{x.size(2)} features (shape {tuple(x.shape)})"
            )
        if x.size(1) == 0:
            raise ValueError("Recurrent: the input has T = 0 time steps")
        if not x.is_floating_point():
            raise ValueError(f"Recurrent expects a floating-point input, got dtype {x.dtype} (embed tokens first)")
        weight = self._first_cell.W_ax
        if x.dtype != weight.dtype or x.device != weight.device:
            raise ValueError(
                f"Recurrent: the input is {x.dtype} on {x.device} but the parameters are {weight.dtype} on "
                f"{weight.device}; move one to the other (e.g. model.to(x.device, x.dtype))"
            )
        return x.size(0), x.size(1)

    def _initial_state(self, state: Optional[State], x: Tensor) -> Tuple[Tensor, ...]:
        """The initial state as (L*D, B, H) tensors, zeros when none is given."""
        expected = (self.num_layers * self.num_directions, x.size(0), self.hidden_size)
        if state is None:
            return tuple(x.new_zeros(expected) for _ in range(self.num_states))
        parts = (state,) if isinstance(state, Tensor) else tuple(state)
        if len(parts) != self.num_states or not all(isinstance(p, Tensor) for p in parts):
            what = "a pair (h0, c0)" if self.num_states == 2 else "one tensor h0"
            raise ValueError(f"Recurrent: the initial state of a {self._cell_kind()} must be {what}")
        for name, part in zip(("h0", "c0"), parts):
            if tuple(part.shape) != expected:
                raise ValueError(
                    f"Recurrent: initial state {name} must have shape (num_layers*num_directions, B, H) = "
                    f"{expected}, got {tuple(part.shape)}"
                )
        return tuple(p.to(x.dtype) for p in parts)

    def _cell_kind(self) -> str:
        return type(self._first_cell).__name__

    def extra_repr(self) -> str:
        return (
            f"num_layers={self.num_layers}, bidirectional={self.bidirectional}, "
            f"dropout={self.dropout}, backend={self._backend!r}"
        )
