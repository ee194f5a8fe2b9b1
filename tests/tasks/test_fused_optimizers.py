"""Adam, AdamW and Adagrad run fused by default (one kernel per step over all parameters), take the same steps
as the loop over tensors, and stay unfused when the config, the caller or the parameters say so."""

from __future__ import annotations

import pytest
import torch

from seqmodels.errors import ConfigError
from seqmodels.tasks.optimization import build_optimizer


def parameters() -> list:
    torch.manual_seed(0)
    return [torch.nn.Parameter(torch.randn(50, 8)), torch.nn.Parameter(torch.randn(8))]


@pytest.mark.parametrize("name,fused", [("adam", True), ("adamw", True), ("adagrad", True), ("sgd", None)])
def test_the_fused_kernel_is_the_default_where_it_pays(name: str, fused: object) -> None:
    assert build_optimizer(parameters(), {"name": name, "lr": 0.01}).defaults.get("fused") is fused


def test_the_config_and_the_caller_can_say_no() -> None:
    assert not build_optimizer(parameters(), {"name": "adam", "lr": 0.01, "fused": False}).defaults["fused"]
    assert not build_optimizer(parameters(), {"name": "adam", "lr": 0.01}, allow_fused=False).defaults["fused"]


def test_integer_parameters_are_not_given_the_fused_kernel() -> None:
    frozen_ids = torch.nn.Parameter(torch.arange(4), requires_grad=False)
    assert not build_optimizer([*parameters(), frozen_ids], {"name": "adam", "lr": 0.01}).defaults["fused"]


@pytest.mark.parametrize("name", ["adam", "adamw", "adagrad"])
def test_fused_steps_equal_the_loop_over_tensors(name: str) -> None:
    fused, looped = parameters(), parameters()
    optimizers = [build_optimizer(fused, {"name": name, "lr": 0.05}),
                  build_optimizer(looped, {"name": name, "lr": 0.05, "fused": False})]
    for step in range(5):
        torch.manual_seed(step)
        gradients = [torch.randn_like(p) for p in fused]
        for group, optimizer in zip((fused, looped), optimizers):
            for p, g in zip(group, gradients):
                p.grad = g.clone()
            optimizer.step()
    for a, b in zip(fused, looped):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    assert not torch.equal(fused[0], parameters()[0])                              # they did move


def test_a_bad_option_is_still_one_config_line() -> None:
    with pytest.raises(ConfigError, match="task.optimizer"):
        build_optimizer(parameters(), {"name": "adam", "lr": 0.01, "betas": "high"})
