"""Optimisers and learning-rate decay from plain config (names and numbers, no partials, so
that checkpoints stay loadable weights-only)."""

from __future__ import annotations

import math
from typing import Any, Dict, Iterable, Mapping, Optional

import torch
from torch import nn

from seqmodels.errors import ConfigError

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def build_optimizer(parameters: Iterable[nn.Parameter], config: Mapping[str, Any]) -> torch.optim.Optimizer:
    """``{"name": "adam"|"adamw"|"sgd", "lr": ..., other keyword arguments of that optimiser}``."""
    options = dict(config)
    name = options.pop("name", "adam")
    if name not in OPTIMIZERS:
        raise ConfigError(f"task.optimizer.name={name!r}: choose one of {sorted(OPTIMIZERS)}")
    lr = options.get("lr", 1e-3)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"task.optimizer.lr={lr!r}: the learning rate must be a finite number > 0")
    try:
        return OPTIMIZERS[name](parameters, **options)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"task.optimizer: {error}") from error


def build_lr_decay(
    optimizer: torch.optim.Optimizer, config: Optional[Mapping[str, Any]], monitor: str, mode: str
) -> Optional[Dict[str, Any]]:
    """Divide the learning rate by ``1/factor`` when ``monitor`` stops improving (ReduceLROnPlateau);
    None when ``config`` is null."""
    if not config:
        return None
    try:
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode=mode, **config)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"task.lr_decay: {error}") from error
    return {"scheduler": scheduler, "monitor": monitor, "interval": "epoch"}
