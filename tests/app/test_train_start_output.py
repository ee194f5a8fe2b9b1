"""What a run prints when training starts: Lightning's table of the task's modules and their parameters, without
the FLOPs column (all 0: the tasks define no example input), and none of Lightning's advertising tips (nor does
eval.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.hydra_helpers import ROOT, TINY, train


def _printed(tmp_path: Path, overrides: list, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> str:
    train(tmp_path, ["trainer.max_epochs=1", *overrides], TINY)
    captured = capfd.readouterr()
    return caplog.text + captured.out + captured.err


def test_the_model_summary_counts_parameters_without_a_flops_column(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> None:
    # without a ModelCheckpoint (as callbacks=none), for which Lightning advertises litmodels
    no_checkpoints = [f"callbacks.{name}_checkpoint=null" for name in ("model", "last", "periodic")]
    printed = _printed(tmp_path, ["trainer.enable_model_summary=true", *no_checkpoints], caplog, capfd)
    header = next(line for line in printed.splitlines() if "| Name" in line)
    assert [column.strip() for column in header.split("|")][1:] == ["Name", "Type", "Params", "Mode"]
    assert re.search(r"\| network +\| LanguageModel +\| +[0-9.]+ K", printed) and "Trainable params" in printed
    assert printed.count("Total params") == 1
    assert "flops" not in printed.lower()
    assert "Tip:" not in printed and "litmodels" not in printed and "litlogger" not in printed


def test_enable_model_summary_false_prints_no_summary(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> None:
    printed = _printed(tmp_path, [], caplog, capfd)  # TINY: +trainer.enable_model_summary=false
    assert "Total params" not in printed and "Params" not in printed


def test_eval_py_prints_no_advertising_tip(tmp_path: Path) -> None:
    train(tmp_path / "run", ["test=false"], TINY)
    checkpoint = tmp_path / "run" / "checkpoints" / "last.ckpt"
    result = subprocess.run([sys.executable, str(ROOT / "eval.py"), f"ckpt_path={checkpoint}",
                             "trainer.limit_test_batches=1", f"output={tmp_path / 'eval.json'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "test/ppl" in result.stdout and "Tip:" not in result.stdout + result.stderr
