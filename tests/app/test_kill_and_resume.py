"""kill -9 in the middle of an epoch, then resume from last.ckpt: the resumed run trains exactly the batches the
uninterrupted run trains, in the same order, with the same random numbers, and ends with the same weights and
metrics (bit for bit)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence

import pytest
import torch

from tests.app.hydra_helpers import ROOT

TINY_TRAINER = [
    "trainer.max_epochs=2", "trainer.limit_train_batches=8", "trainer.limit_val_batches=2",
    "trainer.limit_test_batches=2", "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false",
    "+trainer.enable_model_summary=false", "trainer.log_every_n_steps=1",
    # last.ckpt every 3 training steps (and at each epoch's end)
    "callbacks.periodic_checkpoint.train_time_interval=null", "+callbacks.periodic_checkpoint.every_n_train_steps=3",
]
TASKS: Dict[str, List[str]] = {
    # BPTT batches (the carried state travels in the checkpoint), dropout (the random generators do)
    "lm": ["model.embedding_size=8", "model.hidden_size=16", "model.dropout=0.3", "model.num_layers=2",
           "data.bptt=20", "data.batch_size=4", "data.eval_batch_size=4", "callbacks.ngram_baseline.order=2",
           "task.sample_length=20"],
    # shuffled length buckets (the order of each epoch is redrawn)
    "sentiment": ["task=sentiment", "model.embedding_size=8", "model.hidden_size=8", "model.dropout=0.3",
                  "data.batch_size=8", "data.eval_batch_size=16"],
    # negatives drawn in the loader's collate (the global generator)
    "word2vec": ["task=word2vec", "model.embedding_size=8", "data.batch_size=64", "data.eval_batch_size=256"],
}
DDP = ["trainer=ddp_cpu", "callbacks.embedding_projector=null"]  # two gloo processes, 8 batches each
KILLED_AT = 11       # killed as step 11 starts (epoch 1, its 4th batch) ...
LAST_SAVED = 9       # ... so last.ckpt holds step 9 (epoch 1 after its 1st batch)


def train_py(log_dir: Path, batches: Path, overrides: Sequence[str]) -> subprocess.CompletedProcess:
    """train.py in a process group of its own (a DDP run's processes are killed together)."""
    command = [sys.executable, str(ROOT / "train.py"), *overrides, "+callbacks.batch_log._target_="
               "tests.app.resume_probe.BatchLog", f"+callbacks.batch_log.path={batches}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, start_new_session=True,
                          env={**os.environ, "SEQMODELS_LOG_DIR": str(log_dir)})


def run_folder(log_dir: Path) -> Path:
    (folder,) = [p for p in (log_dir).glob("*/runs/*") if p.is_dir()]
    return folder


def read_log(path: Path) -> List[dict]:
    """The batches trained, by process and step (the processes of a DDP run write in any order)."""
    batches = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(batches, key=lambda batch: (batch["rank"], batch["step"]))


@pytest.mark.parametrize("task", [*sorted(TASKS), "lm_ddp"])
def test_a_run_killed_mid_epoch_resumes_at_the_next_batch_and_ends_identical(tmp_path: Path, task: str) -> None:
    """lm_ddp: two gloo processes, each carrying the state of its own rows; both are killed together."""
    ddp = task.endswith("_ddp")
    overrides = [*TASKS[task.removesuffix("_ddp")], *TINY_TRAINER, *(DDP if ddp else [])]
    whole = train_py(tmp_path / "whole", tmp_path / "whole.jsonl", overrides)
    assert whole.returncode == 0, whole.stderr[-3000:]

    killed = train_py(tmp_path / "killed", tmp_path / "killed.jsonl",
                      [*overrides, "+callbacks.kill._target_=tests.app.resume_probe.KillAtStep",
                       f"+callbacks.kill.step={KILLED_AT}", f"+callbacks.kill.group={str(ddp).lower()}"])
    assert killed.returncode == -signal.SIGKILL
    last = run_folder(tmp_path / "killed") / "checkpoints" / "last.ckpt"
    saved = torch.load(last, weights_only=True)
    assert saved["global_step"] == LAST_SAVED  # the periodic save, mid-epoch

    resumed = train_py(tmp_path / "resumed", tmp_path / "resumed.jsonl", [*overrides, f"ckpt_path={last}"])
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    trained = [b for b in read_log(tmp_path / "killed.jsonl") if b["step"] < LAST_SAVED]
    trained = sorted(trained + read_log(tmp_path / "resumed.jsonl"), key=lambda b: (b["rank"], b["step"]))
    assert trained == read_log(tmp_path / "whole.jsonl")  # same batches, same order, same steps

    whole_folder, resumed_folder = run_folder(tmp_path / "whole"), run_folder(tmp_path / "resumed")
    whole_weights = torch.load(whole_folder / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    resumed_weights = torch.load(resumed_folder / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert whole_weights.keys() == resumed_weights.keys()
    for name, value in whole_weights.items():
        assert torch.equal(value, resumed_weights[name]), name  # bit for bit
    whole_metrics = json.loads((whole_folder / "metrics.json").read_text())
    resumed_metrics = json.loads((resumed_folder / "metrics.json").read_text())
    evaluated = [name for name in whole_metrics if name.startswith(("val/", "test/"))]
    assert evaluated
    assert {n: whole_metrics[n] for n in evaluated} == {n: resumed_metrics[n] for n in evaluated}
