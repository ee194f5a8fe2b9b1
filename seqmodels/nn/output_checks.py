"""The one-line checks an output layer over V words makes of its inputs: hidden (N, D) and target ids (N,)."""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor


def check_hidden_and_targets(hidden: Tensor, targets: Optional[Tensor], input_size: int, vocab_size: int) -> None:
    """ValueError, one line, unless ``hidden`` is (N, D = input_size) and ``targets`` (when given) N integer ids
    in [0, V)."""
    if hidden.dim() != 2 or hidden.size(1) != input_size:
        raise ValueError(f"hidden must be (N, D) with D = input_size = {input_size}, got {tuple(hidden.shape)}")
    if targets is None:
        return
    if targets.shape != hidden.shape[:1]:
        raise ValueError(f"targets must be (N,) = {tuple(hidden.shape[:1])}, got {tuple(targets.shape)}")
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise ValueError(f"targets must be an integer tensor of word ids, got dtype {targets.dtype}")
    if targets.numel() and (targets.min() < 0 or targets.max() >= vocab_size):
        bad = targets[(targets < 0) | (targets >= vocab_size)][0].item()
        raise ValueError(f"targets must be word ids in [0, V) = [0, {vocab_size}), got {bad}")
