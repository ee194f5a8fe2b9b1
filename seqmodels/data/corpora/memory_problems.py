"""Seeded generators of two classic long-range memory problems, where the time lag T is a parameter.

**The adding problem** (Hochreiter & Schmidhuber 1997): each step t of a sequence of length T carries two
numbers, a value drawn from U(0, 1) and a marker in {0, 1}. Exactly two markers are 1, one in the first half
(t < T // 2) and one in the second half; the target is the sum of the two marked values. Predicting 1
whatever the input scores an MSE of Var(U1 + U2) = 1/6 ≈ 0.167: a model beats it only by remembering the
first marked value until the end.

**Copy memory** (Arjovsky, Shah & Bengio 2016): ``n_copy`` random symbols in 1..``symbols``, then T - 1
blanks (0), a delimiter (``symbols + 1``), then ``n_copy`` blanks, during which the model must write the
symbols back. Inputs and targets are both ``T + 2 * n_copy`` ids long; the target is blank everywhere but
the last ``n_copy`` steps, which hold the copied symbols. The memoryless baseline (blanks, then a uniform
guess) has a cross-entropy of ``n_copy * log(symbols) / (T + 2 * n_copy)`` per step.

Both are deterministic for a given seed (a ``torch.Generator``), on the CPU.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor

from seqmodels.errors import ConfigError

BLANK = 0
ADDING_BASELINE_MSE = 1.0 / 6.0  # predicting 1 for U1 + U2


def _check_count(num_examples: int) -> None:
    if isinstance(num_examples, bool) or not isinstance(num_examples, int) or num_examples < 0:
        raise ConfigError(f"data.num_examples: {num_examples!r} must be an integer >= 0")


def adding(length: int, num_examples: int, seed: int) -> Tuple[Tensor, Tensor]:
    """``inputs`` (n, T, 2) float32 [value, marker] and ``targets`` (n,) float32, the sum of the marked values.

    Raises ``ConfigError`` naming ``data.length`` when T < 2 (two numbers must be marked)."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ConfigError(f"data.length={length!r}: the adding problem needs T >= 2 (two marked numbers)")
    _check_count(num_examples)
    generator = torch.Generator().manual_seed(seed)
    values = torch.rand(num_examples, length, generator=generator)
    half = length // 2
    first = torch.randint(0, half, (num_examples,), generator=generator)
    second = torch.randint(half, length, (num_examples,), generator=generator)
    markers = torch.zeros(num_examples, length)
    rows = torch.arange(num_examples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return torch.stack([values, markers], dim=-1), targets


def copy(length: int, num_examples: int, seed: int, symbols: int = 8, n_copy: int = 10) -> Tuple[Tensor, Tensor]:
    """``inputs`` and ``targets`` (n, T + 2 * n_copy) int64 ids in 0..symbols + 1 (layout: module docstring).

    Raises ``ConfigError`` naming ``data.length`` for T < 1, ``data.copy_symbols`` / ``data.copy_length`` below 1."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ConfigError(f"data.length={length!r}: copy memory needs T >= 1 (the delimiter is its last step)")
    for option, value in (("copy_symbols", symbols), ("copy_length", n_copy)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"data.{option}={value!r}: must be an integer >= 1")
    _check_count(num_examples)
    generator = torch.Generator().manual_seed(seed)
    copied = torch.randint(1, symbols + 1, (num_examples, n_copy), generator=generator)
    total = length + 2 * n_copy
    inputs = torch.full((num_examples, total), BLANK, dtype=torch.long)
    inputs[:, :n_copy] = copied
    inputs[:, n_copy + length - 1] = symbols + 1               # the delimiter: "now write them back"
    targets = torch.full((num_examples, total), BLANK, dtype=torch.long)
    targets[:, total - n_copy:] = copied
    return inputs, targets


def copy_baseline_cross_entropy(length: int, symbols: int = 8, n_copy: int = 10) -> float:
    """The per-step cross-entropy of the memoryless strategy: blanks, then a uniform guess of the symbols."""
    return n_copy * float(torch.log(torch.tensor(float(symbols)))) / (length + 2 * n_copy)
