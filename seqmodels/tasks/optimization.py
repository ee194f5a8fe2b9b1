"""Optimisers and learning-rate decay from plain config (names and numbers, no partials, so
that checkpoints stay loadable weights-only)."""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Dict, Iterable, Mapping, Optional

import torch
from torch import nn

from seqmodels.errors import ConfigError

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "adagrad": torch.optim.Adagrad}


# one fused kernel per step for all parameters (torch's ``fused=True``) where it is much faster than the loop over
# tensors: Adam, AdamW and Adagrad 3-4x per training step at a 100k-word embedding on the CPU
# (benchmarks/optimizer_step.py); SGD gains little
FUSED_BY_DEFAULT = ("adam", "adamw", "adagrad")


def build_optimizer(parameters: Iterable[nn.Parameter], config: Mapping[str, Any],
                    allow_fused: bool = True) -> torch.optim.Optimizer:
    """``{"name": "adam"|"adamw"|"sgd"|"adagrad", "lr": ..., other keyword arguments of that optimiser}``.

    Adam, AdamW and Adagrad run fused (``fused: true``) unless the config says ``fused: false``, ``allow_fused``
    is False, or a parameter is not a floating-point tensor on the CPU or a CUDA GPU."""
    options = dict(config)
    name = options.pop("name", "adam")
    if name not in OPTIMIZERS:
        raise ConfigError(f"task.optimizer.name={name!r}: choose one of {sorted(OPTIMIZERS)}")
    lr = options.get("lr", 1e-3)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"task.optimizer.lr={lr!r}: the learning rate must be a finite number > 0")
    parameters = list(parameters)
    if name in FUSED_BY_DEFAULT and "fused" not in options and allow_fused and all(
            p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in parameters):
        options["fused"] = True
    try:
        return OPTIMIZERS[name](parameters, **options)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ConfigError(f"task.optimizer: {error}") from error


# per-step schedules: the factor of the optimiser's lr after a linear warmup of warmup_steps (step: 0, 1, ...)
SCHEDULES = ("linear", "cosine", "inverse_sqrt")
_SCHEDULE_OPTIONS = {"name", "warmup_steps"}


def build_lr_decay(
    optimizer: torch.optim.Optimizer, config: Optional[Mapping[str, Any]], monitor: str, mode: str,
    total_steps: Callable[[], float] = lambda: math.inf,
) -> Optional[Dict[str, Any]]:
    """The learning-rate schedule ``task.lr_decay`` names; None when it is null.

    Without a ``name`` (or ``name: plateau``): divide the lr by ``1/factor`` when ``monitor`` stops improving
    (ReduceLROnPlateau's arguments: ``factor``, ``patience`` ...), once per epoch. ``name: linear | cosine |
    inverse_sqrt``: every optimiser step, a linear warmup over ``warmup_steps`` then a decay to 0 at
    ``total_steps()`` (the trainer's, asked only then) for linear and cosine, or as 1/sqrt(step) for inverse_sqrt."""
    if not config:
        return None
    options = dict(config)
    name = options.pop("name", "plateau")
    if name == "plateau":
        try:
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode=mode, **options)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"task.lr_decay: {error}") from error
        return {"scheduler": scheduler, "monitor": monitor, "interval": "epoch"}
    if name not in SCHEDULES:
        raise ConfigError(f"task.lr_decay.name={name!r}: choose one of {['plateau', *SCHEDULES]}")
    unknown = sorted(set(config) - _SCHEDULE_OPTIONS)
    if unknown:
        raise ConfigError(f"task.lr_decay.{unknown[0]}: not an option of the {name} schedule "
                          f"(it takes {sorted(_SCHEDULE_OPTIONS)})")
    warmup = options.get("warmup_steps", 0)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ConfigError(f"task.lr_decay.warmup_steps={warmup!r}: must be an integer >= 0")
    last_step = math.inf if name == "inverse_sqrt" else total_steps()
    if name != "inverse_sqrt" and not math.isfinite(last_step):
        raise ConfigError(f"task.lr_decay.name={name}: decays to 0 at the last step, so it needs "
                          "trainer.max_epochs or trainer.max_steps")
    factor = functools.partial(lr_factor, name, warmup, last_step)
    return {"scheduler": torch.optim.lr_scheduler.LambdaLR(optimizer, factor), "interval": "step"}


def lr_factor(name: str, warmup_steps: int, total_steps: float, step: int) -> float:
    """The lr at optimiser step ``step`` (0-based) over the configured lr: (step + 1) / warmup_steps while warming
    up, then linear: 1 -> 0, cosine: (1 + cos(pi * progress)) / 2, where progress goes 0 -> 1 from the end of the
    warmup to ``total_steps``; inverse_sqrt: sqrt(warmup_steps / step) (1 / sqrt(step) without warmup)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if name == "inverse_sqrt":
        return math.sqrt(max(warmup_steps, 1) / max(step, warmup_steps, 1))
    progress = min(1.0, (step - warmup_steps) / max(1.0, total_steps - warmup_steps))
    if name == "linear":
        return 1.0 - progress
    return 0.5 * (1.0 + math.cos(math.pi * progress))
