"""``run(cfg)``: the whole training run a Hydra config describes.

data -> vocabulary -> task (network + loss + metrics) -> callbacks, loggers -> Trainer ->
fit (resuming from ``ckpt_path``) -> test on the best checkpoint -> the metrics, which
``train.py`` hands back to a sweeper (``optimized_metric``).

Each run folder (``paths.output_dir``) ends up holding ``config.yaml`` (resolved),
``checkpoints/`` (``last.ckpt``, ``best-*.ckpt``), the vocabulary beside them (``vocab.json``),
``tensorboard/`` (the events), ``metrics.json`` (what ``run`` returns; a sweep's summary reads it) and, under
Hydra, ``train.log``. The closing summary ends with the task's ``next_commands`` on the trained checkpoint.

Importing this module changes no global state: the configs' resolvers are registered by
:func:`seqmodels.resolvers.register_resolvers`, which ``train.py`` calls before Hydra composes the config; ``run``
routes Lightning's log messages to the root logger when one is configured (Hydra's ``train.log``).
"""

from __future__ import annotations

import json
import logging
import math
import shlex
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytorch_lightning as pl
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.callbacks import ModelSummary
from pytorch_lightning.loggers import Logger, TensorBoardLogger
from pytorch_lightning.utilities import rank_zero_info, rank_zero_only
from pytorch_lightning.utilities.exceptions import MisconfigurationException

from seqmodels.callbacks.divergence import DivergenceGuard
from seqmodels.callbacks.model_summary import ParameterSummary
from seqmodels.callbacks.results import ResultsCallback
from seqmodels.callbacks.resume_state import ResumeState
from seqmodels.checkpoints import SafeCheckpointIO, read_checkpoint
from seqmodels.checkpoints.compatibility import check_resumable, check_task_kind
from seqmodels.cpu_precision import checked_precision
from seqmodels.data.modules.base import TaskData
from seqmodels.errors import ConfigError, DataError
from seqmodels.tasks.base import HP_METRIC, MAX, SequenceTask

# Lightning 2.6 calls a torch.utils._pytree check that torch >= 2.10 deprecates: nothing a user can act on.
LIGHTNING_PYTREE_WARNING = r"`isinstance\(treespec, LeafSpec\)` is deprecated"
_LIGHTNING_LOGGERS = ("pytorch_lightning", "lightning_fabric")
_ADVERTISED = ("litlogger", "litmodels")  # the packages Lightning's tips advertise


def _no_advert(record: logging.LogRecord) -> bool:
    """False for Lightning's "Tip: ... try installing litlogger" (every run) and "... litmodels" (a run without a
    ModelCheckpoint: callbacks=none) lines, which advertise cloud services."""
    return not any(package in str(record.msg) for package in _ADVERTISED)


def run(cfg: DictConfig) -> Dict[str, float]:
    """Train, test and return every logged metric (floats), e.g. ``{"val/ppl": 4.2, "test/ppl": 4.5}``."""
    configure_lightning_logging()
    with warnings.catch_warnings():  # restored when the run ends
        warnings.filterwarnings("ignore", message=LIGHTNING_PYTREE_WARNING, category=FutureWarning)
        return _run(cfg)


def configure_lightning_logging() -> None:
    """Without Lightning's advertising tip. Lightning's loggers keep their messages to their own console handler
    (``propagate=False``) when they are imported before logging is configured: under Hydra, which sets the root
    logger's console and ``train.log`` handlers, they hand them to the root instead, so that the run folder's
    train.log holds the run's log."""
    rank_zero_messages = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    if _no_advert not in rank_zero_messages.filters:
        rank_zero_messages.addFilter(_no_advert)
    if not logging.getLogger().handlers:  # no Hydra (a library call, a test): leave Lightning's console alone
        return
    for name in _LIGHTNING_LOGGERS:
        lightning = logging.getLogger(name)
        for handler in list(lightning.handlers):
            lightning.removeHandler(handler)
        lightning.propagate = True


