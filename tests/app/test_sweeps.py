"""Sweeps as a user runs them (``python train.py -m ...`` in a subprocess): job folders named by their
overrides, ``metrics.json`` per job, the summary table, Optuna, the joblib and submitit launchers, and the
errors of a bad sweep or a GPU trainer without CUDA."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from seqmodels.sweeps.summary import job_dirname
from seqmodels.sweeps.summary import main as summary_main
from tests.app.hydra_helpers import CONFIGS, ROOT, TINY, TINY_SENTIMENT

TINY_LM = [*TINY, "callbacks.ngram_baseline=null"]


class RecordReturn(Callback):
    """Test-only Hydra callback: writes what the task function returned into the job's folder."""

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if job_return.status == JobStatus.COMPLETED:
            folder = Path(config.hydra.runtime.output_dir)
            (folder / "returned.json").write_text(json.dumps(job_return.return_value))


def train_py(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "train.py"), *overrides], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def job_folders(sweep_dir: Path) -> List[Path]:
    return sorted((path for path in sweep_dir.iterdir() if (path / ".hydra").is_dir()), key=lambda p: p.name)


def summary_rows(sweep_dir: Path) -> List[Dict[str, str]]:
    with open(sweep_dir / "summary.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def metrics(folder: Path) -> Dict[str, float]:
    return json.loads((folder / "metrics.json").read_text())


def test_a_sweep_names_job_folders_by_overrides_and_summarises_them_best_first(tmp_path: Path) -> None:
    result = train_py("-m", *TINY_LM, "model=rnn,gru", f"hydra.sweep.dir={tmp_path}",
                      "+hydra.callbacks.record._target_=tests.app.test_sweeps.RecordReturn")
    assert result.returncode == 0, result.stderr[-2000:]
    folders = job_folders(tmp_path)
    assert [folder.name.split("_")[0] for folder in folders] == ["0", "1"]
    assert "model=rnn" in folders[0].name and "model=gru" in folders[1].name
    assert "limit_train_batches" not in folders[0].name  # a noisy key, excluded
    for folder, cell in zip(folders, ["rnn", "gru"]):
        assert (folder / "checkpoints" / "last.ckpt").is_file() and (folder / "vocab.json").is_file()
        assert f"cell: {cell}" in (folder / "config.yaml").read_text()
        assert json.loads((folder / "returned.json").read_text()) == metrics(folder)["val/ppl"]
    rows = summary_rows(tmp_path)
    assert [row["overrides"] for row in sorted(rows, key=lambda row: row["job"])] == ["model=rnn", "model=gru"]
    assert [float(row["val/ppl"]) for row in rows] == sorted(float(row["val/ppl"]) for row in rows)
    assert {row["status"] for row in rows} == {"ok"} and "test/ppl" in rows[0]
    assert (tmp_path / "summary.md").read_text().startswith("| job | status | overrides | val/ppl |")
    assert "Sweep summary (val/ppl, lowest first)" in result.stdout


def test_an_optuna_sweep_for_sentiment_maximises_validation_accuracy(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper", reason="needs the sweep extra")
    result = train_py(*TINY_SENTIMENT, "hparams_search=sentiment_optuna", "hydra.sweeper.n_trials=2",
                      f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list(tmp_path.glob("*/checkpoints/last.ckpt"))) == 2
    rows = summary_rows(tmp_path)
    assert len(rows) == 2
    accuracies = [float(row["val/accuracy"]) for row in rows]
    assert accuracies == sorted(accuracies, reverse=True)
    best = (tmp_path / "optimization_results.yaml").read_text()
    assert "best_params" in best and f"best_value: {accuracies[0]}" in best


@pytest.mark.parametrize(
    ("search", "metric", "direction"),
    [("lm", "val/ppl", "minimize"), ("ner", "val/f1", "maximize"), ("sentiment", "val/accuracy", "maximize"),
     ("word2vec", "val/loss", "minimize"), ("seq2seq", "val/exact_match", "maximize")],
)
def test_each_task_has_an_optuna_search_in_the_direction_of_its_metric(search: str, metric: str,
                                                                       direction: str) -> None:
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("train", overrides=[f"hparams_search={search}_optuna"], return_hydra_config=True)
    assert cfg.task_name == search and cfg.optimized_metric == metric
    assert cfg.hydra.sweeper.direction == direction == {"min": "minimize", "max": "maximize"}[cfg.optimized_mode]
    assert cfg.hydra.sweeper.storage is None  # optuna 2.x's database storage breaks on SQLAlchemy 2


def test_the_joblib_launcher_runs_jobs_in_parallel_processes(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher", reason="needs the sweep extra")
    result = train_py("-m", *TINY_LM, "launcher=joblib", "model=rnn,gru", f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-2000:]
    folders = job_folders(tmp_path)
    assert len(folders) == 2 and all("val/ppl" in metrics(folder) for folder in folders)
    assert len(summary_rows(tmp_path)) == 2


def test_submitits_local_executor_runs_a_pickled_job(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="needs the sweep extra")
    result = train_py("-m", *TINY_LM, "launcher=submitit_local", "hydra.launcher.timeout_min=5", "model=gru",
                      f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-2000:]
    (folder,) = job_folders(tmp_path)
    assert "val/ppl" in metrics(folder) and (tmp_path / ".submitit").is_dir()
    assert [row["status"] for row in summary_rows(tmp_path)] == ["ok"]


def test_a_sweep_over_an_unknown_option_fails_before_any_job(tmp_path: Path) -> None:
    result = train_py("-m", *TINY_LM, "model.hiden_size=1,2", f"hydra.sweep.dir={tmp_path}")
    assert result.returncode != 0
    assert "Could not override 'model.hiden_size'" in result.stderr
    assert "Key 'hiden_size' is not in struct" in result.stderr
    assert not list(tmp_path.rglob("*.ckpt")) and not job_folders(tmp_path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_a_gpu_trainer_without_cuda_is_a_one_line_error(tmp_path: Path) -> None:
    result = train_py(*TINY, "trainer=gpu", f"hydra.run.dir={tmp_path}")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: trainer.accelerator=gpu, but this machine has no CUDA GPU") and "trainer=cpu" in line


def test_job_folder_names_stay_one_valid_folder_name() -> None:
    assert job_dirname(3, "model=gru,model.num_layers=2") == "3_model=gru,model.num_layers=2"
    assert job_dirname(0, "") == "0"
    assert job_dirname(1, "data.files.train=a/b.txt") == "1_data.files.train=a_b.txt"
    long = job_dirname(2, "x=" + "é" * 300)
    assert len(long.encode("utf-8")) <= 200 and long.startswith("2_x=é")


def test_the_summary_lists_failed_jobs_last_and_can_be_rebuilt_from_the_folder(tmp_path: Path,
                                                                               capsys: pytest.CaptureFixture) -> None:
    for num, value in [(0, 0.5), (1, None), (2, 0.9)]:
        hydra_dir = tmp_path / f"{num}_x={num}" / ".hydra"
        hydra_dir.mkdir(parents=True)
        (hydra_dir / "overrides.yaml").write_text(f"- x={num}\n- paths.log_dir=/tmp/logs\n")
        # as a job leaves them: Hydra's copy unresolved, the run's own config.yaml resolved by train.py
        (hydra_dir / "config.yaml").write_text("optimized_metric: val/f1\n"
                                               "optimized_mode: ${metric_mode:${task._target_},${optimized_metric}}\n")
        (hydra_dir.parent / "config.yaml").write_text("optimized_metric: val/f1\noptimized_mode: max\n")
        (hydra_dir / "hydra.yaml").write_text(f"hydra:\n  job:\n    num: {num}\n    config:\n      override_dirname:\n"
                                              f"        exclude_keys: [paths.log_dir]\n")
        if value is not None:
            (hydra_dir.parent / "metrics.json").write_text(json.dumps({"val/f1": value, "train/loss": 1.0}))
    summary_main([str(tmp_path)])
    assert "| 2 | ok | x=2 | 0.9 |" in capsys.readouterr().out
    rows = summary_rows(tmp_path)
    assert [(row["job"], row["status"], row["overrides"]) for row in rows] == [
        ("2", "ok", "x=2"), ("0", "ok", "x=0"), ("1", "failed", "x=1")]
    assert list(rows[0]) == ["job", "status", "overrides", "val/f1"]
