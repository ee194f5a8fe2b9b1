"""trainer.precision=bf16-mixed through train.py: bf16 where the CPU has bf16 instructions, else fp32 and one line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from seqmodels import cpu_precision
from tests.app.hydra_helpers import train
from tests.app.precision_probe import PrecisionProbe

OVERRIDES = ["task=lm", "trainer.precision=bf16-mixed", "trainer.accelerator=cpu",
             "+callbacks.precision_probe._target_=tests.app.precision_probe.PrecisionProbe"]


@pytest.mark.parametrize("has_bf16, used", [(True, "bf16-mixed"), (False, "32-true")])
def test_bf16_trains_where_the_cpu_has_it_and_falls_back_where_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, has_bf16: bool,
        used: str) -> None:
    monkeypatch.setattr(cpu_precision, "cpu_has_bf16", lambda: has_bf16)
    PrecisionProbe.latest = None
    with caplog.at_level(logging.WARNING, logger=cpu_precision.__name__):
        metrics = train(tmp_path, OVERRIDES)
    assert PrecisionProbe.latest == used
    assert metrics["val/loss"] > 0
    said = [r.getMessage() for r in caplog.records if r.name == cpu_precision.__name__]
    assert said == ([] if has_bf16 else ["trainer.precision=bf16-mixed: this CPU has no bfloat16 instructions "
                                         "(AVX-512 BF16 or AMX), so bf16 would be emulated and slower than fp32; "
                                         "training in 32-true instead"])
