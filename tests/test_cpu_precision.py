"""bf16 on the CPU only where the CPU has bfloat16 instructions: the precision kept or replaced, and why."""

from __future__ import annotations

import logging

import pytest
import torch

from seqmodels import cpu_precision
from seqmodels.cpu_precision import checked_precision, runs_on_cpu


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.usefixtures("no_cuda")
@pytest.mark.parametrize("precision", ["bf16-mixed", "bf16-true", "bf16"])
def test_bf16_on_a_cpu_without_bf16_instructions_falls_back_to_fp32_and_says_why(
        precision: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(cpu_precision, "cpu_has_bf16", lambda: False)
    with caplog.at_level(logging.WARNING, logger=cpu_precision.__name__):
        assert checked_precision(precision, "cpu") == "32-true"
        assert checked_precision(precision, None) == "32-true"      # auto: the CPU, without CUDA
    assert len(caplog.records) == 2
    message = caplog.records[0].getMessage()
    assert message.startswith(f"trainer.precision={precision}: this CPU has no bfloat16 instructions")
    assert "\n" not in message and message.endswith("training in 32-true instead")


@pytest.mark.usefixtures("no_cuda")
def test_bf16_stays_on_a_cpu_with_bf16_instructions(monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(cpu_precision, "cpu_has_bf16", lambda: True)
    with caplog.at_level(logging.WARNING, logger=cpu_precision.__name__):
        assert checked_precision("bf16-mixed", "auto") == "bf16-mixed"
    assert not caplog.records


@pytest.mark.parametrize("precision", ["32-true", "64-true", "16-mixed", None])
def test_other_precisions_are_left_alone(precision: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_precision, "cpu_has_bf16", lambda: False)
    assert checked_precision(precision, "cpu") == precision


def test_a_gpu_trainer_keeps_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_precision, "cpu_has_bf16", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert not runs_on_cpu("gpu") and not runs_on_cpu("auto") and runs_on_cpu("cpu")
    assert checked_precision("bf16-mixed", "gpu") == "bf16-mixed"
    assert checked_precision("bf16-mixed", None) == "bf16-mixed"


def test_the_detection_reads_this_cpu() -> None:
    assert cpu_precision.cpu_has_bf16() == (torch.cpu._is_avx512_bf16_supported()
                                            or torch.cpu._is_amx_tile_supported())
