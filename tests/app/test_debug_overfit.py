"""debug=overfit (Lightning's overfit_batches through our resumable loaders): every task trains on the same first
training batches every epoch, and a network that can learn memorises them, its training loss falling steeply."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import List, Sequence

import pytest

from seqmodels.errors import ConfigError
from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, compose_train, train

# larger and faster-learning than the tiny runs, so that 3 batches are memorised in a few seconds
QUICK = ["task.optimizer.lr=0.03", "model.hidden_size=32", "logger=csv"]


def _epoch_losses(run_folder: Path) -> List[float]:
    with open(run_folder / "csv" / "metrics.csv", encoding="utf-8") as rows:
        return [float(row["train/loss_epoch"]) for row in csv.DictReader(rows) if row["train/loss_epoch"]]


def test_the_preset_overfits_three_batches_at_a_constant_lr(tmp_path: Path) -> None:
    cfg = compose_train(tmp_path, ["debug=overfit"])
    assert cfg.trainer.overfit_batches == 3 and cfg.task.lr_decay is None
    assert cfg.trainer.reload_dataloaders_every_n_epochs == 0
    with pytest.raises(ConfigError, match=r"^trainer\.overfit_batches='3': must be a number >= 0"):
        train(tmp_path, ["debug=overfit", "trainer.overfit_batches='3'"])


@pytest.mark.parametrize("tiny, epochs", [(TINY, 20), (TINY_NER, 10), (TINY_SENTIMENT, 20)],
                         ids=["lm", "ner", "sentiment"])
def test_debug_overfit_memorises_the_batches(tmp_path: Path, tiny: Sequence[str], epochs: int) -> None:
    metrics = train(tmp_path, ["debug=overfit", f"trainer.max_epochs={epochs}", *QUICK], tiny)
    losses = _epoch_losses(tmp_path)
    assert len(losses) == epochs
    assert losses[-1] < 0.6 * losses[0], losses
    assert any(name.startswith("test/") for name in metrics)  # then tested as usual
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()
