"""task.lr_decay's per-step schedules: the learning rate at each optimiser step, and the errors naming the option."""

from __future__ import annotations

import math
from typing import Any, Dict, List

import pytest
import torch

from seqmodels.errors import ConfigError
from seqmodels.tasks.optimization import build_lr_decay


def lr_curve(config: Dict[str, Any], total_steps: float, steps: int) -> List[float]:
    """The lr of each of ``steps`` optimiser steps, from a configured lr of 1."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    decay = build_lr_decay(optimizer, config, "val/loss", "min", lambda: total_steps)
    assert decay is not None and decay["interval"] == "step"
    curve = []
    for _ in range(steps):
        curve.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        decay["scheduler"].step()
    return curve


def test_linear_warms_up_then_falls_to_zero_at_the_last_step() -> None:
    assert lr_curve({"name": "linear", "warmup_steps": 2}, 6, 7) == pytest.approx([0.5, 1, 1, 0.75, 0.5, 0.25, 0])


def test_cosine_follows_half_a_cosine_after_the_warmup() -> None:
    curve = lr_curve({"name": "cosine", "warmup_steps": 1}, 5, 6)
    assert curve == pytest.approx([1, 1, (1 + math.cos(math.pi / 4)) / 2, 0.5, (1 + math.cos(3 * math.pi / 4)) / 2, 0])


def test_inverse_sqrt_decays_as_one_over_the_root_of_the_step() -> None:
    assert lr_curve({"name": "inverse_sqrt", "warmup_steps": 4}, math.inf, 7) == pytest.approx(
        [0.25, 0.5, 0.75, 1, 1, math.sqrt(4 / 5), math.sqrt(4 / 6)])
    assert lr_curve({"name": "inverse_sqrt"}, math.inf, 4) == pytest.approx([1, 1, 1 / math.sqrt(2), 1 / math.sqrt(3)])


def test_without_a_name_it_is_still_reduce_on_plateau() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    decay = build_lr_decay(optimizer, {"factor": 0.5, "patience": 0}, "val/ppl", "min")
    assert isinstance(decay["scheduler"], torch.optim.lr_scheduler.ReduceLROnPlateau)
    assert (decay["monitor"], decay["interval"]) == ("val/ppl", "epoch")


@pytest.mark.parametrize(("config", "total_steps", "message"), [
    ({"name": "step"}, 10, r"^task\.lr_decay\.name='step': choose one of"),
    ({"name": "linear", "factor": 0.5}, 10, r"^task\.lr_decay\.factor: not an option of the linear schedule"),
    ({"name": "cosine", "warmup_steps": -1}, 10, r"^task\.lr_decay\.warmup_steps=-1: must be an integer >= 0"),
    ({"name": "linear"}, math.inf, r"^task\.lr_decay\.name=linear: .*needs trainer\.max_epochs or trainer\.max_steps"),
])
def test_a_bad_schedule_is_a_config_error_naming_the_option(config: Dict[str, Any], total_steps: float,
                                                            message: str) -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(ConfigError, match=message):
        build_lr_decay(optimizer, config, "val/loss", "min", lambda: total_steps)