def _run(cfg: DictConfig) -> Dict[str, float]:
    check_accelerator(OmegaConf.select(cfg, "trainer.accelerator"))
    _check_run_options(cfg)
    if cfg.get("seed") is not None:
        pl.seed_everything(cfg.seed, workers=True)
    output_dir = Path(cfg.paths.output_dir)
    ckpt_path = cfg.get("ckpt_path")
    checkpoint = read_checkpoint(ckpt_path, option="ckpt_path=") if ckpt_path else None
    if checkpoint is not None:
        check_task_kind(checkpoint, cfg.task.get("_target_", ""), f"ckpt_path={ckpt_path}")
    datamodule: TaskData = build(cfg.data, "data")
    if checkpoint is not None:
        datamodule.restore_encoding(_checkpoint_encoding(checkpoint, ckpt_path, datamodule.encoding_hparam))
    datamodule.prepare_data()
    datamodule.setup("fit")
    model_options = OmegaConf.to_container(cfg.model, resolve=True)
    task: SequenceTask = build(cfg.task, "task", model=model_options, **datamodule.task_arguments())
    if checkpoint is not None:
        check_resumable(checkpoint, task, f"ckpt_path={ckpt_path}")
    if cfg.get("compile"):
        task.network.compile()  # in place: the state_dict keys (and so the checkpoints) stay the same
    _check_objective(cfg, task)
    # never switched off: a diverging run stops at once, and a resumed run draws the same random numbers
    callbacks = [*_build_all(cfg.get("callbacks"), "callbacks"), DivergenceGuard(), ResumeState()]
    callbacks += _model_summary(cfg, callbacks)
    loggers: List[Logger] = _build_all(cfg.get("logger"), "logger")
    # enable_model_summary=False: Lightning adds none of its own (ours, or the user's, is in the callbacks)
    # bf16 on a CPU without bf16 instructions: 32-true instead (said in one line)
    precision = checked_precision(OmegaConf.select(cfg, "trainer.precision"),
                                  OmegaConf.select(cfg, "trainer.accelerator"))
    trainer: pl.Trainer = build(cfg.trainer, "trainer", callbacks=callbacks, logger=loggers or False,
                                 plugins=[SafeCheckpointIO()], enable_model_summary=False, precision=precision)
    _write_run_files(cfg, datamodule, output_dir, loggers, task)

    if cfg.get("train", True):
        trainer.fit(task, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
    metrics = floats(trainer.callback_metrics)
    if cfg.get("test", True) and datamodule.has_test:
        # after training: the best checkpoint (else the last weights); without training: ckpt_path's weights
        best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
        tested = (best or None) if cfg.get("train", True) else ckpt_path
        trainer.test(task, datamodule=datamodule, ckpt_path=tested, weights_only=True)
        metrics.update(floats(trainer.callback_metrics))
    for callback in callbacks:
        if isinstance(callback, ResultsCallback):
            metrics.update(callback.results)
    _write_metrics(output_dir, metrics)
    _print_summary(output_dir, metrics, task, trainer)
    return metrics


# trainer options read deep inside Lightning's loops, where a wrong type is an assertion, not a message
_TRAINER_INTEGERS = ("max_epochs", "min_epochs", "max_steps", "min_steps", "log_every_n_steps",
                     "check_val_every_n_epoch", "accumulate_grad_batches", "num_sanity_val_steps")
_TRAINER_AMOUNTS = ("gradient_clip_val", "limit_train_batches", "limit_val_batches", "limit_test_batches",
                    "val_check_interval", "overfit_batches")


def _check_run_options(cfg: DictConfig) -> None:
    """The top-level options are what they must be before anything is built: a seed is an integer, the
    switches are booleans, a run that does not train tests a checkpoint it is given, and the trainer's counts
    and amounts are numbers (Lightning checks their ranges)."""
    seed = cfg.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigError(f"seed={seed!r}: must be an integer (or null for a random start)")
    for switch in ("train", "test", "compile"):
        if not isinstance(cfg.get(switch, False), bool):
            raise ConfigError(f"{switch}={cfg.get(switch)!r}: must be true or false")
    trainer = cfg.get("trainer") or {}
    for name in _TRAINER_INTEGERS:
        value = trainer.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"trainer.{name}={value!r}: must be an integer")
    for name in _TRAINER_AMOUNTS:
        value = trainer.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise ConfigError(f"trainer.{name}={value!r}: must be a number >= 0 (or null)")
    if not cfg.get("train", True) and not cfg.get("ckpt_path"):
        raise ConfigError("train=false needs ckpt_path=<checkpoint> to test: without one it would test an "
                          "untrained, random model")


