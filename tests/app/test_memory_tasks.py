"""End to end through Hydra: the long-range memory lab (task=agreement, task=adding, task=copy_memory) trains a
few steps with each cell family, checkpoints, reloads; bad distances and lengths name the option."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seqmodels.data.corpora.memory_problems import ADDING_BASELINE_MSE
from seqmodels.errors import ConfigError
from seqmodels.nn.recurrent import Recurrent
from seqmodels.tasks.classification import ClassificationTask
from seqmodels.tasks.memory_problem import MemoryProblemTask
from tests.app.hydra_helpers import TINY_TRAINER, train

TINY_AGREEMENT = [
    "task=agreement",
    "model.embedding_size=8",
    "model.hidden_size=8",
    "data.distance=6",
    "data.num_examples.train=64",
    "data.num_examples.valid=32",
    "data.num_examples.test=32",
    "data.batch_size=8",
    "data.eval_batch_size=16",
    *TINY_TRAINER,
]
TINY_MEMORY = [
    "model.embedding_size=4",
    "model.hidden_size=8",
    "data.num_examples.train=64",
    "data.num_examples.valid=32",
    "data.num_examples.test=32",
    "data.batch_size=8",
    "data.eval_batch_size=16",
    *TINY_TRAINER,
]
TINY_ADDING = ["task=adding", "data.length=12", *TINY_MEMORY]
TINY_COPY = ["task=copy_memory", "data.length=5", "data.copy_length=3", "data.copy_symbols=4", *TINY_MEMORY]

FAMILIES = ["rnn", "gru", "lstm"]


def checkpoint(run_folder: Path) -> Path:
    return run_folder / "checkpoints" / "last.ckpt"


@pytest.mark.parametrize("family", FAMILIES)
def test_agreement_trains_and_checkpoints(tmp_path: Path, family: str) -> None:
    metrics = train(tmp_path, [f"model={family}"], tiny=TINY_AGREEMENT)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0 and "test/accuracy" in metrics
    task = ClassificationTask.load(checkpoint(tmp_path))
    assert task.labels == ["was", "were"] and not task.network.recurrent.bidirectional
    predictions = task.classify(["the cats , which slept in the kitchen yesterday ,"])
    assert predictions[0].label in ("was", "were")


@pytest.mark.parametrize("family", FAMILIES)
def test_adding_trains_and_checkpoints(tmp_path: Path, family: str) -> None:
    metrics = train(tmp_path, [f"model={family}"], tiny=TINY_ADDING)
    assert metrics["val/mse"] >= 0 and "test/mse" in metrics and metrics["hp/best"] == metrics["val/mse"]
    assert abs(metrics["val/baseline_mse"] - ADDING_BASELINE_MSE) < 0.08
    assert metrics["val/beats_baseline"] in (0.0, 1.0)
    assert any(path.name.startswith("best-") for path in (tmp_path / "checkpoints").iterdir())
    task = MemoryProblemTask.load(checkpoint(tmp_path))
    assert task.main_metric == "val/mse" and isinstance(task.network.recurrent, Recurrent)
    assert task(torch.rand(3, 12, 2)).shape == (3,)


@pytest.mark.parametrize("family", FAMILIES)
def test_copy_memory_trains_and_checkpoints(tmp_path: Path, family: str) -> None:
    metrics = train(tmp_path, [f"model={family}"], tiny=TINY_COPY)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0 and 0.0 <= metrics["val/exact_match"] <= 1.0
    assert "test/accuracy" in metrics
    task = MemoryProblemTask.load(checkpoint(tmp_path))
    assert task.main_metric == "val/accuracy" and task.main_metric_mode == "max"
    assert task(torch.zeros(2, 11, dtype=torch.long)).shape == (2, 11, 6)  # blank, 4 symbols, the delimiter


def test_resuming_checks_the_problem(tmp_path: Path) -> None:
    train(tmp_path / "first", [], tiny=TINY_ADDING)
    metrics = train(tmp_path / "again", [f"ckpt_path={checkpoint(tmp_path / 'first')}", "trainer.max_epochs=2"],
                    tiny=TINY_ADDING)
    assert "val/mse" in metrics
    with pytest.raises(ConfigError, match="trained on the 'adding' problem"):
        train(tmp_path / "wrong", [f"ckpt_path={checkpoint(tmp_path / 'first')}"], tiny=TINY_COPY)


# -- bad input ---------------------------------------------------------------------------------


def test_a_distance_above_the_maximum_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data\.distance=2000.*data\.max_distance=1000"):
        train(tmp_path, ["data.distance=2000"], tiny=TINY_AGREEMENT)
    with pytest.raises(ConfigError, match=r"data\.distance=0"):
        train(tmp_path, ["data.distance=0"], tiny=TINY_AGREEMENT)


def test_adding_with_one_step_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data\.length=1: the adding problem needs T >= 2 \(two marked numbers\)"):
        train(tmp_path, ["data.length=1"], tiny=TINY_ADDING)


def test_a_length_above_the_maximum_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data\.length=50 is above data\.max_length=20"):
        train(tmp_path, ["data.length=50", "data.max_length=20"], tiny=TINY_COPY)
