"""From a checkpoint to the task class that wrote it, and ``seqmodels.load(path)``.

Every checkpoint written by ``train.py`` names its task class under :data:`~seqmodels.checkpoints.compatibility.
TASK_KEY` (``module.QualifiedName``, e.g. ``seqmodels.tasks.tagging.TaggingTask``). Every subclass of
:class:`~seqmodels.tasks.base.SequenceTask` registers itself under that name when it is defined; a name not
registered yet is looked up by importing the module it names (as ``import module`` would), so that a user's own
task loads like the built-in ones once its package is importable.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Union

from seqmodels.checkpoints import read_checkpoint, task_class_name
from seqmodels.checkpoints.compatibility import TASK_KEY
from seqmodels.errors import DataError

if TYPE_CHECKING:
    from seqmodels.tasks.base import SequenceTask

_TASKS: Dict[str, type] = {}  # TASK_KEY name -> task class


def register_task(task_class: type) -> None:
    """Make ``task_class`` findable by its TASK_KEY name (SequenceTask.__init_subclass__ calls it)."""
    _TASKS[task_class_name(task_class)] = task_class


def task_class(name: str, where: str) -> type[SequenceTask]:
    """The task class called ``name`` (a TASK_KEY value), importing its module when it is not registered yet;
    a DataError naming ``where`` when no seqmodels task has that name."""
    if name not in _TASKS:
        _import_defining_module(name)
    if name not in _TASKS:
        raise DataError(f"{where}: written by the task {name}, which is no seqmodels task that can be imported "
                        "here; install (or put on PYTHONPATH) the package that defines it")
    return _TASKS[name]


def _import_defining_module(name: str) -> None:
    """Import the longest prefix of ``name`` that is a module (the class's qualified name may be nested)."""
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:end])
        try:
            importlib.import_module(module)
            return
        except ModuleNotFoundError as error:
            if error.name is None or not (module == error.name or module.startswith(error.name + ".")):
                raise DataError(f"cannot import {module}, which defines the task {name}: {error}") from None


def load(path: Union[str, Path], map_location: str = "cpu") -> SequenceTask:
    """The trained task in a checkpoint written by ``train.py``, whatever the task (a TaggingTask, a
    LanguageModelTask, a user's own, ...): loaded weights-only, its weights' digest checked, in eval mode.

    Raises:
        DataError: the file is no checkpoint, does not name its task (written before seqmodels did), or names a
            task that cannot be found.
    """
    checkpoint = read_checkpoint(path, map_location=map_location)
    name = checkpoint.get(TASK_KEY)
    if not isinstance(name, str) or not name:
        raise DataError(f"{path}: the checkpoint does not name the task that wrote it (no {TASK_KEY}: an older "
                        "seqmodels wrote it); load it with its task class, e.g. TaggingTask.load(path)")
    return task_class(name, str(path)).restore(path, checkpoint, map_location)
