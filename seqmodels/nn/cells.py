"""Recurrent cells in the course notation: each module computes ONE time step.

Every cell stores the weight W of the course split into an input part and a recurrent
part, ``W [a<t-1>, x<t>] = W_aa a<t-1> + W_ax x<t>``, so that the input projection
``W_ax x<t> + b`` of a whole sequence can be one matrix product before the time loop
(see :mod:`seqmodels.nn.recurrent`). Cells with several gates stack the gates' rows in
one matrix, in the order torch.nn uses, so the fused kernels can read them directly:

- LSTM: rows ``[Γu, Γf, c~, Γo]`` (torch.nn.LSTM calls Γu the input gate ``i``);
- GRU:  rows ``[Γr, Γu, c~]`` (the simplified GRU has ``[Γu, c~]``).

Shapes: x<t> is (B, input_size); a<t> and c<t> are (B, hidden_size).
"""

from __future__ import annotations

import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

LSTMState = Tuple[Tensor, Tensor]
# How W_aa starts (every cell's ``recurrent_init``); see RecurrentCell.reset_parameters.
RECURRENT_INITS = ("uniform", "orthogonal", "identity")


class RecurrentCell(nn.Module):
    """What every cell shares: sizes, the input projection and parameter initialisation.

    Subclasses set ``num_gates`` (how many blocks of ``hidden_size`` rows W_ax has) and
    ``num_states`` (1 for a<t> alone, 2 for the LSTM's (a<t>, c<t>)).
    """

    num_gates: int = 1
    num_states: int = 1
    candidate_block: int = 0  # which block of rows of W_aa computes the candidate (RNN: the only one)

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
        init = getattr(self, "recurrent_init", "uniform")  # subclasses that skip __init__'s argument
        if init == "uniform":
            return
        H = self.hidden_size
        with torch.no_grad():
            if init == "orthogonal":
                for block in range(self.num_gates):
                    self.W_aa[block * H : (block + 1) * H].copy_(nn.init.orthogonal_(torch.empty_like(self.W_aa[:H])))
            else:  # identity
                rows = slice(self.candidate_block * H, (self.candidate_block + 1) * H)
                self.W_aa[rows].copy_(torch.eye(H, dtype=self.W_aa.dtype, device=self.W_aa.device))
                self.b[rows].zero_()
                if hasattr(self, "b_ca"):
                    self.b_ca.zero_()

    def input_projection(self, x: Tensor) -> Tensor:
        """W_ax x<t> + b for every gate; x may carry any leading dimensions (e.g. all steps)."""
        return nn.functional.linear(x, self.W_ax, self.b)

    def zero_state(self, batch_size: int, like: Tensor) -> Tensor:
        """a<0> = 0 (and c<0> = 0 for the LSTM)."""
        return like.new_zeros(batch_size, self.hidden_size)

    def fused_unsupported_reason(self) -> Optional[str]:
        """Why torch's fused RNN op cannot compute this cell exactly, or None if it can."""
        return None

    def extra_repr(self) -> str:
        init = getattr(self, "recurrent_init", "uniform")
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}" + (
            f", recurrent_init={init!r}" if init != "uniform" else ""
        )


class RNNCell(RecurrentCell):
    """The basic RNN unit.

    a<t> = g(W_aa a<t-1> + W_ax x<t> + b_a),   g = tanh (default) or relu.
    """

    num_gates = 1

    def __init__(
        self, input_size: int, hidden_size: int, nonlinearity: str = "tanh", recurrent_init: str = "uniform"
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, recurrent_init)
        self.nonlinearity = nonlinearity
        self.reset_parameters()

    def forward(self, x: Tensor, a_prev: Optional[Tensor] = None) -> Tensor:
        if a_prev is None:
            a_prev = self.zero_state(x.size(0), x)
        z = self.input_projection(x) + a_prev @ self.W_aa.t()  # W_ax x<t> + b_a + W_aa a<t-1>
        return torch.tanh(z) if self.nonlinearity == "tanh" else torch.relu(z)  # a<t> = g(z)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, nonlinearity={self.nonlinearity!r}"


