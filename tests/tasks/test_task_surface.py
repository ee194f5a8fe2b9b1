"""What train.py and the callbacks use from a task is declared on SequenceTask, with defaults: the main metrics and
their direction, the texts, embeddings and attention examples; evaluation_mode puts a module's mode back."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from seqmodels.callbacks import NGramBaseline, ResultsCallback
from seqmodels.checkpoints import task_class_name
from seqmodels.errors import ConfigError
from seqmodels.tasks.base import MAX, MIN, SequenceTask
from seqmodels.tasks.classification import ClassificationTask
from seqmodels.tasks.evaluation import evaluation_mode
from seqmodels.tasks.glove import GloVeTask
from seqmodels.tasks.language_modeling import LanguageModelTask
from seqmodels.tasks.memory_problem import MemoryProblemTask
from seqmodels.tasks.registry import task_class
from seqmodels.tasks.tagging import TaggingTask
from seqmodels.tasks.translation import TranslationTask
from seqmodels.tasks.word2vec import Word2VecTask

TASKS = [ClassificationTask, GloVeTask, LanguageModelTask, MemoryProblemTask, TaggingTask, TranslationTask,
         Word2VecTask]


class Minimal(SequenceTask):
    """A task that declares nothing but its network."""

    def __init__(self) -> None:
        super().__init__({"name": "sgd", "lr": 0.1})
        self.network = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))

    def _step(self, batch: Any, stage: str) -> torch.Tensor:
        return self.network(batch).sum()


@pytest.mark.parametrize(("task", "metric", "mode"), [
    (LanguageModelTask, "val/ppl", MIN), (TaggingTask, "val/f1", MAX), (ClassificationTask, "val/accuracy", MAX),
    (Word2VecTask, "val/loss", MIN), (GloVeTask, "val/loss", MIN), (MemoryProblemTask, "val/mse", MIN),
    (MemoryProblemTask, "val/accuracy", MAX),
    (TranslationTask, "val/bleu", MAX), (TranslationTask, "val/exact_match", MAX), (TranslationTask, "val/ppl", MIN),
    (TranslationTask, "val/loss", MIN), (TranslationTask, "val/token_accuracy", MAX),
])
def test_each_task_declares_the_direction_of_its_main_metrics(task: type, metric: str, mode: str) -> None:
    assert task.metric_mode(metric) == mode


def test_a_metric_a_task_does_not_report_has_no_direction() -> None:
    with pytest.raises(ConfigError, match=r"optimized_metric='val/f1': a LanguageModelTask reports \['val/ppl'\]"):
        LanguageModelTask.metric_mode("val/f1")


def test_the_defaults_of_a_task_that_declares_nothing() -> None:
    task = Minimal()
    assert task.main_metric == "val/loss" and task.main_metric_mode == MIN
    assert task.example_texts() == [] and task.text_reports() == {} and task.attention_examples() == []
    assert task.embedding_words() == []


@pytest.mark.parametrize("task", [*TASKS, Minimal])
def test_every_task_class_is_registered_under_the_name_its_checkpoints_carry(task: type) -> None:
    assert task_class(task_class_name(task), "here") is task


def test_callbacks_that_report_results_declare_it() -> None:
    baseline = NGramBaseline(order=2)
    assert isinstance(baseline, ResultsCallback) and baseline.results == {}


def test_evaluation_mode_restores_the_mode_it_found_even_after_an_error() -> None:
    task = Minimal()
    task.train()
    with evaluation_mode(task):
        assert not task.training and not task.network[1].training
    assert task.training and task.network[1].training
    task.eval()
    with pytest.raises(RuntimeError, match="boom"), evaluation_mode(task):
        raise RuntimeError("boom")
    assert not task.training
    task.train()
    with pytest.raises(RuntimeError, match="boom"), evaluation_mode(task):
        raise RuntimeError("boom")
    assert task.training
