"""The scripted backend: hoisted input projection, compiled time loop, hand-written backward.

For one layer and direction:

1. zx = W_ax x + b for ALL time steps as one matrix product (autograd handles it, so
   dW_ax, db and dx are each one matrix product over all T*B rows as well);
2. the time loop runs in TorchScript (``kernel_*.forward``) and saves the activated gates;
3. the backward loop (``kernel_*.backward``) runs only dz<t> W_aa per step and computes dW_aa
   as one matrix product afterwards — what fused vendor kernels do, for any of our cells.

A kernel with a native (C++) twin runs that instead where it can (:mod:`seqmodels.nn.backends.native`):
the twin folds step 1 in as well (zx and, in the backward, dx, dW_ax and db), so it computes every product
of the layer with its own tiling (:class:`NativeLoop`). :func:`which_loop` says which of the two loops runs
a cell, and why.

Why TorchScript (``benchmarks/loop_compilers.py``, LSTM loops at B=32, T=35, H=200 on a
2-core CPU, forward / backward ms): eager 3.78 / 5.24, torch.jit.script 3.53 / 4.86 (0.1 s to
compile), torch.compile 3.83 / 5.37 (no gain: the loops write into saved buffers in place,
which it does not fuse). TorchScript is deprecated in torch 2.13; its warning is silenced
here. The kernels are plain Python as well, so they also run uncompiled should it go away.
"""

from __future__ import annotations

import functools
import warnings
from types import ModuleType
from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from seqmodels.nn.backends.native import LoopChoice, loop_choice
from seqmodels.nn.kernel_declarations import NoKernel, ScriptedKernel
from seqmodels.nn.padding import reverse_padded
from seqmodels.nn.recurrent_cell import RecurrentCell


def require_kernel(cell: RecurrentCell) -> ScriptedKernel:
    """The kernel ``cell`` declares (:meth:`~RecurrentCell.scripted_kernel`); ValueError saying why if none."""
    declared = cell.scripted_kernel()
    if isinstance(declared, NoKernel):
        raise ValueError(f"backend='scripted' has no kernel for {type(cell).__name__} ({declared.reason}); "
                         "use backend='reference'")
    return declared


@functools.lru_cache(maxsize=None)
def _compiled(kernel: ModuleType) -> Tuple[Callable, Callable]:
    """TorchScript versions of a kernel's forward and backward, compiled on first use."""
    with warnings.catch_warnings():
        # torch.jit is deprecated in favour of torch.compile, which is slower for these loops here
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=DeprecationWarning)
        return torch.jit.script(kernel.forward), torch.jit.script(kernel.backward)


def which_loop(cell: RecurrentCell, dtype: torch.dtype = torch.float32, device: str = "cpu") -> LoopChoice:
    """The loop that runs ``cell`` on ``dtype`` tensors on ``device``: its kernel's native twin or its
    TorchScript loop, and why (:func:`~seqmodels.nn.backends.native.loop_choice`)."""
    return _loop_choice(cell, require_kernel(cell), dtype, torch.device(device))


def _loop_choice(cell: RecurrentCell, kernel: ScriptedKernel, dtype: torch.dtype, device: torch.device) -> LoopChoice:
    """:func:`which_loop` for a cell whose kernel is known. The native twin computes zx = W_ax x + b itself, so a
    cell that overrides ``input_projection`` (and declares a kernel again) runs the TorchScript loop."""
    if kernel.native_source is not None and type(cell).input_projection is not RecurrentCell.input_projection:
        return LoopChoice(None, f"{kernel.native_source} computes RecurrentCell.input_projection, which "
                                f"{type(cell).__name__} overrides")
    return loop_choice(kernel.native_source, dtype, device)


def _extras_and_state0(inputs: Tuple[Tensor, ...], num_extras: int) -> Tuple[List[Tensor], List[Tensor]]:
    """A loop's trailing inputs: the kernel's extras, then the initial state tensors (made contiguous)."""
    return list(inputs[:num_extras]), [s.contiguous() for s in inputs[num_extras:]]


