"""Importing seqmodels changes no global state: ``import seqmodels`` is light (the public API comes on first use),
and importing seqmodels.train installs no warnings filter and registers no resolver (train.py registers them)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys, warnings
import hydra, omegaconf, pytorch_lightning, torch, torchmetrics  # what seqmodels.train imports: they set their own
from omegaconf import OmegaConf
before = list(warnings.filters)
import seqmodels.train
assert warnings.filters == before, [f for f in warnings.filters if f not in before]
assert not any(OmegaConf.has_resolver(name) for name in ("run_folder", "job_dirname", "metric_mode")), "resolver"
from seqmodels.resolvers import register_resolvers
register_resolvers()
assert all(OmegaConf.has_resolver(name) for name in ("run_folder", "job_dirname", "metric_mode", "optuna_direction"))
print("ok")
"""


def python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_importing_seqmodels_train_changes_no_global_state() -> None:
    assert python(PROBE) == "ok"


def test_import_seqmodels_is_light_and_exposes_load_lazily() -> None:
    code = ("import sys, seqmodels; light = 'torch' not in sys.modules; "
            "print(light, seqmodels.load.__module__, seqmodels.TaggingTask.__name__, 'load' in dir(seqmodels))")
    assert python(code) == "True seqmodels.tasks.registry TaggingTask True"


def test_every_public_name_is_what_its_module_defines() -> None:
    code = ("import importlib, seqmodels; print(all(getattr(seqmodels, name) is getattr(importlib.import_module("
            "seqmodels._PUBLIC[name]), name) for name in seqmodels.__all__), len(seqmodels.__all__))")
    assert python(code) == f"True {len(__import__('seqmodels').__all__)}"
