"""Ragged batches: lengths, masks, and reversing each sequence within its own length.

A padded batch holds sequence b in positions 0..L_b-1 of its row; positions L_b..T-1 are
padding. ``lengths`` is the (B,) tensor of the L_b; a mask is True on real tokens.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence


def lengths_from_mask(mask: Tensor, batch_size: int, steps: int) -> Tensor:
    """The lengths of a (B, T) mask that is True on each sequence's real tokens.

    Raises ValueError unless every row is a run of True followed by a run of False
    (real tokens first, padding after), which is the only layout Recurrent accepts.
    """
    if mask.dim() != 2 or tuple(mask.shape) != (batch_size, steps):
        raise ValueError(f"mask must have shape (B, T) = ({batch_size}, {steps}), got {tuple(mask.shape)}")
    mask = mask.bool()
    lengths = mask.sum(dim=1)
    prefix = torch.arange(steps, device=mask.device).unsqueeze(0) < lengths.unsqueeze(1)
    if not torch.equal(prefix, mask):
        bad = int((prefix != mask).any(dim=1).nonzero()[0])
        raise ValueError(
            f"mask row {bad} is not left-aligned: real tokens must come first and padding after "
            "(True...True False...False)"
        )
    return lengths


def check_lengths(lengths: Tensor, batch_size: int, steps: int) -> Tensor:
    """Validate per-sequence lengths against a (B, T, ·) batch; return them as int64 on CPU."""
    if not isinstance(lengths, Tensor):
        lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1 or lengths.numel() != batch_size:
        raise ValueError(f"lengths must have shape (B,) = ({batch_size},), got {tuple(lengths.shape)}")
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        raise ValueError(f"lengths must be an integer tensor, got dtype {lengths.dtype}")
    lengths = lengths.detach().to("cpu", torch.int64)
    if batch_size and int(lengths.min()) < 1:
        bad = int((lengths < 1).nonzero()[0])
        raise ValueError(
            f"lengths[{bad}] = {int(lengths[bad])}: every sequence needs at least one real token "
            "(drop empty sequences from the batch before the recurrent layer)"
        )
    if batch_size and int(lengths.max()) > steps:
        bad = int((lengths > steps).nonzero()[0])
        raise ValueError(f"lengths[{bad}] = {int(lengths[bad])} is longer than the input's T = {steps} steps")
    return lengths


def time_major_mask(lengths: Optional[Tensor], steps: int, device: torch.device) -> Optional[Tensor]:
    """(T, B, 1) bool, True where t < L_b; None when there is no padding to mask."""
    if lengths is None:
        return None
    return (torch.arange(steps).unsqueeze(1) < lengths.unsqueeze(0)).unsqueeze(2).to(device)


def reverse_padded(x: Tensor, lengths: Optional[Tensor]) -> Tensor:
    """Reverse each time-major sequence x (T, B, ·) within its own length; padding stays put.

    Position t of sequence b goes to L_b - 1 - t, so a backward direction run over the result
    starts at each sequence's own last real token. Applying it twice gives x back.
    """
    if lengths is None:
        return x.flip(0)
    steps = x.size(0)
    t = torch.arange(steps).unsqueeze(1)
    lengths = lengths.unsqueeze(0)
    source = torch.where(t < lengths, lengths - 1 - t, t).to(x.device)  # (T, B)
    return torch.gather(x, 0, source.unsqueeze(2).expand_as(x))


def repack_like(padded: Tensor, lengths: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack batch-first ``padded`` (B, T, ·) with exactly the batch structure of ``like``.

    Packed data is time-major over the batch sorted by length: step t holds the first
    batch_sizes[t] sequences of that order, which is what boolean indexing of the
    (T, B_sorted) mask t < L yields, row by row.
    """
    order = like.sorted_indices if like.sorted_indices is not None else torch.arange(padded.size(0))
    order = order.to(padded.device)
    sorted_padded = padded.index_select(0, order).transpose(0, 1)  # (T, B, ·), sorted batch
    sorted_lengths = lengths.to(padded.device).index_select(0, order)
    steps = torch.arange(padded.size(1), device=padded.device).unsqueeze(1)
    data = sorted_padded[steps < sorted_lengths.unsqueeze(0)]
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)
