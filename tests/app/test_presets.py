"""The presets a user reaches for on the command line: trainer.precision, callbacks=early_stopping,
logger=csv|wandb|mlflow, debug=fdr|profiler and per-step lr schedules, each composed from the real configs and run
at tiny size; and train.py's train.log."""

from __future__ import annotations

import csv
import importlib.util
import shlex
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch

from seqmodels.cli import COMMANDS
from seqmodels.errors import ConfigError
from seqmodels.tasks.classification import ClassificationTask
from seqmodels.tasks.language_modeling import LanguageModelTask
from seqmodels.tasks.tagging import TaggingTask
from seqmodels.tasks.translation import TranslationTask
from seqmodels.tasks.word2vec import Word2VecTask
from tests.app.hydra_helpers import ROOT, TINY, TINY_NER, compose_train, train


def test_trainer_precision_is_an_option_and_bf16_mixed_trains_on_the_cpu(tmp_path: Path) -> None:
    assert compose_train(tmp_path).trainer.precision == "32-true"
    metrics = train(tmp_path, ["trainer.precision=bf16-mixed"])
    assert 1.0 < metrics["val/ppl"] < 1000


# min_delta so large that no validation after the first counts as an improvement: patience=1 stops after epoch 2
NEVER_IMPROVES = ["callbacks=early_stopping", "callbacks.early_stopping.patience=1",
                  "callbacks.early_stopping.min_delta=1e9", "trainer.max_epochs=4"]


@pytest.mark.parametrize(("tiny", "metric", "mode"), [(TINY, "val/ppl", "min"), (TINY_NER, "val/f1", "max")],
                         ids=["lm", "ner"])
def test_early_stopping_follows_the_tasks_metric_and_direction(tmp_path: Path, tiny: List[str], metric: str,
                                                               mode: str) -> None:
    callbacks = compose_train(tmp_path, ["callbacks=early_stopping"], tiny).callbacks
    assert (callbacks.early_stopping.monitor, callbacks.early_stopping.mode) == (metric, mode)
    assert {"model_checkpoint", "last_checkpoint", "lr_monitor"} <= set(callbacks)  # the defaults stay

    train(tmp_path, NEVER_IMPROVES, tiny)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert last["epoch"] == 1  # stopped after 2 of the 4 epochs


def test_csv_logger_writes_the_metrics_into_the_run_folder(tmp_path: Path) -> None:
    train(tmp_path, ["logger=csv"])
    with (tmp_path / "csv" / "metrics.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [row for row in rows if row.get("val/ppl")] and not (tmp_path / "tensorboard").exists()


@pytest.mark.parametrize("logger", ["wandb", "mlflow"])
def test_a_logger_without_its_package_is_a_one_line_config_error(tmp_path: Path, logger: str) -> None:
    if importlib.util.find_spec(logger) is not None:
        pytest.skip(f"{logger} is installed")
    with pytest.raises(ConfigError, match=rf"^logger\.{logger}: a package it needs is not installed .*pip install"):
        train(tmp_path, [f"logger={logger}"])


def test_debug_fdr_runs_one_batch_of_each_split_and_checkpoints_nothing(tmp_path: Path) -> None:
    assert compose_train(tmp_path, ["debug=fdr"]).trainer.fast_dev_run is True
    metrics = train(tmp_path, ["debug=fdr"])
    assert "val/ppl" in metrics and "test/ppl" in metrics
    assert not (tmp_path / "checkpoints").exists()


def test_debug_profiler_writes_the_time_of_each_hook(tmp_path: Path) -> None:
    train(tmp_path, ["debug=profiler"])
    assert "training_step" in (tmp_path / "fit-profile.txt").read_text(encoding="utf-8")


def test_a_per_step_lr_schedule_trains_a_task(tmp_path: Path) -> None:
    schedule = ["task.lr_decay={name:cosine,warmup_steps:2}", "callbacks.lr_monitor.logging_interval=step"]
    metrics = train(tmp_path, schedule, TINY_NER)
    assert 0 < metrics["lr-Adam"] < compose_train(tmp_path, [], TINY_NER).task.optimizer.lr


def test_train_py_writes_the_runs_log_to_train_log_without_the_advertising_tip(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "train.py"), *TINY,
                             f"hydra.run.dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "train.log").read_text(encoding="utf-8")
    assert "Seed set to 1234" in log and "Best model:" in log and "val/ppl" in log
    assert "litlogger" not in log + result.stdout + result.stderr

    # the summary ends with the commands to try next, on the run's own checkpoint: they work as printed
    next_lines = log[log.index("Try next:"):].splitlines()[1:]
    assert [shlex.split(line)[:2] for line in next_lines] == [["seqmodels", "sample"], ["seqmodels", "score"],
                                                              ["python", "eval.py"], ["seqmodels", "export"]]
    sample = shlex.split(next_lines[0])
    assert Path(sample[3]).parent == tmp_path / "checkpoints" and Path(sample[3]).is_file()
    sampled = subprocess.run([sys.executable, "-m", *sample], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert sampled.returncode == 0 and sampled.stdout.strip(), sampled.stderr
    evaluate = shlex.split(next_lines[2])[1:]
    evaluated = subprocess.run([sys.executable, *evaluate, f"output={tmp_path / 'eval.json'}"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
    assert evaluated.returncode == 0 and "test/ppl" in (tmp_path / "eval.json").read_text(), evaluated.stderr
    exported = subprocess.run([sys.executable, "-m", *shlex.split(next_lines[3])], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
    assert exported.returncode == 0 and list((tmp_path / "exported").glob("*.pt")), exported.stderr


@pytest.mark.parametrize("task", [LanguageModelTask, TaggingTask, ClassificationTask, TranslationTask, Word2VecTask])
def test_each_task_declares_commands_for_its_checkpoint(task: type) -> None:
    assert task.next_commands
    for command in task.next_commands:
        words = shlex.split(command)
        if words[:2] == ["python", "eval.py"]:  # eval.py tests the checkpoint on its run's test split
            assert words[2:] == ["ckpt_path={ckpt}"]
            continue
        assert words[0] == "seqmodels" and words[1] in COMMANDS and words[2:4] == ["--ckpt", "{ckpt}"]
