"""The built-in recurrent cells in the course notation: each module computes ONE time step.

They follow :class:`~seqmodels.nn.recurrent_cell.RecurrentCell` (shapes, state layout, kernel
declarations) and are registered as "rnn", "gru" and "lstm". Gates' rows are stacked in the order
torch.nn uses, so the fused op can read them directly:

- LSTM: rows ``[Γu, Γf, c~, Γo]`` (torch.nn.LSTM calls Γu the input gate ``i``);
- GRU:  rows ``[Γr, Γu, c~]`` (the simplified GRU has ``[Γu, c~]``).

Shapes: x<t> is (B, input_size); a<t> and c<t> are (B, hidden_size).
"""

from __future__ import annotations

from typing import List, Optional

import torch
from torch import Tensor, nn

from seqmodels.nn.backends import kernel_gru, kernel_lstm, kernel_rnn
from seqmodels.nn.cell_registry import register_cell
from seqmodels.nn.kernel_declarations import FusedDeclaration, FusedOp, NoKernel, ScriptedDeclaration, ScriptedKernel
from seqmodels.nn.recurrent_cell import LSTMState, RecurrentCell


@register_cell("rnn")
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

    def forward(self, x: Tensor, a_prev: Optional[Tensor] = None) -> Tensor:
        """a<t> (B, H) from x<t> (B, input_size) and a<t-1> (B, H) (None: zeros)."""
        if a_prev is None:
            a_prev = self.zero_state(x.size(0), x)
        z = self.input_projection(x) + a_prev @ self.W_aa.t()  # W_ax x<t> + b_a + W_aa a<t-1>
        return torch.tanh(z) if self.nonlinearity == "tanh" else torch.relu(z)  # a<t> = g(z)

    def fused_op(self) -> FusedDeclaration:
        return FusedOp("RNN_RELU" if self.nonlinearity == "relu" else "RNN_TANH")

    def scripted_kernel(self) -> ScriptedDeclaration:
        return ScriptedKernel(kernel_rnn, int(self.nonlinearity == "relu"))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, nonlinearity={self.nonlinearity!r}"