class GRUCell(RecurrentCell):
    """The gated recurrent unit; its memory cell is its output, c<t> = a<t>.

    Full GRU (default), the relevance gate Γr applied BEFORE the recurrent product:
        Γr = σ(W_r [c<t-1>, x<t>] + b_r)
        Γu = σ(W_u [c<t-1>, x<t>] + b_u)
        c~ = tanh(W_c [Γr * c<t-1>, x<t>] + b_c)
        c<t> = Γu * c~ + (1 - Γu) * c<t-1>

    ``minimal=True`` — the simplified GRU of the course, no Γr:
        c~ = tanh(W_c [c<t-1>, x<t>] + b_c)

    ``reset_after=True`` — the cuDNN / torch.nn.GRU variant, Γr applied AFTER the product,
    which has its own recurrent candidate bias b_ca (torch's b_hn):
        c~ = tanh(W_cx x<t> + b_c + Γr * (W_ca c<t-1> + b_ca))
    This is a different function from the full GRU; only it runs on the fused kernel.

    ``update_bias`` sets the initial b_u (e.g. -3.0: Γu = σ(-3) ≈ 0.05, so c<t> ≈ c<t-1> and the memory
    is kept early in training; the GRU's counterpart of the LSTM's ``forget_bias``).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        minimal: bool = False,
        reset_after: bool = False,
        recurrent_init: str = "uniform",
        update_bias: Optional[float] = None,
    ) -> None:
        if minimal and reset_after:
            raise ValueError("GRUCell: minimal=True has no relevance gate Γr, so reset_after=True does not apply")
        self.num_gates = 2 if minimal else 3
        self.candidate_block = self.num_gates - 1  # rows [Γr, Γu, c~] or [Γu, c~]
        super().__init__(input_size, hidden_size, recurrent_init)
        self.minimal = minimal
        self.reset_after = reset_after
        self.update_bias = update_bias
        if reset_after:
            self.b_ca = nn.Parameter(torch.empty(hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if getattr(self, "update_bias", None) is not None:
            H = self.hidden_size
            rows = slice(0, H) if self.minimal else slice(H, 2 * H)                   # Γu in [Γu, c~] / [Γr, Γu, c~]
            with torch.no_grad():
                self.b[rows].fill_(self.update_bias)

    def forward(self, x: Tensor, c_prev: Optional[Tensor] = None) -> Tensor:
        if c_prev is None:
            c_prev = self.zero_state(x.size(0), x)
        H = self.hidden_size
        zx = self.input_projection(x)  # W_·x x<t> + b_· for every gate
        if self.minimal:
            z = zx + c_prev @ self.W_aa.t()
            gamma_u = torch.sigmoid(z[:, :H])  # Γu = σ(W_u [c<t-1>, x<t>] + b_u)
            c_tilde = torch.tanh(z[:, H:])  # c~ = tanh(W_c [c<t-1>, x<t>] + b_c)
        elif self.reset_after:
            zh = c_prev @ self.W_aa.t()
            gamma_r = torch.sigmoid(zx[:, :H] + zh[:, :H])  # Γr = σ(W_r [c<t-1>, x<t>] + b_r)
            gamma_u = torch.sigmoid(zx[:, H : 2 * H] + zh[:, H : 2 * H])  # Γu = σ(W_u [c<t-1>, x<t>] + b_u)
            c_tilde = torch.tanh(zx[:, 2 * H :] + gamma_r * (zh[:, 2 * H :] + self.b_ca))  # c~ = tanh(W_cx x + b_c + Γr*(W_ca c + b_ca))
        else:
            z_ru = zx[:, : 2 * H] + c_prev @ self.W_aa[: 2 * H].t()
            gamma_r = torch.sigmoid(z_ru[:, :H])  # Γr = σ(W_r [c<t-1>, x<t>] + b_r)
            gamma_u = torch.sigmoid(z_ru[:, H:])  # Γu = σ(W_u [c<t-1>, x<t>] + b_u)
            c_tilde = torch.tanh(zx[:, 2 * H :] + (gamma_r * c_prev) @ self.W_aa[2 * H :].t())  # c~ = tanh(W_c [Γr*c<t-1>, x<t>] + b_c)
        return gamma_u * c_tilde + (1 - gamma_u) * c_prev  # c<t> = Γu * c~ + (1 - Γu) * c<t-1>

    def fused_unsupported_reason(self) -> Optional[str]:
        if self.minimal:
            return "GRUCell(minimal=True) has no fused kernel (torch's GRU always has a relevance gate)"
        if not self.reset_after:
            return (
                "GRUCell(reset_after=False) applies Γr before the recurrent product; the fused kernel "
                "computes the reset_after=True variant, a different function"
            )
        return None

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, minimal={self.minimal}, reset_after={self.reset_after}"


class LSTMCell(RecurrentCell):
    """The long short-term memory unit.

        c~ = tanh(W_c [a<t-1>, x<t>] + b_c)
        Γu = σ(W_u [a<t-1>, x<t>] + b_u)
        Γf = σ(W_f [a<t-1>, x<t>] + b_f)
        Γo = σ(W_o [a<t-1>, x<t>] + b_o)
        c<t> = Γu * c~ + Γf * c<t-1>
        a<t> = Γo * tanh(c<t>)

    ``peephole=True``: every gate also sees c<t-1> through element-wise weights p,
        Γ· = σ(W_· [a<t-1>, x<t>] + p_· * c<t-1> + b_·)   for · in u, f, o
    stored as ``W_peephole`` = [p_u, p_f, p_o] (3 * hidden_size,).

    ``forget_bias`` sets the initial b_f (e.g. 1.0 so the memory is kept early in
    training); None keeps the uniform initialisation of every other parameter.
    """

    num_gates = 4
    num_states = 2
    candidate_block = 2  # rows [Γu, Γf, c~, Γo]

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        peephole: bool = False,
        forget_bias: Optional[float] = None,
        recurrent_init: str = "uniform",
    ) -> None:
        super().__init__(input_size, hidden_size, recurrent_init)
        self.peephole = peephole
        self.forget_bias = forget_bias
        if peephole:
            self.W_peephole = nn.Parameter(torch.empty(3 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.forget_bias is not None:
            H = self.hidden_size
            with torch.no_grad():
                self.b[H : 2 * H].fill_(self.forget_bias)

    def forward(self, x: Tensor, state: Optional[LSTMState] = None) -> LSTMState:
        if state is None:
            state = (self.zero_state(x.size(0), x), self.zero_state(x.size(0), x))
        a_prev, c_prev = state
        H = self.hidden_size
        z = self.input_projection(x) + a_prev @ self.W_aa.t()  # W_·[a<t-1>, x<t>] + b_· for every gate
        z_u, z_f, z_c, z_o = z[:, :H], z[:, H : 2 * H], z[:, 2 * H : 3 * H], z[:, 3 * H :]
        if self.peephole:
            p_u, p_f, p_o = self.W_peephole.chunk(3)
            z_u, z_f, z_o = z_u + p_u * c_prev, z_f + p_f * c_prev, z_o + p_o * c_prev  # + p_· * c<t-1>
        c_tilde = torch.tanh(z_c)  # c~ = tanh(W_c [a<t-1>, x<t>] + b_c)
        gamma_u = torch.sigmoid(z_u)  # Γu = σ(W_u [a<t-1>, x<t>] + b_u)
        gamma_f = torch.sigmoid(z_f)  # Γf = σ(W_f [a<t-1>, x<t>] + b_f)
        gamma_o = torch.sigmoid(z_o)  # Γo = σ(W_o [a<t-1>, x<t>] + b_o)
        c = gamma_u * c_tilde + gamma_f * c_prev  # c<t> = Γu * c~ + Γf * c<t-1>
        a = gamma_o * torch.tanh(c)  # a<t> = Γo * tanh(c<t>)
        return a, c

    def fused_unsupported_reason(self) -> Optional[str]:
        if self.peephole:
            return "LSTMCell(peephole=True) has no fused kernel (torch's LSTM has no peephole weights)"
        return None

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, peephole={self.peephole}"
