"""Two-process data-parallel training on the CPU (gloo), through train.py as a user runs it: for the language
model (BPTT rows) and for seq2seq (length-bucketed batches) it finishes, every training and validation sample
is read exactly once per epoch across the processes (with as many training batches on each), the logged
validation metric equals the one a single process computes on the whole validation set, and the run folder
holds one set of checkpoints, one vocabulary and one TensorBoard log."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest
import pytorch_lightning as pl
from hydra.utils import instantiate

from seqmodels.tasks.language_modeling import LanguageModelTask
from seqmodels.tasks.translation import TranslationTask
from tests.app.hydra_helpers import ROOT, compose_train

PROBE = "+callbacks.seen_samples={_target_: tests.app.ddp_probe.SeenSamples, folder: ${paths.output_dir}/seen}"
DDP = ["trainer=ddp_cpu", "trainer.max_epochs=2", "trainer.limit_train_batches=null", "trainer.limit_val_batches=null",
       "trainer.limit_test_batches=null", "test=false", "callbacks.embedding_projector=null", PROBE]


def run_ddp(run_folder: Path, overrides: Sequence[str]) -> Dict[str, float]:
    command = [sys.executable, "train.py", *overrides, *DDP, f"paths.output_dir={run_folder}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((run_folder / "metrics.json").read_text())


def seen(run_folder: Path, stage: str, epoch: int) -> List[List[List[Any]]]:
    """Per rank: the items of each batch it read."""
    files = sorted((run_folder / "seen").glob(f"{stage}_rank*_epoch{epoch}.json"))
    assert len(files) == 2, files
    return [json.loads(path.read_text())["batches"] for path in files]


def assert_one_run_folder(run_folder: Path) -> None:
    checkpoints = sorted(path.name for path in (run_folder / "checkpoints").iterdir())
    assert len(checkpoints) == 2 and "last.ckpt" in checkpoints, checkpoints     # last + best, written once
    assert len(list((run_folder / "tensorboard").rglob("events.out.tfevents.*"))) == 1   # one TensorBoard log
    assert not list(run_folder.glob("*train_ddp_process*"))


def validate_alone(run_folder: Path, overrides: Sequence[str], task_type: type) -> Dict[str, float]:
    """The last checkpoint validated by one process on the whole validation set."""
    cfg = compose_train(run_folder / "single", [*overrides, "trainer=cpu"], tiny=[])
    data = instantiate(cfg.data, _convert_="all")
    task = task_type.load(run_folder / "checkpoints" / "last.ckpt")
    data.restore_encoding(task.hparams[data.encoding_hparam])
    trainer = pl.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
                         enable_model_summary=False)
    (metrics,) = trainer.validate(task, datamodule=data)
    return metrics


def write_corpus(folder: Path) -> List[str]:
    lines = [f"the {animal} number {n} ate the {food} ." for n in range(40)
             for animal, food in (("cat", "fish"), ("dog", "bone"))]
    (folder / "train.txt").write_text("\n".join(lines[:60]) + "\n")
    (folder / "valid.txt").write_text("\n".join(lines[60:]) + "\n")
    return [f"data.files.train={folder / 'train.txt'}", f"data.files.valid={folder / 'valid.txt'}"]


def test_language_model_on_two_processes(tmp_path: Path) -> None:
    overrides = ["data=text_files", *write_corpus(tmp_path), "data.batching=bptt", "data.bptt=5",
                 "data.batch_size=2", "data.eval_batch_size=3", "model.embedding_size=8", "model.hidden_size=8"]
    metrics = run_ddp(tmp_path / "run", overrides)
    run_folder = tmp_path / "run"
    assert_one_run_folder(run_folder)
    data = instantiate(compose_train(tmp_path / "probe", overrides, tiny=[]).data, _convert_="all")
    data.setup("fit")
    for epoch in (0, 1):
        ranks = seen(run_folder, "train", epoch)
        assert len(ranks[0]) == len(ranks[1])                                         # the same number of steps
        rows = {rank: [sum((batch[r] for batch in batches), []) for r in range(2)]
                for rank, batches in enumerate(ranks)}
        stream = data.stream("train").tolist()
        row_length = (len(stream) - 1) // 4                                           # 2 rows per process
        expected = [stream[i * row_length:(i + 1) * row_length] for i in range(4)]
        assert rows[0] + rows[1] == expected                                          # every token once, in order
        evaluated = [row for batches in seen(run_folder, "val", epoch) for row in zip(*batches)]
        assert len(evaluated) == 3                                                    # the 3 rows of one process
    alone = validate_alone(run_folder, overrides, LanguageModelTask)
    assert metrics["val/ppl"] == pytest.approx(alone["val/ppl"], rel=1e-4)


def test_seq2seq_on_two_processes(tmp_path: Path) -> None:
    overrides = ["task=seq2seq", "model.embedding_size=8", "model.hidden_size=8", "++data.num_examples.train=70",
                 "++data.num_examples.valid=23", "++data.num_examples.test=0", "data.batch_size=8",
                 "data.eval_batch_size=5"]
    metrics = run_ddp(tmp_path / "run", overrides)
    run_folder = tmp_path / "run"
    assert_one_run_folder(run_folder)
    for epoch in (0, 1):
        ranks = seen(run_folder, "train", epoch)
        assert len(ranks[0]) == len(ranks[1])
        assert Counter(i for batches in ranks for batch in batches for i in batch) == Counter(range(70))
        evaluated = [i for batches in seen(run_folder, "val", epoch) for batch in batches for i in batch]
        assert Counter(evaluated) == Counter(range(23))
    orders = [[batch for batches in seen(run_folder, "train", epoch) for batch in batches] for epoch in (0, 1)]
    assert orders[0] != orders[1]                                                     # reshuffled every epoch
    alone = validate_alone(run_folder, overrides, TranslationTask)
    for name in ("val/exact_match", "val/bleu", "val/ppl", "val/token_accuracy"):
        assert metrics[name] == pytest.approx(alone[name], rel=1e-4, abs=1e-6), name
