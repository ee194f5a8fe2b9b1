"""Whether a checkpoint fits the run that wants to load it: the same kind of task, and weights of the same
names and shapes. A mismatch is one line naming what differs, not a size-mismatch traceback."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

import torch

from seqmodels.errors import ConfigError

TASK_KEY = "seqmodels_task"  # the task class that wrote the checkpoint, e.g. "seqmodels.tasks.tagging.TaggingTask"


def task_class_name(task_class: type) -> str:
    """``module.QualifiedName`` of a task class: what :data:`TASK_KEY` holds."""
    return f"{task_class.__module__}.{task_class.__qualname__}"


def check_task_kind(checkpoint: Mapping[str, Any], expected: str, where: str) -> None:
    """A ConfigError when the checkpoint was written by another task class than ``expected`` (its dotted name);
    checkpoints from before :data:`TASK_KEY` existed are not checked here."""
    written_by = checkpoint.get(TASK_KEY)
    if written_by and expected and written_by != expected:
        raise ConfigError(f"{where}: this is a {_short(written_by)} checkpoint, but a {_short(expected)} "
                          "checkpoint is needed here; check the path, or choose the task it was trained with")


def check_resumable(checkpoint: Mapping[str, Any], task: torch.nn.Module, where: str) -> None:
    """A ConfigError naming the options that differ when the checkpoint's weights do not fit ``task``'s
    (other names or shapes), e.g. ``model.cell: lstm in the checkpoint, gru here``."""
    saved: Dict[str, torch.Tensor] = checkpoint["state_dict"]
    current = task.state_dict()
    if {k: tuple(v.shape) for k, v in saved.items()} == {k: tuple(v.shape) for k, v in current.items()}:
        return
    differences = _differing_options(checkpoint.get("hyper_parameters", {}), dict(task.hparams))
    what = "; ".join(differences[:6]) if differences else "its weights have other names or shapes"
    raise ConfigError(f"{where}: the checkpoint does not fit this run's model ({what}); use the options it "
                      "was trained with, or start a new run without ckpt_path")


def _differing_options(saved: Mapping[str, Any], current: Mapping[str, Any], prefix: str = "") -> List[str]:
    """``option: <saved> in the checkpoint, <current> here`` for each differing leaf (vocabularies skipped: a
    resumed run reuses the checkpoint's)."""
    lines: List[str] = []
    for key in sorted(set(saved) | set(current), key=str):
        if "vocabulary" in str(key) or key in ("tag_names", "labels", "counts"):
            continue
        a, b = saved.get(key), current.get(key)
        name = f"{prefix}{key}"
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            lines += _differing_options(a, b, f"{name}.")
        elif a != b:
            lines.append(f"{_option(name)}: {a!r} in the checkpoint, {b!r} here")
    return lines


def _option(name: str) -> str:
    """The config path of a task hyperparameter: ``model.*`` stays, the task's own become ``task.*``."""
    return name if name.startswith("model.") else f"task.{name}"


def _short(class_name: str) -> str:
    return class_name.rsplit(".", 1)[-1]
