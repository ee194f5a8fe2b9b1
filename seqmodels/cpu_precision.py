"""bfloat16 on the CPU only where the CPU computes in it: ``trainer.precision=bf16-mixed`` (or ``bf16-true``) on a
CPU without bfloat16 instructions (AVX-512 BF16 or AMX) would run every bf16 product emulated, slower than fp32,
for less precision. There the run falls back to ``32-true`` and says so in one line."""

from __future__ import annotations

import logging
from typing import Optional

import torch

log = logging.getLogger(__name__)

FALLBACK = "32-true"


def cpu_has_bf16() -> bool:
    """Whether this CPU has bfloat16 instructions: AVX-512 BF16 or AMX (what oneDNN's bf16 kernels use)."""
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def runs_on_cpu(accelerator: Optional[str]) -> bool:
    """Whether a trainer with ``trainer.accelerator`` = ``accelerator`` trains on the CPU ("auto" or none: when
    there is no CUDA GPU)."""
    if accelerator in (None, "auto"):
        return not torch.cuda.is_available()
    return accelerator == "cpu"


def checked_precision(precision: Optional[str], accelerator: Optional[str]) -> Optional[str]:
    """``trainer.precision`` as given, except a bf16 precision on a CPU without bfloat16 instructions: then
    ``32-true``, with a one-line message that says why."""
    if precision is None or not str(precision).startswith("bf16") or not runs_on_cpu(accelerator):
        return precision
    if cpu_has_bf16():
        return precision
    log.warning(f"trainer.precision={precision}: this CPU has no bfloat16 instructions (AVX-512 BF16 or AMX), so bf16 "
                f"would be emulated and slower than fp32; training in {FALLBACK} instead")
    return FALLBACK
