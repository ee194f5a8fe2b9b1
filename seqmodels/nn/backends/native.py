"""Native (C++) twins of the scripted kernels: built at run time when a compiler is found, chosen per call.

A cell's :class:`~seqmodels.nn.kernel_declarations.ScriptedKernel` may name in ``native_source`` a C++ file
next to this one that defines the ``forward`` and ``backward`` of its kernel module
(:mod:`seqmodels.nn.backends.kernel_rnn` describes the interface) with the input projection folded in:
``forward(x, W_ax, b, W_aa, extras, state0, mask, option)`` and
``backward(grad_outputs, grad_final, saved, W_ax, W_aa, extras, mask, option) -> (dx, dW_ax, db, dW_aa,
d_extras, d_state0)``, the same math with one element-wise pass per time step and every product on
oneDNN's brgemm tiles (``kernel_lstm.py`` and ``lstm_loop.cpp``; :class:`~seqmodels.nn.backends.scripted.NativeLoop`
runs it).
The first time such a kernel runs, :func:`loop_choice` compiles the file with
``torch.utils.cpp_extension.load`` into torch's extension cache (``~/.cache/torch_extensions``, or
``$TORCH_EXTENSIONS_DIR``), for the vector instructions ATen itself uses
(``torch.backends.cpu.get_cpu_capability()``); later processes load the cached build.

The twin runs on CPU float32 and float64 tensors. Otherwise the kernel's TorchScript loop runs, and
one log line of this module's logger says why, once per reason:

- ``SEQMODELS_NATIVE_KERNELS=0`` in the environment (checked on every call);
- no C++ compiler (``$CXX``, else ``c++``) or no ninja on the PATH;
- the build failed (the line quotes the error);
- the tensors are on another device or of another dtype.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional, Union

import torch
from torch.utils import cpp_extension

logger = logging.getLogger(__name__)

NATIVE_ENV = "SEQMODELS_NATIVE_KERNELS"
NATIVE_DTYPES = (torch.float32, torch.float64)

# compiler flags for ATen's CPU capability: its vector types (at::vec::Vectorized) then use the same
# instructions and the same SLEEF functions as torch's own element-wise kernels
CAPABILITY_FLAGS: Dict[str, List[str]] = {
    "AVX512": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-mf16c"],
    "AVX2": ["-mavx2", "-mfma", "-mf16c"],
}


@dataclass(frozen=True)
class LoopChoice:
    """Which loop runs a kernel: ``native`` is the compiled twin, or None for the TorchScript loop;
    ``reason`` says why, in words."""

    native: Optional[ModuleType]
    reason: str


def find_compiler() -> Optional[str]:
    """Path of the C++ compiler torch's extension builder would call ($CXX, else c++), or None."""
    return shutil.which(os.environ.get("CXX", "c++"))


@functools.lru_cache(maxsize=None)
def build(source: str) -> Union[ModuleType, str]:
    """The compiled module of the C++ file ``source`` next to this one, or why there is none."""
    compiler = find_compiler()
    if compiler is None:
        return f"no C++ compiler found ({os.environ.get('CXX', 'c++')} is not on the PATH)"
    if not cpp_extension.is_ninja_available():
        return "ninja, which torch's extension builder needs, is not on the PATH"
    capability = torch.backends.cpu.get_cpu_capability()
    name = f"seqmodels_{Path(source).stem}_{capability.lower()}"
    try:
        return cpp_extension.load(
            name=name,
            sources=[str(Path(__file__).with_name(source))],
            extra_cflags=["-O3", "-fopenmp", f"-DCPU_CAPABILITY={capability}", f"-DCPU_CAPABILITY_{capability}",
                          *CAPABILITY_FLAGS.get(capability, [])],
            extra_ldflags=["-fopenmp"],  # at::parallel_for runs on torch's OpenMP threads
        )
    except Exception as error:  # any failure of the optional build leaves the TorchScript loop running
        first_error = next((line for line in str(error).splitlines() if "error:" in line), str(error))
        return f"the build of {source} with {compiler} failed: {first_error.strip()[:300]}"


@functools.lru_cache(maxsize=None)
def _say_once(level: int, reason: str) -> None:
    logger.log(level, "%s; the TorchScript loop runs instead", reason)


def loop_choice(source: Optional[str], dtype: torch.dtype, device: torch.device) -> LoopChoice:
    """The loop that runs a kernel whose declared native twin is ``source`` on tensors of ``dtype`` on ``device``:
    the twin when there is one, the build succeeds and the tensors suit it, else the TorchScript loop (logged
    once per reason)."""
    if source is None:
        return LoopChoice(None, "the kernel declares no native twin")
    level = logging.INFO
    if os.environ.get(NATIVE_ENV, "1") == "0":
        reason = f"{NATIVE_ENV}=0 turns the native kernels off"
    elif device.type != "cpu" or dtype not in NATIVE_DTYPES:
        reason = f"{source} runs on CPU float32 and float64 tensors, not on {device.type} {dtype}"
    else:
        built = build(source)
        if not isinstance(built, str):
            return LoopChoice(built, f"{source}, compiled for this CPU")
        reason = built
        level = logging.WARNING if find_compiler() is not None else logging.INFO
    _say_once(level, reason)
    return LoopChoice(None, reason)