@register_cell("gru")
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

    def reset_parameters(self) -> None:
        """:meth:`RecurrentCell.reset_parameters`, then b_ca = 0 with ``recurrent_init="identity"`` and
        ``reset_after``, and b_u = ``update_bias`` when it is given."""
        super().reset_parameters()
        H = self.hidden_size
        with torch.no_grad():
            if self.reset_after and self.recurrent_init == "identity":
                self.b_ca.zero_()
            if self.update_bias is not None:
                rows = slice(0, H) if self.minimal else slice(H, 2 * H)               # Γu in [Γu, c~] / [Γr, Γu, c~]
                self.b[rows].fill_(self.update_bias)

    def forward(self, x: Tensor, c_prev: Optional[Tensor] = None) -> Tensor:
        """c<t> = a<t> (B, H) from x<t> (B, input_size) and c<t-1> (B, H) (None: zeros)."""
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
            # c~ = tanh(W_cx x<t> + b_c + Γr * (W_ca c<t-1> + b_ca))
            c_tilde = torch.tanh(zx[:, 2 * H :] + gamma_r * (zh[:, 2 * H :] + self.b_ca))
        else:
            z_ru = zx[:, : 2 * H] + c_prev @ self.W_aa[: 2 * H].t()
            gamma_r = torch.sigmoid(z_ru[:, :H])  # Γr = σ(W_r [c<t-1>, x<t>] + b_r)
            gamma_u = torch.sigmoid(z_ru[:, H:])  # Γu = σ(W_u [c<t-1>, x<t>] + b_u)
            # c~ = tanh(W_c [Γr * c<t-1>, x<t>] + b_c)
            c_tilde = torch.tanh(zx[:, 2 * H :] + (gamma_r * c_prev) @ self.W_aa[2 * H :].t())
        return gamma_u * c_tilde + (1 - gamma_u) * c_prev  # c<t> = Γu * c~ + (1 - Γu) * c<t-1>

    def fused_op(self) -> FusedDeclaration:
        if self.minimal:
            return NoKernel("GRUCell(minimal=True) has no fused kernel (torch's GRU always has a relevance gate)")
        if not self.reset_after:
            return NoKernel(
                "GRUCell(reset_after=False) applies Γr before the recurrent product; the fused kernel "
                "computes the reset_after=True variant, a different function"
            )
        return FusedOp("GRU")

    def scripted_kernel(self) -> ScriptedDeclaration:
        if self.minimal:
            return ScriptedKernel(kernel_gru, kernel_gru.MINIMAL)
        if self.reset_after:
            return ScriptedKernel(kernel_gru, kernel_gru.RESET_AFTER, (self.b_ca,))
        return ScriptedKernel(kernel_gru, kernel_gru.FULL)

    def torch_weights(self) -> List[Tensor]:
        """torch.nn.GRU's layout. torch computes h<t> = (1 - z) * n + z * h<t-1>, the course
        c<t> = Γu c~ + (1 - Γu) c<t-1>, so z = 1 - Γu = σ(-(W_u [c<t-1>, x<t>] + b_u)): the Γu rows enter
        negated; b_hh = [0, 0, b_ca] (torch's b_hn is our b_ca, inside Γr's product)."""
        sign = self._update_rows_negated(self.b)
        b_hh = torch.cat([self.b_ca.new_zeros(2 * self.hidden_size), self.b_ca])
        return [self.W_ax * sign.unsqueeze(1), self.W_aa * sign.unsqueeze(1), self.b * sign, b_hh]

    @torch.no_grad()
    def load_torch_weights(self, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> None:
        """The inverse of :meth:`torch_weights`: b = b_ih + b_hh except the candidate's b_hn, kept apart as
        b_ca because Γr multiplies it."""
        self.check_torch_weights(w_ih, w_hh)
        H = self.hidden_size
        sign = self._update_rows_negated(b_ih)
        b_hh_gates = torch.cat([b_hh[: 2 * H], b_hh.new_zeros(H)])
        super().load_torch_weights(w_ih * sign.unsqueeze(1), w_hh * sign.unsqueeze(1), b_ih * sign, b_hh_gates * sign)
        self.b_ca.copy_(b_hh[2 * H :])

    def _update_rows_negated(self, like: Tensor) -> Tensor:
        """(3H,) ones with -1 on the Γu rows: our Γu rows <-> torch's z rows."""
        H = self.hidden_size
        sign = like.new_ones(3 * H)
        sign[H : 2 * H] = -1
        return sign

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, minimal={self.minimal}, reset_after={self.reset_after}"


@register_cell("lstm")
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

    def reset_parameters(self) -> None:
        """:meth:`RecurrentCell.reset_parameters`, then b_f = ``forget_bias`` when it is given."""
        super().reset_parameters()
        if self.forget_bias is not None:
            H = self.hidden_size
            with torch.no_grad():
                self.b[H : 2 * H].fill_(self.forget_bias)

    def forward(self, x: Tensor, state: Optional[LSTMState] = None) -> LSTMState:
        """(a<t>, c<t>), each (B, H), from x<t> (B, input_size) and (a<t-1>, c<t-1>) (None: zeros)."""
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

    def fused_op(self) -> FusedDeclaration:
        if self.peephole:
            return NoKernel("LSTMCell(peephole=True) has no fused kernel (torch's LSTM has no peephole weights)")
        return FusedOp("LSTM")

    def scripted_kernel(self) -> ScriptedDeclaration:
        return ScriptedKernel(kernel_lstm, 0, (self.W_peephole,) if self.peephole else (),
                              native_source=kernel_lstm.NATIVE_SOURCE)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, peephole={self.peephole}"
