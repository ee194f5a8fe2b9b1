"""What every seqmodels task (a LightningModule) shares.

- its main validation metric (``main_metric``) and the direction in which it improves, declared once in
  ``main_metrics``: the checkpoint monitor and mode, the metric a sweep optimises (and in which direction), the
  LR decay's mode, and ``hp/best`` in TensorBoard's HPARAMS tab;
- the optimiser and LR decay, built from plain config;
- building its ``network`` from the ``model`` config, with bad options reported by name;
- safe checkpoint loading (weights only: no arbitrary pickle from an untrusted file), and a registry of the task
  classes by the name a checkpoint carries (:func:`seqmodels.load`);
- what the callbacks read, each with a default: ``example_texts()`` and ``text_reports()``
  (:class:`~seqmodels.callbacks.TextSamples`), ``word_embedding()`` and ``embedding_words()``
  (:class:`~seqmodels.callbacks.EmbeddingProjector`, :class:`~seqmodels.callbacks.ExportVectors`),
  ``attention_examples()`` (:class:`~seqmodels.callbacks.AttentionMaps`), ``network``
  (:class:`~seqmodels.callbacks.GradientFlow`).
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, List, Mapping, Optional, Tuple, TypeVar, Union

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities import rank_zero_info
from torch import nn

from seqmodels.checkpoints import check_task_kind, read_checkpoint, task_class_name
from seqmodels.checkpoints.compatibility import TASK_KEY
from seqmodels.data.encoding.vocabulary import SPECIALS, Vocabulary
from seqmodels.errors import ConfigError, DataError, SeqmodelsError
from seqmodels.nn.embedding import pretrained_embedding
from seqmodels.nn.recurrent_options import RecurrentOptions
from seqmodels.tasks.optimization import build_lr_decay, build_optimizer
from seqmodels.tasks.registry import register_task

if TYPE_CHECKING:
    from seqmodels.plots import AttentionExample

HP_METRIC = "hp/best"
MIN, MAX = "min", "max"  # the direction in which a metric improves (Lightning's ModelCheckpoint modes)
TaskT = TypeVar("TaskT", bound="SequenceTask")


class SequenceTask(pl.LightningModule):
    """Base class of the tasks. A subclass declares ``main_metrics`` (and sets ``main_metric`` in ``__init__`` when
    an option chooses among them), builds ``self.network`` and calls ``save_hyperparameters()`` with plain values.
    Defining a subclass registers it, so that :func:`seqmodels.load` finds it by the name its checkpoints carry."""

    main_metrics: ClassVar[Mapping[str, str]] = {"val/loss": MIN}
    """Every main validation metric the task can report, and the direction in which it improves (MIN or MAX):
    the one place that direction is declared (configs/train.yaml's ``optimized_mode`` asks :meth:`metric_mode`)."""
    next_commands: ClassVar[Tuple[str, ...]] = ()
    """Command lines to try with a trained checkpoint, ``{ckpt}`` standing for its path: train.py ends a run's
    summary with them (``seqmodels sample --ckpt {ckpt}`` ...)."""
    export_kind: ClassVar[Optional[str]] = None
    """What ``seqmodels export`` writes of this task's network: "language_model", "tagger", "classifier" or
    "seq2seq" (see :mod:`seqmodels.export`), or None when it cannot be exported. Subclasses inherit it."""
    main_metric: str  # the one of main_metrics this task reports: the first, unless an option chooses another
    network: nn.Module  # the network the task trains (built from the ``model`` config in ``__init__``)
    reload_overrides: Dict[str, Any] = {}  # hyperparameters replaced when loading a trained task (no re-reading files)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_task(cls)

    def __init__(self, optimizer: Mapping[str, Any], lr_decay: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__()
        self.optimizer_config = dict(optimizer)
        self.lr_decay_config = dict(lr_decay) if lr_decay else None
        self.best_score: Optional[float] = None
        self.main_metric = next(iter(self.main_metrics))

    @classmethod
    def metric_mode(cls, metric: str) -> str:
        """MIN or MAX: the direction in which ``metric``, one of ``main_metrics``, improves."""
        if metric not in cls.main_metrics:
            raise ConfigError(f"optimized_metric={metric!r}: a {cls.__name__} reports {list(cls.main_metrics)} as "
                              "its main metric")
        return cls.main_metrics[metric]

    @property
    def main_metric_mode(self) -> str:
        """The direction in which ``main_metric`` improves: MIN or MAX."""
        return self.metric_mode(self.main_metric)

    @staticmethod
    def build_network(factory: Callable[..., nn.Module], model: Optional[Mapping[str, Any]] = None,
                      **options: Any) -> nn.Module:
        """``factory(**options)``; with the flat ``model`` config also ``recurrent=`` its recurrent options and the
        rest of it as keyword arguments (:meth:`RecurrentOptions.split`). A bad option is a ConfigError naming
        ``model.*``."""
        try:
            if model is not None:
                settable = [name for name in inspect.signature(factory).parameters  # the task sets the others
                            if name != "recurrent" and name not in options]
                recurrent, rest = RecurrentOptions.split(model, settable)
                options = {"recurrent": recurrent, **rest, **options}
            return factory(**options)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"model: {error}") from error

    @staticmethod
    def load_word_vectors(network: nn.Module, words: Vocabulary, path: Optional[str], freeze: bool) -> None:
        """``network.embedding`` from a word2vec / GloVe file when ``path`` is given (coverage reported),
        and frozen when ``freeze``; shared by the tasks that read words. A ``model.embedding_size`` above the
        vectors' d adds learned columns: row i is [v_i, r_i] with r_i random (not with ``freeze``)."""
        if path:
            size = network.embedding.embedding_dim
            try:
                embedding, coverage = pretrained_embedding(words.tokens, path, padding_idx=words.pad_id, freeze=freeze,
                                                           specials=words.tokens[:len(SPECIALS)], size=size)
            except SeqmodelsError:
                raise                     # the file's own faults name it already
            except ValueError as error:   # sizes that do not fit
                raise ConfigError(f"task.pretrained_vectors, model.embedding_size={size}: {error}") from error
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
        optimizer = build_optimizer(self.parameters(), self.optimizer_config,
                                    allow_fused=not self._runs_mixed_precision())
        decay = build_lr_decay(optimizer, self.lr_decay_config, self.main_metric, self.main_metric_mode,
                               lambda: self.trainer.estimated_stepping_batches)
        return {"optimizer": optimizer, **({"lr_scheduler": decay} if decay else {})}

    def _runs_mixed_precision(self) -> bool:
        """16-mixed or bf16-mixed: Lightning's mixed-precision plugin refuses to clip the gradients of a fused
        optimiser (it would unscale them itself), so those runs keep the loop over tensors."""
        return self._trainer is not None and str(self.trainer.precision).endswith("-mixed")

    def log_main_metric(self, value: torch.Tensor) -> None:
        """Log the main validation metric and its best value so far (``hp/best``)."""
        self.log(self.main_metric, value, prog_bar=True)
        if self.trainer.sanity_checking:
            return
        score = float(value)
        better = max if self.main_metric_mode == MAX else min
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

    def evaluation_extras(self, test_again: Callable[[], Dict[str, float]]) -> Dict[str, Union[float, str]]:
        """What ``eval.py`` reports besides the ``test/`` metrics ``trainer.test`` logged: ``test_again()`` runs
        the test once more with the task as it is then (and returns those metrics). Nothing by default."""
        return {}

    def attention_examples(self) -> List[AttentionExample]:
        """The attention maps α (output tokens × source tokens) of a few validation examples, for TensorBoard's
        IMAGES tab; [] for a task without attention."""
        return []

    @classmethod
    def load(cls: type[TaskT], path: Union[str, Path], map_location: str = "cpu") -> TaskT:
        """A trained task from a checkpoint written by ``train.py``, loaded weights-only and checked against its
        weights' digest, in eval mode; a checkpoint of another task is a one-line error naming both.
        (:func:`seqmodels.load` does the same for whichever task wrote the checkpoint.)"""
        return cls.restore(path, read_checkpoint(path, map_location=map_location), map_location)

    @classmethod
    def restore(cls: type[TaskT], path: Union[str, Path], checkpoint: Mapping[str, Any],
                map_location: str = "cpu") -> TaskT:
        """The task in ``checkpoint``, which :func:`~seqmodels.checkpoints.read_checkpoint` read from ``path``
        (weights-only, digest checked), in eval mode; a checkpoint of another task is a one-line error."""
        check_task_kind(checkpoint, task_class_name(cls), str(path))
        try:
            task = cls.load_from_checkpoint(path, map_location=map_location, weights_only=True, **cls.reload_overrides)
        except (RuntimeError, KeyError, TypeError, ValueError) as error:
            raise DataError(
                f"{path}: cannot load it as a {cls.__name__} checkpoint written by seqmodels "
                f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
            ) from error
        return task.eval()
