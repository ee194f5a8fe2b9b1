"""The long-range memory problems as a LightningModule: the adding problem and copy memory.

adding (``task=adding``): loss MSE of ŷ against the sum of the two marked values; main metric ``val/mse``
(min). Predicting 1 whatever the input scores 1/6 ≈ 0.167 (the variance of U1 + U2): ``val/baseline_mse``
is that baseline on the validation targets, and ``val/beats_baseline`` is 1 when ``val/mse`` is below it.

copy (``task=copy_memory``): loss cross-entropy at every step (blanks included, as Arjovsky et al.);
main metric ``val/accuracy`` (max): the symbols right among the last ``copy_length`` steps (the only
non-blank targets), and ``val/exact_match``, the sequences copied without a mistake. The memoryless
baseline's cross-entropy is ``copy_length * log(copy_symbols) / (T + 2 copy_length)`` per step, its accuracy
1 / copy_symbols.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics import MeanMetric, MeanSquaredError
from torchmetrics.classification import MulticlassAccuracy

from seqmodels.data.batching.memory_problem import MemoryBatch
from seqmodels.data.corpora.memory_problems import BLANK
from seqmodels.errors import ConfigError
from seqmodels.models.memory_model import PROBLEMS, MemoryModel
from seqmodels.tasks.base import MAX, MIN, SequenceTask

EVALUATED = ("val", "test")
MAIN_METRICS = {"adding": "val/mse", "copy": "val/accuracy"}  # by problem


class MemoryProblemTask(SequenceTask):
    """Args: problem ("adding" | "copy"), input_size, num_outputs (from the data); model: the ``model`` config;
    optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`."""

    main_metrics = {"val/mse": MIN, "val/accuracy": MAX}

    def __init__(
        self,
        problem: str,
        input_size: int,
        num_outputs: int,
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        lr_decay: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(optimizer, lr_decay)
        if problem not in PROBLEMS:
            raise ConfigError(f"data.problem={problem!r}: choose one of {list(PROBLEMS)}")
        self.save_hyperparameters(logger=False)
        self.problem = problem
        self.main_metric = MAIN_METRICS[problem]
        self.network: MemoryModel = self.build_network(  # type: ignore[assignment]
            MemoryModel, model, problem=problem, input_size=input_size, num_outputs=num_outputs)
        if problem == "adding":
            self.mse = torch.nn.ModuleDict({s: MeanSquaredError() for s in EVALUATED})
            self.baseline_mse = torch.nn.ModuleDict({s: MeanSquaredError() for s in EVALUATED})
        else:
            self.accuracy = torch.nn.ModuleDict({s: MulticlassAccuracy(num_outputs, average="micro")
                                                 for s in EVALUATED})
            self.exact_match = torch.nn.ModuleDict({s: MeanMetric() for s in EVALUATED})

    def forward(self, inputs: Tensor) -> Tensor:
        return self.network(inputs)

    def _step(self, batch: MemoryBatch, stage: str) -> Tensor:
        outputs = self(batch.inputs)
        size = batch.targets.size(0)
        if self.problem == "adding":
            predicted = outputs.float()
            loss = F.mse_loss(predicted, batch.targets)
            if stage in EVALUATED:
                self.mse[stage].update(predicted, batch.targets)
                self.baseline_mse[stage].update(torch.ones_like(batch.targets), batch.targets)
        else:
            logits = outputs.float()
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.targets.reshape(-1))
            if stage in EVALUATED:
                recalled = batch.targets != BLANK                      # the last copy_length steps
                guesses = logits.argmax(dim=-1)
                self.accuracy[stage].update(guesses[recalled], batch.targets[recalled])
                right = ((guesses == batch.targets) | ~recalled).all(dim=1)
                self.exact_match[stage].update(right.float())
        self.log_loss(stage, loss, size)
        return loss

    def _log_scores(self, stage: str) -> Tensor:
        if self.problem == "adding":
            mse, baseline = self.mse[stage].compute(), self.baseline_mse[stage].compute()
            self.log(f"{stage}/baseline_mse", baseline)
            self.log(f"{stage}/beats_baseline", (mse < baseline).float())
            self.mse[stage].reset()
            self.baseline_mse[stage].reset()
            return mse
        accuracy = self.accuracy[stage].compute()
        self.log(f"{stage}/exact_match", self.exact_match[stage].compute())
        self.accuracy[stage].reset()
        self.exact_match[stage].reset()
        return accuracy

    def on_validation_epoch_end(self) -> None:
        self.log_main_metric(self._log_scores("val"))

    def on_test_epoch_end(self) -> None:
        self.log(self.main_metric.replace("val/", "test/", 1), self._log_scores("test"))
