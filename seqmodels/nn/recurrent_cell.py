"""The contract of a recurrent cell: what :class:`~seqmodels.nn.recurrent.Recurrent` and its backends
may rely on, and what a cell of your own declares (see :class:`RecurrentCell`).

Every cell stores the weight W of the course split into an input part and a recurrent part,
``W [a<t-1>, x<t>] = W_aa a<t-1> + W_ax x<t>``, so that the input projection ``W_ax x<t> + b`` of a
whole sequence can be one matrix product before the time loop. Cells with several gates stack the
gates' rows in one matrix (``num_gates`` blocks of ``hidden_size`` rows).
"""

from __future__ import annotations

import inspect
import math
from typing import Any, List, Tuple

import torch
from torch import Tensor, nn

from seqmodels.nn.kernel_declarations import FusedDeclaration, NoKernel, ScriptedDeclaration

LSTMState = Tuple[Tensor, Tensor]
# How W_aa starts (every cell's ``recurrent_init``); see RecurrentCell.reset_parameters.
RECURRENT_INITS = ("uniform", "orthogonal", "identity")
# Methods that define a cell's math, and the declarations that must be made again by a class that redefines one.
MATH_METHODS = ("forward", "input_projection")
KERNEL_DECLARATIONS = ("fused_op", "scripted_kernel")


