"""Checkpoints written before the contracts redesign (commit 72d8ec0) load, and compute what they computed then.

tests/fixtures/checkpoints_0_1/ holds a tiny checkpoint of every task kind and, in expected.json, what the old
code computed with each (make_checkpoints.py, run at that commit, wrote both): the same state_dict keys and
hyperparameters must reach the same weights through the new RecurrentOptions, TaskData and task registry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import seqmodels

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checkpoints_0_1"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def load(name: str) -> seqmodels.SequenceTask:
    return seqmodels.load(FIXTURES / f"{name}.ckpt")


@pytest.mark.parametrize("name, task_class", [
    ("ner", "TaggingTask"), ("sentiment", "ClassificationTask"), ("lm", "LanguageModelTask"),
    ("seq2seq", "TranslationTask"), ("word2vec", "Word2VecTask"), ("adding", "MemoryProblemTask")])
def test_an_old_checkpoint_loads_as_its_task(name: str, task_class: str) -> None:
    task = load(name)
    assert type(task).__name__ == task_class and not task.training


def test_an_old_tagger_tags_as_it_did() -> None:
    tagged = load("ner").tag(["John Smith lives in Paris ."])
    assert [[list(pair) for pair in sentence] for sentence in tagged] == EXPECTED["ner"]


def test_an_old_classifier_gives_the_same_probability() -> None:
    (prediction,) = load("sentiment").classify(["the food was good but the service was bad"])
    label, probability = EXPECTED["sentiment"][0]
    assert prediction.label == label and prediction.probability == pytest.approx(probability, abs=1e-6)


def test_an_old_language_model_scores_as_it_did() -> None:
    (score,) = load("lm").score(["def main():"])
    log_prob, tokens = EXPECTED["lm"][0]
    assert score.tokens == tokens and score.log_prob == pytest.approx(log_prob, abs=1e-4)


def test_an_old_seq2seq_model_translates_as_it_did() -> None:
    (translation,) = load("seq2seq").translate(["12 March 2003"], beam_size=2)
    text, log_prob = EXPECTED["seq2seq"][0]
    assert translation.text == text and translation.log_prob == pytest.approx(log_prob, abs=1e-4)


def test_old_word_vectors_are_the_same() -> None:
    task = load("word2vec")
    word, vector = EXPECTED["word2vec"]
    assert task.word_vectors().words[5] == word
    torch.testing.assert_close(task.network.vectors()[5], torch.tensor(vector), rtol=0, atol=1e-7)


def test_an_old_memory_model_predicts_as_it_did() -> None:
    inputs = torch.linspace(0, 1, 10).reshape(1, 5, 2)
    torch.testing.assert_close(load("adding")(inputs), torch.tensor(EXPECTED["adding"]), rtol=0, atol=1e-6)
