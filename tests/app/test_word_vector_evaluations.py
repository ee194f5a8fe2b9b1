"""task=word2vec ends with the standard evaluations of its vectors (analogies, WordSim-353, SimLex-999) in its
metrics: the numbers the evaluation functions give on the vectors.txt it wrote; skipped without gensim or paths;
a bad file given by path stops the run before training."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import List

import pytest

from seqmodels import word_evaluations
from seqmodels.errors import DataError
from seqmodels.similarity import WordVectors
from tests.app.hydra_helpers import TINY_WORD2VEC, train

QUESTIONS = ": pydoc\nfunction functions method methods\nlist lists value values\nclass object module the\n"
PAIRS = "function\tmethod\t7.0\nlist\tvalue\t3.0\nclass\tobject\t6.0\nthe\ta\t2.0\nfunction\tthe\t1.0\n"
OPTION = "callbacks.word_vector_evaluations"


def files(tmp_path: Path) -> List[str]:
    (tmp_path / "questions.txt").write_text(QUESTIONS, encoding="utf-8")
    (tmp_path / "pairs.tsv").write_text(PAIRS, encoding="utf-8")
    return [f"{OPTION}.analogies={tmp_path / 'questions.txt'}", f"{OPTION}.wordsim={tmp_path / 'pairs.tsv'}",
            f"{OPTION}.simlex={tmp_path / 'pairs.tsv'}"]


def test_the_run_reports_the_evaluations_of_the_vectors_it_wrote(tmp_path: Path) -> None:
    metrics = train(tmp_path / "run", files(tmp_path), tiny=TINY_WORD2VEC)
    vectors = WordVectors.load(tmp_path / "run" / "vectors.txt")
    total = word_evaluations.evaluate_analogies(vectors, word_evaluations.read_analogies(tmp_path / "questions.txt"))
    pairs = word_evaluations.read_word_pairs(tmp_path / "pairs.tsv")
    assert total.total.covered > 0
    assert metrics["vectors/analogy_coverage"] == pytest.approx(total.total.coverage)
    assert metrics["vectors/analogy_accuracy"] == pytest.approx(total.total.accuracy)
    spearman = word_evaluations.evaluate_word_pairs(vectors, pairs).spearman
    assert metrics["vectors/wordsim353_spearman"] == pytest.approx(spearman, abs=1e-6)
    assert metrics["vectors/simlex999_spearman"] == metrics["vectors/wordsim353_spearman"]


def test_without_gensim_or_paths_the_evaluations_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gensim" else real(name, *a))
    metrics = train(tmp_path, [], tiny=TINY_WORD2VEC)
    assert not any(name.startswith("vectors/") for name in metrics)
    assert "word-vector evaluations skipped: pip install gensim" in caplog.text


def test_a_missing_evaluation_file_stops_the_run_before_training(tmp_path: Path) -> None:
    overrides = [*files(tmp_path), f"{OPTION}.analogies={tmp_path / 'nope.txt'}"]
    with pytest.raises(DataError, match="nope.txt"):
        train(tmp_path / "run", overrides, tiny=TINY_WORD2VEC)
    assert not (tmp_path / "run" / "vectors.txt").exists()
