"""The fused backend: torch's native RNN op (cuDNN on CUDA, ATen/oneDNN on CPU).

It runs the whole stack of layers and directions in one call, reading our parameters in
torch.nn's layout: per layer and direction [w_ih, w_hh, b_ih, b_hh], which each cell gives
(:meth:`~seqmodels.nn.recurrent_cell.RecurrentCell.torch_weights`) for the op it declares
(:meth:`~seqmodels.nn.recurrent_cell.RecurrentCell.fused_op`).
"""

from __future__ import annotations

import warnings
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from seqmodels.nn.kernel_declarations import NoKernel
from seqmodels.nn.recurrent_cell import RecurrentCell


def supports(cell: RecurrentCell) -> bool:
    """Whether the cell declares a torch op that computes it exactly."""
    return not isinstance(cell.fused_op(), NoKernel)


def fused_mode(cell: RecurrentCell) -> str:
    """torch's name of the op that computes ``cell`` exactly (its :meth:`~RecurrentCell.fused_op`);
    ValueError saying why when the cell declares none, and which backend runs it instead."""
    declared = cell.fused_op()
    if isinstance(declared, NoKernel):
        instead = "'reference'" if isinstance(cell.scripted_kernel(), NoKernel) else "'scripted' (or 'auto')"
        raise ValueError(f"backend='fused' cannot run {type(cell).__name__}: {declared.reason}. "
                         f"Use backend={instead} for this cell.")
    return declared.mode


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
    params = [w for cell in cells for w in cell.torch_weights()]
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