def _check_objective(cfg: DictConfig, task: SequenceTask) -> None:
    """``optimized_metric`` is the task's main metric, and ``optimized_mode`` the direction the task declares for
    it (configs/train.yaml derives it from the task: only an override can contradict it)."""
    if task.main_metric != cfg.optimized_metric:
        raise ConfigError(f"optimized_metric={cfg.optimized_metric!r}, but this task reports {task.main_metric!r}")
    mode, declared = cfg.get("optimized_mode"), task.main_metric_mode
    if mode != declared:
        better = "higher" if declared == MAX else "lower"
        raise ConfigError(f"optimized_mode={mode}, but {task.main_metric} is better when {better} ({declared}): "
                          "the checkpoint would keep the worst model; leave optimized_mode out, it follows the task")


def _model_summary(cfg: DictConfig, callbacks: List[pl.Callback]) -> List[pl.Callback]:
    """The summary of the task's modules printed when training starts, without Lightning's FLOPs column (all 0
    here): none when trainer.enable_model_summary=false or the callbacks hold a ModelSummary of their own."""
    if not OmegaConf.select(cfg, "trainer.enable_model_summary", default=True):
        return []
    return [] if any(isinstance(callback, ModelSummary) for callback in callbacks) else [ParameterSummary()]


def check_accelerator(accelerator: Optional[str]) -> None:
    """A GPU trainer on a machine without CUDA is a one-line error, before anything is built."""
    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise ConfigError(f"trainer.accelerator={accelerator}, but this machine has no CUDA GPU "
                          f"(torch.cuda.is_available() is False: a CPU build of torch, or no driver); use trainer=cpu")


def build(node: Any, option: str, **kwargs: Any) -> Any:
    """instantiate(node) with plain containers, called with ``kwargs`` as they are (the objects and the
    vocabularies the program made: merged into the config, a 30,000-word vocabulary would become 30,000 config
    nodes, seconds of start-up); a bad option becomes a ConfigError naming it."""
    if node is None or "_target_" not in node:
        raise ConfigError(f"the config has no {option}._target_: choose a {option} (e.g. {option}=<name>)")
    try:
        construct = instantiate(node, _convert_="all", _partial_=True)
        try:
            return construct(**kwargs)
        except Exception as error:  # reported as Hydra reports the constructors it calls itself
            raise InstantiationException(f"Error in call to target '{node._target_}':\n{error!r}\n"
                                         f"full_key: {option}") from error
    except Exception as error:  # Hydra wraps whatever the constructor raised
        cause = error
        while cause.__cause__ is not None and not isinstance(cause, (ConfigError, DataError)):
            cause = cause.__cause__
        if isinstance(cause, (ConfigError, DataError)):
            raise cause from None
        if isinstance(cause, (TypeError, ValueError, MisconfigurationException)):
            raise ConfigError(f"{option}: {str(cause).strip().splitlines()[0]}") from error
        if isinstance(cause, ModuleNotFoundError):  # logger=wandb without wandb installed ...
            raise ConfigError(f"{option}: a package it needs is not installed ({cause})") from error
        raise


def _build_all(node: Optional[DictConfig], option: str) -> List[Any]:
    """Every entry of a dict of ``_target_`` configs (null entries skipped)."""
    if not node:
        return []
    return [build(entry, f"{option}.{name}") for name, entry in node.items() if entry is not None]