class ResetAfterInit(type):
    """The metaclass of cells: ``reset_parameters()`` runs once, after the outermost ``__init__`` returns,
    so a cell never starts from ``torch.empty`` whatever its subclass's ``__init__`` does."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        cell = super().__call__(*args, **kwargs)
        cell.reset_parameters()
        return cell


class RecurrentCell(nn.Module, metaclass=ResetAfterInit):
    """One time step of a recurrent layer: ``state<t> = cell(x<t>, state<t-1>)``.

    Shapes (as torch.nn.RNNCell / LSTMCell):

    - ``x``: (B, input_size), one time step of a batch;
    - the state: with ``num_states = 1`` one tensor a<t-1> (B, hidden_size); with ``num_states = 2`` the
      pair (a<t-1>, c<t-1>), each (B, hidden_size) (the LSTM's hidden state and memory cell). ``None``
      means zeros (:meth:`zero_state`);
    - ``forward(x, state)`` returns the new state in the same layout; its first (or only) tensor a<t> is
      the cell's output.

    Class attributes: ``num_gates``, the blocks of ``hidden_size`` rows that W_ax, W_aa and b stack (a cell
    may set it on the instance before calling ``RecurrentCell.__init__``, as ``GRUCell(minimal=True)``
    does); ``num_states``, 1 or 2 as above; ``candidate_block``, the block that computes the candidate
    (what ``recurrent_init="identity"`` sets to I).

    Parameters: ``W_ax`` (num_gates*H, input_size), ``W_aa`` (num_gates*H, H), ``b`` (num_gates*H,);
    a subclass adds its own in ``__init__`` with ``nn.Parameter(torch.empty(...))``.

    Initialisation: the metaclass calls :meth:`reset_parameters` once, after ``__init__`` has finished (a
    subclass's too), so every parameter starts initialised; a subclass overrides ``reset_parameters`` (calling
    ``super()``) to set its own, and does not call it from ``__init__``.

    Kernel declarations, which the backends read instead of the cell's type:

    - :meth:`fused_op`: the torch op that computes the cell exactly (:class:`FusedOp`), or :class:`NoKernel`;
      with it, :meth:`torch_weights` / :meth:`load_torch_weights` convert to and from torch.nn's layout;
    - :meth:`scripted_kernel`: the scripted backend's loop for the cell (:class:`ScriptedKernel`), or
      :class:`NoKernel`.

    Both say :class:`NoKernel` here. **The rule:** a subclass that defines ``forward`` or ``input_projection``
    (it changes the math) does not inherit its parent's declarations: unless it declares them again in its
    own body, they are reset to this class's (none), so ``backend="auto"`` runs it on the reference backend
    and never on its parent's kernel. Register a cell by name with
    :func:`~seqmodels.nn.cell_registry.register_cell`; its keyword options are those its ``__init__``
    declares (:meth:`option_names`).
    """

    num_gates: int = 1
    num_states: int = 1
    candidate_block: int = 0  # which block of rows of W_aa computes the candidate (RNN: the only one)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if any(name in own for name in MATH_METHODS):
            for name in KERNEL_DECLARATIONS:
                if name not in own:
                    setattr(cls, name, vars(RecurrentCell)[name])

    def __init__(self, input_size: int, hidden_size: int, recurrent_init: str = "uniform") -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive int, got {value!r}")
        if recurrent_init not in RECURRENT_INITS:
            raise ValueError(
                f"{type(self).__name__}: recurrent_init must be one of {list(RECURRENT_INITS)}, got {recurrent_init!r}"
            )
        self.recurrent_init = recurrent_init
        self.input_size = input_size
        self.hidden_size = hidden_size
        gate_rows = self.num_gates * hidden_size
        self.W_ax = nn.Parameter(torch.empty(gate_rows, input_size))
        self.W_aa = nn.Parameter(torch.empty(gate_rows, hidden_size))
        self.b = nn.Parameter(torch.empty(gate_rows))

    @classmethod
    def option_names(cls) -> List[str]:
        """The keyword options of the cell: the parameters its ``__init__`` declares besides the two sizes."""
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return [p.name for p in parameters if p.kind in kinds and p.name not in ("input_size", "hidden_size")]

    def reset_parameters(self) -> None:
        """U(-1/√H, 1/√H) for every parameter, as torch.nn's recurrent modules do; then W_aa
        by ``recurrent_init`` (see :data:`RECURRENT_INITS`):

        - "uniform": nothing more;
        - "orthogonal": each gate's (H, H) block of W_aa a random orthogonal matrix
          (``torch.nn.init.orthogonal_``): every singular value 1, so W_aa alone neither shrinks
          nor grows ∂L/∂a<t> on its way back through time;
        - "identity": the candidate's block of W_aa = I and its bias 0 (for the basic RNN, the whole
          W_aa = I and b_a = 0: the IRNN of Le et al. 2015, meant with ``nonlinearity="relu"``, where
          a<t> = relu(a<t-1> + W_ax x<t>) starts by copying its state forward). Gated cells get I on the
          candidate block only (LSTM: c~, GRU: c~, and b_ca = 0 with ``reset_after``); their gates'
          blocks and biases keep the uniform initialisation.
        """
        bound = 1.0 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)
        H = self.hidden_size
        with torch.no_grad():
            if self.recurrent_init == "orthogonal":
                for block in range(self.num_gates):
                    self.W_aa[block * H : (block + 1) * H].copy_(nn.init.orthogonal_(torch.empty_like(self.W_aa[:H])))
            elif self.recurrent_init == "identity":
                rows = slice(self.candidate_block * H, (self.candidate_block + 1) * H)
                self.W_aa[rows].copy_(torch.eye(H, dtype=self.W_aa.dtype, device=self.W_aa.device))
                self.b[rows].zero_()

    def input_projection(self, x: Tensor) -> Tensor:
        """W_ax x<t> + b for every gate; x may carry any leading dimensions (e.g. all steps)."""
        return nn.functional.linear(x, self.W_ax, self.b)

    def zero_state(self, batch_size: int, like: Tensor) -> Tensor:
        """a<0> = 0 (and c<0> = 0 for the LSTM)."""
        return like.new_zeros(batch_size, self.hidden_size)

    def fused_op(self) -> FusedDeclaration:
        """The torch op that computes this cell exactly (:class:`FusedOp`), or why none does."""
        return NoKernel(f"{type(self).__name__} declares no fused op")

    def scripted_kernel(self) -> ScriptedDeclaration:
        """The scripted backend's time loop for this cell (:class:`ScriptedKernel`), or why it has none."""
        return NoKernel(f"{type(self).__name__} declares no scripted kernel")

    def torch_weights(self) -> List[Tensor]:
        """[w_ih, w_hh, b_ih, b_hh] in torch.nn's layout for :meth:`fused_op` (differentiable): the stacked
        rows as they are, b_ih = b and b_hh = 0. A cell whose rows differ from torch's overrides it."""
        return [self.W_ax, self.W_aa, self.b, self.b.new_zeros(self.b.shape)]

    @torch.no_grad()
    def load_torch_weights(self, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> None:
        """Copy one layer-direction of a torch.nn.RNN/GRU/LSTM in (the inverse of :meth:`torch_weights`):
        W_ax = w_ih, W_aa = w_hh, b = b_ih + b_hh."""
        self.check_torch_weights(w_ih, w_hh)
        self.W_ax.copy_(w_ih)
        self.W_aa.copy_(w_hh)
        self.b.copy_(b_ih + b_hh)

    def check_torch_weights(self, w_ih: Tensor, w_hh: Tensor) -> None:
        """ValueError unless torch.nn weights w_ih, w_hh can be loaded: the cell declares a fused op (only
        those cells have a torch.nn counterpart) and the shapes are W_ax's and W_aa's."""
        declared = self.fused_op()
        if isinstance(declared, NoKernel):
            raise ValueError(f"{type(self).__name__} has no torch.nn counterpart: {declared.reason}")
        if tuple(w_ih.shape) != tuple(self.W_ax.shape) or tuple(w_hh.shape) != tuple(self.W_aa.shape):
            raise ValueError(
                f"torch weights of shapes {tuple(w_ih.shape)}, {tuple(w_hh.shape)} do not fit {self}: "
                f"expected {tuple(self.W_ax.shape)}, {tuple(self.W_aa.shape)}"
            )

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}" + (
            f", recurrent_init={self.recurrent_init!r}" if self.recurrent_init != "uniform" else ""
        )
