"""Runs that cannot be lost or silently wrong: a folder of its own for every run however many start at once, a
failed save that keeps the previous checkpoint, a diverging run that stops at once, checkpoints that must fit
the run that loads them, and metrics.json that stays valid JSON."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch
import yaml

from seqmodels.callbacks.divergence import DivergenceGuard, TrainingDiverged
from seqmodels.checkpoints import CheckpointError, read_checkpoint
from seqmodels.checkpoints import files as checkpoint_files
from seqmodels.errors import ConfigError
from seqmodels.run_folder import forget_run_folders, run_folder
from seqmodels.train import _write_metrics
from tests.app.hydra_helpers import ROOT, TINY, TINY_NER, TINY_TRAINER, train

TINY_ADDING = ["task=adding", "data.length=12", "model.embedding_size=4", "model.hidden_size=8",
               "data.num_examples.train=64", "data.num_examples.valid=32", "data.num_examples.test=32",
               "data.batch_size=8", "data.eval_batch_size=16", *TINY_TRAINER]


def _claim(parent: str, queue: "multiprocessing.Queue[str]") -> None:
    queue.put(run_folder(parent))


def test_processes_racing_for_the_same_second_each_get_their_own_folder(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_claim, args=(str(tmp_path / "runs"), queue)) for _ in range(6)]
    for process in processes:
        process.start()
    folders = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join()
    assert len(set(folders)) == 6
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(Path(f).name for f in folders)


def test_the_same_process_keeps_its_folder(tmp_path: Path) -> None:
    forget_run_folders()
    first = run_folder(str(tmp_path))
    assert run_folder(str(tmp_path)) == first  # Hydra and Lightning's DDP launcher look it up again
    forget_run_folders()
    assert run_folder(str(tmp_path)) != first
    forget_run_folders()


def test_three_train_py_started_together_write_three_consistent_folders(tmp_path: Path) -> None:
    cells = ["rnn", "gru", "lstm"]
    launches = [subprocess.Popen([sys.executable, str(ROOT / "train.py"), f"model={cell}", *TINY,
                                  "+trainer.enable_progress_bar=false"],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "SEQMODELS_LOG_DIR": str(tmp_path)})
                for cell in cells]
    for launch in launches:
        _, err = launch.communicate(timeout=600)
        assert launch.returncode == 0, err[-2000:]
    folders = sorted((tmp_path / "lm" / "runs").iterdir())
    assert len(folders) == 3
    found: List[str] = []
    for folder in folders:
        cell = yaml.safe_load((folder / "config.yaml").read_text())["model"]["cell"]
        for checkpoint in (folder / "checkpoints").glob("*.ckpt"):
            assert read_checkpoint(checkpoint)["hyper_parameters"]["model"]["cell"] == cell
        assert json.loads((folder / "metrics.json").read_text())["test/ppl"] > 0
        found.append(cell)
    assert sorted(found) == sorted(cells)


def test_a_save_that_fails_half_way_keeps_the_last_good_checkpoint(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Epoch 0 saves best and last; in epoch 1 the disk is full half way through the first save."""
    opened = {"files": 0, "bytes": 0}
    real_open, real_write = os.open, os.write

    def open_(path, flags, *args):
        if flags & os.O_CREAT:
            opened["files"] += 1
            opened["bytes"] = 0
        return real_open(path, flags, *args)

    def write(descriptor: int, data) -> int:
        if opened["files"] > 2 and opened["bytes"] + len(data) > 5000:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        opened["bytes"] += len(data)
        return real_write(descriptor, data)

    monkeypatch.setattr(checkpoint_files, "_CHUNK", 1000)
    monkeypatch.setattr(checkpoint_files.os, "open", open_)
    monkeypatch.setattr(checkpoint_files.os, "write", write)
    with pytest.raises(CheckpointError) as caught:
        train(tmp_path, ["trainer.max_epochs=2", "callbacks.periodic_checkpoint=null"])
    monkeypatch.undo()
    assert f"{tmp_path}/checkpoints: could not write" in str(caught.value)
    assert "No space left on device" in str(caught.value)
    last = read_checkpoint(tmp_path / "checkpoints" / "last.ckpt")
    assert last["epoch"] == 0 and last["global_step"] == 3
    assert not [p for p in (tmp_path / "checkpoints").iterdir() if p.name.endswith(".partial")]
    train(tmp_path / "resumed", ["trainer.max_epochs=2", f"ckpt_path={tmp_path / 'checkpoints' / 'last.ckpt'}"])


def test_a_diverging_run_stops_at_once_and_saves_nothing_non_finite(tmp_path: Path) -> None:
    diverging = ["task.optimizer.name=sgd", "task.optimizer.lr=1e30", "trainer.gradient_clip_val=null"]
    with pytest.raises(TrainingDiverged) as caught:
        train(tmp_path, diverging, tiny=TINY_ADDING)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("training diverged at epoch 0, step ")
    assert "the last finite training loss was" in message and "task.optimizer.lr" in message
    assert not list((tmp_path / "checkpoints").glob("best-*.ckpt")) if (tmp_path / "checkpoints").exists() else True
    assert not (tmp_path / "metrics.json").exists()


