"""GradientFlow: per-step ‖∂L/∂a<t>‖ once per epoch (scalars and a figure) and the global gradient norm
before and after clipping every step."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import TensorBoardLogger
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seqmodels.callbacks import GradientFlow
from seqmodels.nn import Recurrent
from seqmodels.tasks.base import SequenceTask

STEPS_PER_EPOCH = 3
CLIP = 0.01


class Network(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.recurrent = Recurrent("lstm", 3, 4, num_layers=2, bidirectional=True)
        self.head = nn.Linear(8, 1)


class RecurrentTask(SequenceTask):
    """GradientFlow searches the task's declared ``network`` for Recurrent layers."""

    def __init__(self) -> None:
        super().__init__({"name": "sgd", "lr": 0.1})
        torch.manual_seed(0)
        self.network = Network()
        self.backends_seen: List[str] = []

    def training_step(self, batch, batch_index):
        x, y = batch
        self.backends_seen.append(self.network.recurrent.backend)
        outputs, _ = self.network.recurrent(x)
        return (self.network.head(outputs).squeeze(-1) - y).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        torch.manual_seed(1)
        return DataLoader(TensorDataset(torch.randn(2 * STEPS_PER_EPOCH, 7, 3), torch.randn(2 * STEPS_PER_EPOCH, 7)),
                          batch_size=2)


def train(tmp_path: Path, callback: GradientFlow, **trainer_options) -> Dict[str, list]:
    task = RecurrentTask()
    logger = TensorBoardLogger(tmp_path)
    trainer = pl.Trainer(max_epochs=2, logger=logger, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, log_every_n_steps=1, callbacks=[callback], **trainer_options)
    trainer.fit(task)
    assert task.network.recurrent.backend == "auto"  # restored after every recorded step
    recorded = ["reference", "auto", "auto"]  # the first step of each recorded epoch runs on the reference backend
    expected = recorded * 2 if callback.every_n_epochs == 1 else recorded + ["auto"] * STEPS_PER_EPOCH
    assert task.backends_seen == expected
    events = EventAccumulator(logger.log_dir, size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    logged = {tag: events.Scalars(tag) for tag in events.Tags()["scalars"]}
    logged.update({tag: events.Images(tag) for tag in events.Tags()["images"]})
    return logged


def test_logs_gradient_flow_and_clipping(tmp_path) -> None:
    callback = GradientFlow(every_n_epochs=1)
    logged = train(tmp_path, callback, gradient_clip_val=CLIP)
    layers = ["layer0", "layer0_reverse", "layer1", "layer1_reverse"]
    for layer in layers:
        for name in ("first_step", "last_step", "first_over_last"):
            values = logged[f"gradient_flow/{layer}/{name}"]
            assert [event.step for event in values] == [0, STEPS_PER_EPOCH]  # first step of each epoch
            assert all(event.value > 0 for event in values)
        first, last, ratio = (logged[f"gradient_flow/{layer}/{n}"][0].value
                              for n in ("first_step", "last_step", "first_over_last"))
        assert ratio == pytest.approx(first / last, rel=1e-5)
    images = logged["gradient_flow/norms"]
    assert len(images) == 2 and images[0].encoded_image_string.startswith(b"\x89PNG")

    before = [event.value for event in logged["grad_norm/before_clip"]]
    after = [event.value for event in logged["grad_norm/after_clip"]]
    clipped = [event.value for event in logged["grad_norm/clipped_steps"]]
    assert len(before) == len(after) == len(clipped) == 2 * STEPS_PER_EPOCH
    assert all(b > CLIP for b in before)
    assert all(a <= CLIP + 1e-6 for a in after)
    assert clipped == list(range(1, 2 * STEPS_PER_EPOCH + 1)) and callback.clipped_steps == 2 * STEPS_PER_EPOCH


def test_no_clipping_and_value_clipping(tmp_path) -> None:
    logged = train(tmp_path / "none", GradientFlow())
    assert [event.value for event in logged["grad_norm/clipped_steps"]] == [0.0] * (2 * STEPS_PER_EPOCH)
    before = [event.value for event in logged["grad_norm/before_clip"]]
    after = [event.value for event in logged["grad_norm/after_clip"]]
    assert after == pytest.approx(before)  # nothing clipped: the same gradients

    callback = GradientFlow(every_n_epochs=2)
    logged = train(tmp_path / "value", callback, gradient_clip_val=1e-4, gradient_clip_algorithm="value")
    assert callback.clipped_steps == 2 * STEPS_PER_EPOCH
    assert [event.step for event in logged["gradient_flow/layer0/first_step"]] == [0]  # epoch 0 only


def test_step_that_raises_restores_the_backend(tmp_path) -> None:
    class Failing(RecurrentTask):
        def training_step(self, batch, batch_index):
            super().training_step(batch, batch_index)
            raise RuntimeError("boom")

    task = Failing()
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[GradientFlow()])
    with pytest.raises(RuntimeError, match="boom"):
        trainer.fit(task)
    assert task.backends_seen == ["reference"]
    assert task.network.recurrent.backend == "auto" and task.network.recurrent._state_recorder is None


def test_without_a_tensorboard_logger_nothing_breaks(tmp_path) -> None:
    task = RecurrentTask()
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[GradientFlow()], gradient_clip_val=CLIP,
                         default_root_dir=tmp_path)
    trainer.fit(task)
    assert task.network.recurrent.backend == "auto"


def test_a_task_without_a_recurrent_layer_is_told_so(tmp_path) -> None:
    class Plain(RecurrentTask):
        def __init__(self) -> None:
            super().__init__()
            self.network = nn.Linear(3, 1)

        def training_step(self, batch, batch_index):
            x, y = batch
            return (self.network(x).squeeze(-1) - y).pow(2).mean()

    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[GradientFlow()])
    with pytest.warns(UserWarning, match="Plain has no Recurrent layer"):
        trainer.fit(Plain())


@pytest.mark.parametrize("options,message", [({"every_n_epochs": 0}, "every_n_epochs must be an int >= 1"),
                                             ({"max_steps_shown": 0}, "max_steps_shown must be >= 1")])
def test_bad_options_are_named(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        GradientFlow(**options)
