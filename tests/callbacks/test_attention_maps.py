from pathlib import Path
from typing import Dict, List

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import TensorBoardLogger
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.data import DataLoader, TensorDataset

from seqmodels.callbacks.attention_maps import AttentionExample, AttentionMaps
from seqmodels.tasks.base import SequenceTask


class TinyTask(SequenceTask):
    """One linear layer and no attention (SequenceTask's default attention_examples: []); a training and a
    validation batch are enough to reach on_validation_end."""

    def __init__(self) -> None:
        super().__init__({"name": "sgd", "lr": 0.1})
        self.network = torch.nn.Linear(2, 1)

    def _step(self, batch, stage: str) -> torch.Tensor:
        return self.network(batch[0]).pow(2).mean()

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(4, 2)), batch_size=2)

    def val_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(4, 2)), batch_size=2)


class AttendingTask(TinyTask):
    """Three examples: character tokens, a space among them, weights that sum to one per output token."""

    def attention_examples(self) -> List[AttentionExample]:
        return [AttentionExample(list("ab c"), list("xy" * (3 * n + 1)), torch.softmax(torch.randn(6 * n + 2, 4), -1))
                for n in range(3)]


class SilentTask(TinyTask):
    def attention_examples(self) -> List[AttentionExample]:
        return []


def logged_images(task: pl.LightningModule, tmp_path: Path, callback: AttentionMaps) -> Dict[str, list]:
    """Trains ``task`` one step with ``callback`` and returns the images of the event file by tag."""
    logger = TensorBoardLogger(tmp_path)
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=1, limit_val_batches=1, logger=logger,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         log_every_n_steps=1, callbacks=[callback])
    trainer.fit(task)
    events = EventAccumulator(logger.log_dir, size_guidance={"images": 0})
    events.Reload()
    return {tag: events.Images(tag) for tag in events.Tags()["images"]}


def test_logs_one_image_per_example_after_validation_only(tmp_path) -> None:
    images = logged_images(AttendingTask(), tmp_path, AttentionMaps(max_examples=2))
    assert sorted(images) == ["attention/example_0", "attention/example_1"]
    for events in images.values():
        assert [event.step for event in events] == [1]  # none from the sanity check
        assert events[0].encoded_image_string.startswith(b"\x89PNG")
    assert images["attention/example_1"][0].height > images["attention/example_0"][0].height  # more output tokens


def test_tasks_without_attention_log_nothing(tmp_path) -> None:
    assert logged_images(TinyTask(), tmp_path / "none", AttentionMaps()) == {}
    assert logged_images(SilentTask(), tmp_path / "empty", AttentionMaps()) == {}
