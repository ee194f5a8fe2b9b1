"""The agreement generator: the clause is exactly ``distance`` words with no number cue, labels balanced,
deterministic for a seed; the corpus through ClassificationData."""

from __future__ import annotations

import pytest

from seqmodels.data.corpora import agreement
from seqmodels.data.corpora.labelled_text import tokenize_text
from seqmodels.data.modules.classification import ClassificationData
from seqmodels.errors import ConfigError


@pytest.mark.parametrize("distance", [1, 2, 7, 8, 33, 200])
def test_the_clause_has_exactly_distance_words(distance: int) -> None:
    for example in agreement.generate(50, distance, seed=3):
        tokens = tokenize_text(example.text)
        assert tokens[0] == "the" and tokens[2:4] == [",", "which"] and tokens[-1] == ","
        assert len(tokens[4:-1]) == distance and len(tokens) == distance + 5
        assert agreement.full_sentence(example).endswith(f", {example.label} full .")


def test_the_noun_alone_gives_the_number() -> None:
    singular = {pair[0] for pair in agreement.NOUNS}
    plural = {pair[1] for pair in agreement.NOUNS}
    assert not singular & plural
    for example in agreement.generate(400, 12, seed=1):
        tokens = tokenize_text(example.text)
        assert tokens[1] in (plural if example.label == "were" else singular)
        clause = tokens[4:-1]
        assert not set(clause) & agreement.NUMBER_CUES                          # no verb/pronoun/noun cue
        assert set(clause) <= set(agreement.CLAUSE_WORDS)


def test_clauses_are_independent_of_the_label() -> None:
    """The same clause words occur with both labels: the clause carries no information about the number."""
    examples = agreement.generate(2000, 6, seed=5)
    words = {label: {w for e in examples if e.label == label for w in tokenize_text(e.text)[4:-1]}
             for label in agreement.LABELS}
    assert words["was"] == words["were"] == set(agreement.CLAUSE_WORDS)


def test_labels_are_balanced_and_the_generator_is_seeded() -> None:
    examples = agreement.generate(101, 10, seed=0)
    counts = {label: sum(e.label == label for e in examples) for label in agreement.LABELS}
    assert counts == {"was": 51, "were": 50}
    assert examples == agreement.generate(101, 10, seed=0)
    assert examples != agreement.generate(101, 10, seed=1)
    assert agreement.generate(0, 10, seed=0) == []


def test_a_distance_below_one_names_the_option() -> None:
    with pytest.raises(ConfigError, match=r"data\.distance=0"):
        agreement.generate(10, 0, seed=0)


def test_the_corpus_in_classification_data() -> None:
    data = ClassificationData(corpus="agreement", distance=5, num_examples={"train": 64, "valid": 16, "test": 16},
                              batch_size=8, eval_batch_size=16)
    data.setup()
    assert data.labels == ["was", "were"] and data.has_test
    batch = next(iter(data.val_dataloader()))
    assert batch.words.shape == (16, 10) and (batch.lengths == 10).all()
    assert data.task_arguments()["labels"] == ["was", "were"]


@pytest.mark.parametrize("distance", [0, 1001, -3])
def test_a_distance_out_of_range_names_the_option(distance: int) -> None:
    with pytest.raises(ConfigError, match=rf"data\.distance={distance}.*data\.max_distance=1000"):
        ClassificationData(corpus="agreement", distance=distance)


def test_max_distance_raises_the_limit() -> None:
    ClassificationData(corpus="agreement", distance=1500, max_distance=2000)
    ClassificationData(corpus="reviews", distance=5000)  # the option is the agreement corpus's alone
