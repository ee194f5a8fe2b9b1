"""The fused backend: torch's native RNN op (cuDNN on CUDA, ATen/oneDNN on CPU).

It runs the whole stack of layers and directions in one call, reading our parameters in
torch.nn's layout: per layer and direction [w_ih, w_hh, b_ih, b_hh]. Our cells keep one
bias b (= b_ih; b_hh = 0), and the GRU's update gate has the opposite sign convention:
torch computes h<t> = (1 - z) * n + z * h<t-1>, the course c<t> = Γu c~ + (1 - Γu) c<t-1>,
so z = 1 - Γu = σ(-(W_u [c<t-1>, x<t>] + b_u)) and the Γu rows enter negated.
"""

from __future__ import annotations

import warnings
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from seqmodels.nn.cells import GRUCell, LSTMCell, RecurrentCell, RNNCell


def supports(cell: RecurrentCell) -> bool:
    """Whether torch's fused RNN op computes ``cell`` exactly."""
    return isinstance(cell, (RNNCell, GRUCell, LSTMCell)) and cell.fused_unsupported_reason() is None


def fused_mode(cell: RecurrentCell) -> str:
    """torch's name of the op that computes ``cell`` exactly; ValueError if none does."""
    if not isinstance(cell, (RNNCell, GRUCell, LSTMCell)):
        raise ValueError(f"backend='fused' cannot run {type(cell).__name__}; use backend='reference'")
    reason = cell.fused_unsupported_reason()
    if reason is not None:
        raise ValueError(f"backend='fused': {reason}. Use backend='scripted' (or 'auto') for this cell.")
    if isinstance(cell, RNNCell):
        return "RNN_RELU" if cell.nonlinearity == "relu" else "RNN_TANH"
    return "LSTM" if isinstance(cell, LSTMCell) else "GRU"


def torch_weights(cell: RecurrentCell) -> List[Tensor]:
    """[w_ih, w_hh, b_ih, b_hh] of ``cell`` in torch.nn's layout (differentiable views/products)."""
    if isinstance(cell, GRUCell):
        H = cell.hidden_size
        sign = cell.b.new_ones(3 * H)
        sign[H : 2 * H] = -1  # Γu rows -> torch's z rows
        b_hh = torch.cat([cell.b_ca.new_zeros(2 * H), cell.b_ca])
        return [cell.W_ax * sign.unsqueeze(1), cell.W_aa * sign.unsqueeze(1), cell.b * sign, b_hh]
    return [cell.W_ax, cell.W_aa, cell.b, cell.b.new_zeros(cell.b.shape)]


@torch.no_grad()
def load_torch_weights(cell: RecurrentCell, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> None:
    """Copy one layer-direction of a torch.nn.RNN/GRU/LSTM into ``cell`` (the inverse of torch_weights).

    The two biases fold into one, b = b_ih + b_hh, except the GRU candidate's b_hn, which
    stays apart as b_ca because Γr multiplies it.
    """
    fused_mode(cell)  # only cells the fused op computes have a torch.nn counterpart
    if tuple(w_ih.shape) != tuple(cell.W_ax.shape) or tuple(w_hh.shape) != tuple(cell.W_aa.shape):
        raise ValueError(
            f"torch weights of shapes {tuple(w_ih.shape)}, {tuple(w_hh.shape)} do not fit {cell}: "
            f"expected {tuple(cell.W_ax.shape)}, {tuple(cell.W_aa.shape)}"
        )
    if isinstance(cell, GRUCell):
        H = cell.hidden_size
        sign = b_ih.new_ones(3 * H)
        sign[H : 2 * H] = -1
        bias = b_ih + torch.cat([b_hh[: 2 * H], b_hh.new_zeros(H)])
        cell.W_ax.copy_(w_ih * sign.unsqueeze(1))
        cell.W_aa.copy_(w_hh * sign.unsqueeze(1))
        cell.b.copy_(bias * sign)
        cell.b_ca.copy_(b_hh[2 * H :])
    else:
        cell.W_ax.copy_(w_ih)
        cell.W_aa.copy_(w_hh)
        cell.b.copy_(b_ih + b_hh)


_OPS = {"LSTM": torch.lstm, "GRU": torch.gru, "RNN_TANH": torch.rnn_tanh, "RNN_RELU": torch.rnn_relu}


def run_stack(
    cells: Sequence[RecurrentCell],
    x: Tensor,
    state0: Tuple[Tensor, ...],
    lengths: Optional[Tensor],
    num_layers: int,
    bidirectional: bool,
    dropout: float,
    training: bool,
) -> Tuple[Tensor, Tuple[Tensor, ...]]:
    """Run all layers and directions on batch-first x (B, T, I).

    ``cells`` are ordered layer by layer, forward direction first; ``state0`` holds (L*D, B, H)
    tensors (h0, or h0 and c0). Returns outputs (B, T, D*H), zero at padding, and the final
    state tensors, each sequence's taken at its last real token.
    """
    mode = fused_mode(cells[0])
    op = _OPS[mode]
    params = [w for cell in cells for w in torch_weights(cell)]
    hx = state0 if mode == "LSTM" else state0[0]
    with warnings.catch_warnings():
        # cuDNN copies non-contiguous weights into one buffer per call and says so each time
        warnings.filterwarnings("ignore", message=".*not part of single contiguous chunk of memory.*")
        if lengths is None:
            result = op(x, hx, params, True, num_layers, dropout, training, bidirectional, True)
            return result[0], tuple(result[1:])
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        sorted_hx = tuple(h.index_select(1, packed.sorted_indices) for h in state0)
        result = op(
            packed.data,
            packed.batch_sizes,
            sorted_hx if mode == "LSTM" else sorted_hx[0],
            params,
            True,
            num_layers,
            dropout,
            training,
            bidirectional,
        )
    packed_out = PackedSequence(result[0], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
    outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.size(1))
    return outputs, tuple(h.index_select(1, packed.unsorted_indices) for h in result[1:])