class HoistedLoop(torch.autograd.Function):
    """autograd for one kernel's TorchScript time loop: inputs zx, W_aa, extras..., state0...;
    outputs (T, B, H) and the final state tensors."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        kernel: ModuleType,
        option: int,
        mask: Optional[Tensor],
        num_extras: int,
        zx: Tensor,
        W_aa: Tensor,
        *extras_and_state: Tensor,
    ) -> Tuple[Tensor, ...]:
        extras, state0 = _extras_and_state0(extras_and_state, num_extras)
        forward_loop, ctx.backward_loop = _compiled(kernel)
        outputs, final, saved = forward_loop(zx.contiguous(), W_aa, extras, state0, mask, option)
        ctx.save_for_backward(W_aa, *extras, *saved)
        ctx.option, ctx.mask, ctx.num_extras = option, mask, num_extras
        return (outputs, *final)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_outputs: Tensor, *grad_final: Tensor) -> Tuple[Optional[Tensor], ...]:
        W_aa, *rest = ctx.saved_tensors
        extras, saved = rest[: ctx.num_extras], rest[ctx.num_extras :]
        d_zx, d_W_aa, d_extras, d_state0 = ctx.backward_loop(
            grad_outputs.contiguous(), [g.contiguous() for g in grad_final], saved, W_aa, extras, ctx.mask, ctx.option
        )
        return (None, None, None, None, d_zx, d_W_aa, *d_extras, *d_state0)


class NativeLoop(torch.autograd.Function):
    """autograd for a kernel's native twin, which folds in the input projection: inputs x (T, B, I), W_ax, b,
    W_aa, extras..., state0...; outputs (T, B, H) and the final state tensors."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        native: ModuleType,
        option: int,
        mask: Optional[Tensor],
        num_extras: int,
        x: Tensor,
        W_ax: Tensor,
        b: Tensor,
        W_aa: Tensor,
        *extras_and_state: Tensor,
    ) -> Tuple[Tensor, ...]:
        extras, state0 = _extras_and_state0(extras_and_state, num_extras)
        outputs, final, saved = native.forward(x, W_ax, b, W_aa, extras, state0, mask, option)
        ctx.save_for_backward(W_ax, W_aa, *extras, *saved)
        ctx.native, ctx.option, ctx.mask, ctx.num_extras = native, option, mask, num_extras
        return (outputs, *final)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_outputs: Tensor, *grad_final: Tensor) -> Tuple[Optional[Tensor], ...]:
        W_ax, W_aa, *rest = ctx.saved_tensors
        extras, saved = rest[: ctx.num_extras], rest[ctx.num_extras :]
        d_x, d_W_ax, d_b, d_W_aa, d_extras, d_state0 = ctx.native.backward(
            grad_outputs.contiguous(), [g.contiguous() for g in grad_final], saved, W_ax, W_aa, extras, ctx.mask,
            ctx.option
        )
        return (None, None, None, None, d_x, d_W_ax, d_b, d_W_aa, *d_extras, *d_state0)


def run_direction(cell: RecurrentCell, x: Tensor, state0: List[Tensor], mask: Optional[Tensor], reverse: bool,
                  lengths: Optional[Tensor] = None) -> Tuple[Tensor, List[Tensor]]:
    """Run ``cell`` over time-major x (T, B, I); see :func:`seqmodels.nn.backends.reference.run_direction`.

    A backward direction reverses each sequence within its length, runs forwards, and
    reverses the outputs back.
    """
    kernel = require_kernel(cell)
    if reverse:
        x = reverse_padded(x, lengths)
    native = _loop_choice(cell, kernel, x.dtype, x.device).native
    if native is not None:
        outputs, *final = NativeLoop.apply(
            native, kernel.option, mask, len(kernel.extras), x, cell.W_ax, cell.b, cell.W_aa, *kernel.extras, *state0
        )
    else:
        outputs, *final = HoistedLoop.apply(
            kernel.module, kernel.option, mask, len(kernel.extras), cell.input_projection(x), cell.W_aa,
            *kernel.extras, *state0
        )
    if reverse:
        outputs = reverse_padded(outputs, lengths)
    return outputs, final
