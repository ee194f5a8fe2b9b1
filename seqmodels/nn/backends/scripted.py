"""The scripted backend: hoisted input projection, compiled time loop, hand-written backward.

For one layer and direction:

1. zx = W_ax x + b for ALL time steps as one matrix product (autograd handles it, so
   dW_ax, db and dx are each one matrix product over all T*B rows as well);
2. the time loop runs in TorchScript (``kernel_*.forward``) and saves the activated gates;
3. the backward loop (``kernel_*.backward``) runs only dz<t> W_aa per step and computes dW_aa
   as one matrix product afterwards — what fused vendor kernels do, for any of our cells.

A kernel with a native (C++) twin runs that instead where it can (:mod:`seqmodels.nn.backends.native`);
:func:`which_loop` says which of the two runs a cell, and why.

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
    return loop_choice(require_kernel(cell).native_source, dtype, torch.device(device))


def _loops(kernel: ModuleType, native_source: Optional[str], like: Tensor) -> Tuple[Callable, Callable]:
    """The forward and backward loops that run ``kernel`` (native twin: ``native_source``) on tensors like
    ``like``."""
    native = loop_choice(native_source, like.dtype, like.device).native
    return (native.forward, native.backward) if native is not None else _compiled(kernel)


class HoistedLoop(torch.autograd.Function):
    """autograd for one kernel's time loop: inputs zx, W_aa, extras..., state0...;
    outputs (T, B, H) and the final state tensors."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        kernel: ModuleType,
        native_source: Optional[str],
        option: int,
        mask: Optional[Tensor],
        num_extras: int,
        zx: Tensor,
        W_aa: Tensor,
        *extras_and_state: Tensor,
    ) -> Tuple[Tensor, ...]:
        extras = list(extras_and_state[:num_extras])
        state0 = [s.contiguous() for s in extras_and_state[num_extras:]]
        forward_loop, ctx.backward_loop = _loops(kernel, native_source, zx)
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
        return (None, None, None, None, None, d_zx, d_W_aa, *d_extras, *d_state0)


def run_direction(cell: RecurrentCell, x: Tensor, state0: List[Tensor], mask: Optional[Tensor], reverse: bool,
                  lengths: Optional[Tensor] = None) -> Tuple[Tensor, List[Tensor]]:
    """Run ``cell`` over time-major x (T, B, I); see :func:`seqmodels.nn.backends.reference.run_direction`.

    A backward direction reverses each sequence within its length, runs forwards, and
    reverses the outputs back.
    """
    kernel = require_kernel(cell)
    if reverse:
        x = reverse_padded(x, lengths)
    zx = cell.input_projection(x)
    outputs, *final = HoistedLoop.apply(
        kernel.module, kernel.native_source, kernel.option, mask, len(kernel.extras), zx, cell.W_aa, *kernel.extras,
        *state0
    )
    if reverse:
        outputs = reverse_padded(outputs, lengths)
    return outputs, final
