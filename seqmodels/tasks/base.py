"""What every seqmodels task (a LightningModule) shares.

- its main validation metric (``main_metric``, ``main_metric_mode``): the checkpoint monitor,
  the metric a sweep optimises, and ``hp/best`` in TensorBoard's HPARAMS tab;
- the optimiser and LR decay, built from plain config;
- building its network from the ``model`` config, with bad options reported by name;
- safe checkpoint loading (weights only: no arbitrary pickle from an untrusted file);
- ``example_texts()`` and ``text_reports()``, which :class:`~seqmodels.callbacks.TextSamples` writes to
  TensorBoard.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, TypeVar, Union

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities import rank_zero_info
from torch import nn

from seqmodels.checkpoints import check_task_kind, read_checkpoint, task_class_name
from seqmodels.checkpoints.compatibility import TASK_KEY
from seqmodels.data.vocabulary import SPECIALS, Vocabulary
from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import pretrained_embedding
from seqmodels.tasks.optimization import build_lr_decay, build_optimizer

HP_METRIC = "hp/best"
TaskT = TypeVar("TaskT", bound="SequenceTask")


class SequenceTask(pl.LightningModule):
    """Base class of the tasks. Subclasses set ``main_metric``/``main_metric_mode`` and call
    ``save_hyperparameters()`` with plain values only."""

    main_metric: str = "val/loss"
    main_metric_mode: str = "min"
    reload_overrides: Dict[str, Any] = {}  # hyperparameters replaced when loading a trained task (no re-reading files)

    def __init__(self, optimizer: Mapping[str, Any], lr_decay: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        self.optimizer_config = dict(optimizer)
        self.lr_decay_config = dict(lr_decay) if lr_decay else None
        self.best_score: Optional[float] = None

    @staticmethod
    def build_network(factory: Callable[..., nn.Module], **options: Any) -> nn.Module:
        """``factory(**options)``, with a bad option reported as a ConfigError naming ``model.*``."""
        try:
            return factory(**options)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"model: {error}") from error

    @staticmethod
    def load_word_vectors(network: nn.Module, words: Vocabulary, path: Optional[str], freeze: bool) -> None:
        """``network.embedding`` from a word2vec / GloVe file when ``path`` is given (coverage reported),
        and frozen when ``freeze``; shared by the tasks that read words."""
        if path:
            embedding, coverage = pretrained_embedding(words.tokens, path, padding_idx=words.pad_id,
                                                       specials=words.tokens[:len(SPECIALS)])
            if embedding.embedding_dim != network.embedding.embedding_dim:
                raise ConfigError(f"task.pretrained_vectors={path}: its vectors have {embedding.embedding_dim} values, "
                                  f"model.embedding_size is {network.embedding.embedding_dim}; make them equal")
            if coverage.found == 0:
                raise DataError(f"{path}: its vectors cover none of the {coverage.total} vocabulary words (e.g. "
                                f"{list(coverage.missing_examples[:5])}); is it the right file, and the right case?")
            network.embedding = embedding
            rank_zero_info(f"{path}: {coverage}")
        network.embedding.weight.requires_grad_(not freeze)

    def _step(self, batch: Any, stage: str) -> torch.Tensor:
        """The loss of ``batch``, with the metrics of ``stage`` ("train", "val" or "test") updated and logged."""
        raise NotImplementedError

    def log_loss(self, stage: str, loss: torch.Tensor, batch_size: int) -> None:
        """``<stage>/loss``: per step and per epoch in training (progress bar), per epoch otherwise; under DDP the
        evaluation loss is averaged over the processes (each process's mean weighted by its batch sizes)."""
        training = stage == "train"
        self.log(f"{stage}/loss", loss, on_step=training, on_epoch=True, prog_bar=training, sync_dist=not training,
                 batch_size=batch_size)

    def training_step(self, batch: Any, batch_index: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Any, batch_index: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: Any, batch_index: int) -> None:
        self._step(batch, "test")

    def configure_optimizers(self) -> Dict[str, Any]:
        optimizer = build_optimizer(self.parameters(), self.optimizer_config)
        decay = build_lr_decay(optimizer, self.lr_decay_config, self.main_metric, self.main_metric_mode)
        return {"optimizer": optimizer, **({"lr_scheduler": decay} if decay else {})}

    def log_main_metric(self, value: torch.Tensor) -> None:
        """Log the main validation metric and its best value so far (``hp/best``)."""
        self.log(self.main_metric, value, prog_bar=True)
        if self.trainer.sanity_checking:
            return
        score = float(value)
        better = max if self.main_metric_mode == "max" else min
        if self.best_score is None or math.isnan(self.best_score):
            self.best_score = score
        else:
            self.best_score = better(self.best_score, score)
        self.log(HP_METRIC, self.best_score)

    def on_save_checkpoint(self, checkpoint: Dict[str, Any]) -> None:
        checkpoint["best_score"] = self.best_score  # so hp/best survives a resume
        checkpoint[TASK_KEY] = task_class_name(type(self))  # which task can load it (checked when loading)

    def on_load_checkpoint(self, checkpoint: Dict[str, Any]) -> None:
        self.best_score = checkpoint.get("best_score")

    def example_texts(self) -> List[str]:
        """A few model outputs worth reading (samples, translations, ...) for TensorBoard."""
        return []

    def word_embedding(self) -> nn.Embedding:
        """The word embedding matrix E (``network.embedding``)."""
        return self.network.embedding

    def embedding_words(self) -> List[str]:
        """The words of ``network.embedding``'s rows, for TensorBoard's projector; [] when there is none."""
        return []

    def text_reports(self) -> Dict[str, str]:
        """Markdown reports for TensorBoard's TEXT tab, by tag (e.g. a per-class score table)."""
        return {}

    @classmethod
    def load(cls: type[TaskT], path: Union[str, Path], map_location: str = "cpu") -> TaskT:
        """A trained task from a checkpoint written by ``train.py``, loaded weights-only and checked against its
        weights' digest, in eval mode; a checkpoint of another task is a one-line error naming both."""
        checkpoint = read_checkpoint(path, map_location=map_location)
        check_task_kind(checkpoint, task_class_name(cls), str(path))
        try:
            task = cls.load_from_checkpoint(path, map_location=map_location, weights_only=True, **cls.reload_overrides)
        except (RuntimeError, KeyError, TypeError, ValueError) as error:
            raise DataError(
                f"{path}: cannot load it as a {cls.__name__} checkpoint written by seqmodels "
                f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
            ) from error
        return task.eval()