def _checkpoint_encoding(checkpoint: Dict[str, Any], ckpt_path: str, key: str) -> Any:
    """What a checkpoint's data was encoded with (its hyperparameter ``key``: a vocabulary, the memory problem):
    resuming must not renumber the tokens."""
    hparams = checkpoint.get("hyper_parameters", {})
    if key not in hparams:
        raise ConfigError(f"ckpt_path={ckpt_path}: the checkpoint holds no vocabulary for this task; was it written "
                          f"by train.py with the same task?")
    return hparams[key]


@rank_zero_only
def _write_run_files(cfg: DictConfig, datamodule: TaskData, output_dir: Path, loggers: List[Logger],
                     task: SequenceTask) -> None:
    """The resolved config, the vocabulary JSON beside checkpoints/, the hparams for TensorBoard."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"paths.output_dir={output_dir}: cannot create the run folder ({error.strerror or error}); "
                          "point paths.log_dir (SEQMODELS_LOG_DIR) at a writable folder") from None
    OmegaConf.save(cfg, output_dir / "config.yaml", resolve=True)
    for name, value in datamodule.encoding_files().items():  # the vocabularies, the tag or label set
        (output_dir / f"{name}.json").write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n",
                                                 encoding="utf-8")
    hparams = {key: value for key, value in _flatten(OmegaConf.to_container(cfg, resolve=True)).items()
               if key.split("/")[0] in ("model", "task", "data", "trainer", "seed")}
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.log_hyperparams(hparams, {HP_METRIC: math.nan})


@rank_zero_only
def _write_metrics(output_dir: Path, metrics: Dict[str, float]) -> None:
    """``metrics.json``: every metric ``run`` returns, for the sweep summary (seqmodels.sweeps.summary); strict
    JSON, so a metric that is not finite (a perplexity that overflowed) is written as ``null``."""
    finite = {name: value if math.isfinite(value) else None for name, value in sorted(metrics.items())}
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "metrics.json").write_text(json.dumps(finite, indent=1, allow_nan=False) + "\n",
                                             encoding="utf-8")


def _flatten(tree: Any, prefix: str = "") -> Dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix: tree if isinstance(tree, (int, float, str, bool)) or tree is None else str(tree)}
    flat: Dict[str, Any] = {}
    for key, value in tree.items():
        if key != "_target_":
            flat.update(_flatten(value, f"{prefix}/{key}" if prefix else str(key)))
    return flat


def floats(metrics: Dict[str, Any]) -> Dict[str, float]:
    return {name: float(value) for name, value in metrics.items()}


def _trained_checkpoint(output_dir: Path, trainer: pl.Trainer) -> str:
    """The best checkpoint, else last.ckpt, else "" (callbacks=none, debug=fdr: none was written)."""
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    last = output_dir / "checkpoints" / "last.ckpt"
    return best or (str(last) if last.is_file() else "")


def _print_summary(output_dir: Path, metrics: Dict[str, float], task: SequenceTask, trainer: pl.Trainer) -> None:
    lines = [f"Run folder:   {output_dir}"]
    if trainer.checkpoint_callback and trainer.checkpoint_callback.best_model_path:
        lines.append(f"Best model:   {trainer.checkpoint_callback.best_model_path}")
    lines.append(f"TensorBoard:  tensorboard --logdir {output_dir}")
    shown = [name for name in sorted(metrics) if "/" in name and not name.startswith(("hp/", "lr-"))
             and not name.endswith("_step")]
    lines += [f"  {name:28s} {metrics[name]:.4g}" for name in shown]
    checkpoint = _trained_checkpoint(output_dir, trainer)
    if checkpoint and task.next_commands:
        lines.append("Try next:")
        lines += [f"  {command.format(ckpt=shlex.quote(checkpoint))}" for command in task.next_commands]
    rank_zero_info("\n".join(lines))