def test_train_py_exits_non_zero_with_one_line_when_training_diverges(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "train.py"), *TINY_ADDING, "task.optimizer.name=sgd",
                             "task.optimizer.lr=1e30", "trainer.gradient_clip_val=null"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "SEQMODELS_LOG_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: training diverged at epoch 0, step ")
    assert "Traceback" not in result.stderr + result.stdout
    (folder,) = (tmp_path / "adding" / "runs").iterdir()
    assert not list(folder.rglob("best-*.ckpt"))


def test_metrics_json_stays_valid_json_when_a_metric_is_not_finite(tmp_path: Path) -> None:
    _write_metrics(tmp_path, {"val/ppl": float("inf"), "val/loss": float("nan"), "test/ppl": 4.5})
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"test/ppl": 4.5, "val/loss": None,
                                                                   "val/ppl": None}


@pytest.fixture(scope="module")
def lm_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lm")
    train(folder)
    return folder / "checkpoints" / "last.ckpt"


@pytest.mark.parametrize(("overrides", "message"), [
    (["seed=abc"], "seed='abc': must be an integer"),
    (["train=false"], "train=false needs ckpt_path=<checkpoint>"),
])
def test_bad_run_options_are_one_line(tmp_path: Path, overrides: List[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        train(tmp_path, overrides)


def test_resuming_with_another_model_names_the_differing_options(tmp_path: Path, lm_checkpoint: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        train(tmp_path, ["model=gru", f"ckpt_path={lm_checkpoint}"])
    assert "does not fit this run's model" in str(caught.value)
    assert "model.cell: 'lstm' in the checkpoint, 'gru' here" in str(caught.value)
    with pytest.raises(ConfigError, match="model.hidden_size: 16 in the checkpoint, 32 here"):
        train(tmp_path, ["model.hidden_size=32", f"ckpt_path={lm_checkpoint}", "train=false"])


def test_a_checkpoint_of_another_task_says_which_task_it_is(tmp_path: Path, lm_checkpoint: Path) -> None:
    with pytest.raises(ConfigError, match="this is a LanguageModelTask checkpoint, but a TaggingTask checkpoint"):
        train(tmp_path, [f"ckpt_path={lm_checkpoint}"], tiny=TINY_NER)


def test_a_corrupted_checkpoint_is_refused_everywhere_it_is_loaded(tmp_path: Path, lm_checkpoint: Path) -> None:
    from seqmodels.tasks.language_modeling import LanguageModelTask

    corrupted = tmp_path / "corrupted.ckpt"
    data = bytearray(lm_checkpoint.read_bytes())
    weights = read_checkpoint(lm_checkpoint)["state_dict"]
    largest = max(weights.values(), key=lambda t: t.numel())
    start = data.find(largest.numpy().tobytes()[:128])
    assert start > 0
    for offset in range(start, start + 64):
        data[offset] ^= 0x55
    corrupted.write_bytes(bytes(data))
    for overrides in ([f"ckpt_path={corrupted}"], [f"ckpt_path={corrupted}", "train=false"]):
        with pytest.raises(CheckpointError, match="corrupted.ckpt: the weights do not match the digest"):
            train(tmp_path / "run", overrides)
    with pytest.raises(CheckpointError, match="the weights do not match the digest"):
        LanguageModelTask.load(corrupted)
    assert torch.load(corrupted, weights_only=True)  # torch alone would have loaded it


def test_weights_that_are_not_finite_are_never_saved() -> None:
    """A non-finite gradient stops the run at the next step's loss; a save in between is refused."""
    from types import SimpleNamespace

    guard = DivergenceGuard()
    trainer = SimpleNamespace(current_epoch=2, global_step=41)
    guard.on_save_checkpoint(trainer, None, {"state_dict": {"w": torch.ones(3), "steps": torch.tensor(4)}})
    with pytest.raises(TrainingDiverged, match=r"epoch 2, step 41: the weight w holds NaN or infinite values"):
        guard.on_save_checkpoint(trainer, None, {"state_dict": {"w": torch.tensor([1.0, float("inf")])}})


def test_two_sweeps_started_together_get_a_sweep_folder_each_that_their_jobs_share(tmp_path: Path) -> None:
    """The sweep folder is created like a run folder; joblib's worker processes find their launcher's."""
    sweeps = [subprocess.Popen([sys.executable, str(ROOT / "train.py"), "-m", "launcher=joblib", *TINY,
                                "callbacks.ngram_baseline=null", "+trainer.enable_progress_bar=false",
                                "model=rnn,gru"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "SEQMODELS_LOG_DIR": str(tmp_path)})
              for _ in range(2)]
    for sweep in sweeps:
        _, err = sweep.communicate(timeout=600)
        assert sweep.returncode == 0, err[-2000:]
    folders = sorted((tmp_path / "lm" / "multiruns").iterdir())
    assert len(folders) == 2
    for folder in folders:
        jobs = sorted(path.name for path in folder.iterdir() if (path / ".hydra").is_dir())
        assert len(jobs) == 2 and jobs[0].startswith("0_") and "model=rnn" in jobs[0] and "model=gru" in jobs[1]
        assert all((folder / job / "metrics.json").is_file() for job in jobs)
        assert (folder / "summary.csv").is_file()
    assert not (tmp_path / "lm" / "runs").exists()  # no stray run folders
