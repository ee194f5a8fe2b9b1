"""``seqmodels.load(path)``: the right task class for any checkpoint train.py wrote, found through the registry of
task classes by the name the checkpoint carries (TASK_KEY), a user's own task included; one-line errors for a
checkpoint that names no task or an unknown one."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
import torch

import seqmodels
from seqmodels.checkpoints import read_checkpoint, task_class_name
from seqmodels.checkpoints.compatibility import TASK_KEY
from seqmodels.checkpoints.files import save_checkpoint
from seqmodels.errors import DataError
from seqmodels.tasks.classification import ClassificationTask
from seqmodels.tasks.glove import GloVeTask
from seqmodels.tasks.language_modeling import LanguageModelTask
from seqmodels.tasks.memory_problem import MemoryProblemTask
from seqmodels.tasks.tagging import TaggingTask
from seqmodels.tasks.translation import TranslationTask
from seqmodels.tasks.word2vec import Word2VecTask
from tests.app.hydra_helpers import (
    TINY,
    TINY_GLOVE,
    TINY_NER,
    TINY_SENTIMENT,
    TINY_SEQ2SEQ,
    TINY_TRAINER,
    TINY_WORD2VEC,
    train,
)

TINY_ADDING = ["task=adding", "model.embedding_size=4", "model.hidden_size=8", "data.length=12",
               "data.num_examples.train=32", "data.num_examples.valid=16", "data.num_examples.test=16",
               "data.batch_size=8", "data.eval_batch_size=16", *TINY_TRAINER]
KINDS = {"lm": (TINY, ["callbacks.ngram_baseline=null"], LanguageModelTask), "ner": (TINY_NER, [], TaggingTask),
         "sentiment": (TINY_SENTIMENT, [], ClassificationTask), "seq2seq": (TINY_SEQ2SEQ, [], TranslationTask),
         "word2vec": (TINY_WORD2VEC, [], Word2VecTask), "glove": (TINY_GLOVE, [], GloVeTask),
         "adding": (TINY_ADDING, [], MemoryProblemTask)}

QUICK = ["callbacks.attention_maps=null", "callbacks.text_samples=null", "callbacks.embedding_projector=null"]


class RenamedLanguageModel(LanguageModelTask):
    """A user's own task, defined outside seqmodels: registered by being defined."""


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """A tiny trained checkpoint of every kind of task (trained once for the module, not tested)."""
    paths = {}
    for kind, (tiny, overrides, _) in KINDS.items():
        folder = tmp_path_factory.mktemp(kind)
        train(folder, [*overrides, *QUICK, "test=false"], tiny=tiny)
        paths[kind] = folder / "checkpoints" / "last.ckpt"
    return paths


def with_task_key(source: Path, target: Path, name: object) -> Path:
    """A copy of the checkpoint ``source`` whose TASK_KEY is ``name`` (removed when None)."""
    checkpoint = read_checkpoint(source)
    checkpoint.pop(TASK_KEY)
    if name is not None:
        checkpoint[TASK_KEY] = name
    save_checkpoint(checkpoint, target)
    return target


@pytest.mark.parametrize("kind", list(KINDS))
def test_load_returns_the_task_that_wrote_the_checkpoint(checkpoints: Dict[str, Path], kind: str) -> None:
    expected = KINDS[kind][2]
    task = seqmodels.load(checkpoints[kind])
    assert type(task) is expected and not task.training
    reference = expected.load(checkpoints[kind]).state_dict()
    assert task.state_dict().keys() == reference.keys()
    assert all(torch.equal(value, reference[name]) for name, value in task.state_dict().items())


def test_a_users_task_loads_by_its_registered_name(checkpoints: Dict[str, Path], tmp_path: Path) -> None:
    path = with_task_key(checkpoints["lm"], tmp_path / "user.ckpt", task_class_name(RenamedLanguageModel))
    assert type(seqmodels.load(path)) is RenamedLanguageModel


def test_a_task_not_imported_yet_is_imported_from_the_module_it_names(checkpoints: Dict[str, Path], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "user_tasks_for_load"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tasks.py").write_text("from seqmodels.tasks.language_modeling import LanguageModelTask\n\n\n"
                                      "class MyTask(LanguageModelTask):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = with_task_key(checkpoints["lm"], tmp_path / "mine.ckpt", "user_tasks_for_load.tasks.MyTask")
    task = seqmodels.load(path)
    assert type(task).__name__ == "MyTask" and type(task).__module__ == "user_tasks_for_load.tasks"


@pytest.mark.parametrize(("name", "message"), [
    (None, "the checkpoint does not name the task that wrote it (no seqmodels_task"),
    ("no_such_package.tasks.Missing", "written by the task no_such_package.tasks.Missing, which is no seqmodels task"),
    ("seqmodels.errors.ConfigError", "written by the task seqmodels.errors.ConfigError, which is no seqmodels task"),
])
def test_a_checkpoint_without_a_known_task_is_one_line(checkpoints: Dict[str, Path], tmp_path: Path,
                                                       name: object, message: str) -> None:
    path = with_task_key(checkpoints["lm"], tmp_path / "odd.ckpt", name)
    with pytest.raises(DataError) as caught:
        seqmodels.load(path)
    assert message in str(caught.value) and str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_task_module_that_fails_to_import_is_named(checkpoints: Dict[str, Path], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken_tasks_for_load.py").write_text("import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = with_task_key(checkpoints["lm"], tmp_path / "broken.ckpt", "broken_tasks_for_load.Task")
    with pytest.raises(DataError, match="cannot import broken_tasks_for_load, which defines the task "
                                        "broken_tasks_for_load.Task: No module named 'a_dependency_that_is_not"):
        seqmodels.load(path)
