"""The standard evaluations of word vectors (seqmodels/word_evaluations.py) and ``seqmodels neighbours --evaluate``.

The fixture vectors (tests/fixtures/word_evaluations/vectors.txt) are 3-d, in "frequency" order, with a special
token and a word in two cases (``King`` before ``king``); the answers below were worked out from them by hand.
"""

from __future__ import annotations

import importlib.util
import math
import random
from pathlib import Path

import pytest
import torch

from seqmodels import word_evaluations
from seqmodels.cli.neighbours import main
from seqmodels.errors import DataError
from seqmodels.similarity import WordVectors
from seqmodels.word_evaluations import (
    ANALOGIES,
    SIMLEX,
    WORDSIM,
    Section,
    evaluate_analogies,
    evaluate_word_pairs,
    evaluation_file,
    known_rows,
    ranks,
    read_analogies,
    read_word_pairs,
    spearman,
)

FIXTURES = Path(__file__).parent / "fixtures" / "word_evaluations"
VECTORS = FIXTURES / "vectors.txt"
QUESTIONS = FIXTURES / "questions.txt"
PAIRS = FIXTURES / "pairs.tsv"


@pytest.fixture
def vectors() -> WordVectors:
    return WordVectors.load(VECTORS)


# ------------------------------------------------------------------------------------------------ Spearman


def test_ranks_average_ties():
    assert ranks([10.0, 30.0, 20.0, 30.0, 5.0]) == [2.0, 4.5, 3.0, 4.5, 1.0]
    assert ranks([7.0, 7.0, 7.0]) == [2.0, 2.0, 2.0]


def test_spearman_against_a_hand_computation():
    # ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]: deviations from 2.5 are [-1.5, 0, 0, 1.5] and
    # [-1.5, .5, -.5, 1.5]; r = 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
    assert spearman([1.0, 2.0, 2.0, 4.0], [1.0, 3.0, 2.0, 4.0]) == pytest.approx(math.sqrt(0.9))
    assert spearman([1.0, 2.0, 3.0], [30.0, 20.0, 10.0]) == pytest.approx(-1.0)
    assert spearman([1.0, 4.0, 9.0], [1.0, 2.0, 3.0]) == pytest.approx(1.0)  # ranks, not values


def test_spearman_is_nan_when_undefined():
    assert math.isnan(spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    assert math.isnan(spearman([1.0], [2.0]))


# ------------------------------------------------------------------------------------------------ the files


def test_read_analogies_keeps_sections_and_skips_blank_lines():
    sections = read_analogies(QUESTIONS)
    assert [(s.name, len(s.questions)) for s in sections] == [("family", 4), ("fruit", 2), ("case", 1)]
    assert sections[0].questions[0] == ("man", "woman", "king", "queen")


def test_read_word_pairs_skips_comments():
    pairs = read_word_pairs(PAIRS)
    assert len(pairs) == 6 and pairs[0] == ("man", "woman", 5.0) and pairs[-1] == ("apple", "king", 1.0)


@pytest.mark.parametrize("reader, name, message", [
    (read_analogies, "three_words.txt", r"three_words.txt, line 2: expected four words .* got 3 words"),
    (read_analogies, "no_header.txt", r"no_header.txt, line 1: a question before the first ': section' header"),
    (read_word_pairs, "score_not_a_number.tsv", r"score_not_a_number.tsv, line 2: expected .* 'man\\twoman\\tfive'"),
    (read_word_pairs, "two_fields.tsv", r"two_fields.tsv, line 1: expected 'word1<TAB>word2<TAB>score'"),
])
def test_malformed_files_name_file_and_line(reader, name, message):
    with pytest.raises(DataError, match=message) as error:
        reader(FIXTURES / name)
    assert "\n" not in str(error.value)


def test_a_file_without_questions(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": empty\n")
    with pytest.raises(DataError, match="no analogy question in the file"):
        read_analogies(path)


def test_evaluation_file_takes_a_path_or_asks_for_gensim(monkeypatch):
    assert evaluation_file(ANALOGIES, QUESTIONS) == QUESTIONS
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match=r"questions-words.txt: .*`pip install gensim` .* with --analogies"):
        evaluation_file(ANALOGIES, None, "--analogies")


@pytest.mark.skipif(importlib.util.find_spec("gensim") is None, reason="gensim is not installed")
def test_gensim_files_are_found_and_read():
    sections = read_analogies(evaluation_file(ANALOGIES))
    assert len(sections) == 14 and sum(len(s.questions) for s in sections) == 19_544
    assert len(read_word_pairs(evaluation_file(WORDSIM))) == 353
    assert len(read_word_pairs(evaluation_file(SIMLEX))) == 999


# ------------------------------------------------------------------------------------------------ analogies


def test_analogies_per_section_and_total(vectors):
    result = evaluate_analogies(vectors, read_analogies(QUESTIONS))
    # family: king - man + woman and queen - woman + man land nearer girl and boy (1 of 3 right); the question
    # with "unicorn" is not covered. fruit: both right. case: "King" and "king" are one word, so neither may
    # answer apple:pear::King:? and the expected "king" cannot be right.
    assert [(s.name, s.correct, s.covered, s.questions) for s in result.sections] == [
        ("family", 1, 3, 4), ("fruit", 2, 2, 2), ("case", 0, 1, 1)]
    assert (result.total.correct, result.total.covered, result.total.questions) == (3, 6, 7)
    assert result.total.accuracy == pytest.approx(0.5) and result.total.coverage == pytest.approx(6 / 7)
    assert result.sections[0].accuracy == pytest.approx(1 / 3)


def test_restrict_vocab_leaves_later_words_unknown(vectors):
    result = evaluate_analogies(vectors, read_analogies(QUESTIONS), restrict_vocab=8)  # up to "girl"
    assert [(s.correct, s.covered) for s in result.sections] == [(1, 3), (0, 0), (0, 0)]
    assert math.isnan(result.sections[1].accuracy)


def test_lookups_take_the_most_frequent_case(vectors):
    known = known_rows(vectors)
    assert vectors.words[known["king"]] == "King" and "King".lower() in known


def test_batches_and_chunks_agree_with_one_question_at_a_time(monkeypatch):
    """Batched 3CosAdd (blocks of 7 questions × 16 words, so that batches and chunks have ragged ends) gives the
    answers of ``WordVectors.analogy``, the special <unk> never among them."""
    generator = torch.Generator().manual_seed(0)
    words = ["<unk>"] + [f"w{i}" for i in range(99)]
    vectors = WordVectors(words, torch.randn(100, 8, generator=generator))
    monkeypatch.setattr(word_evaluations, "QUESTIONS_PER_BATCH", 7)
    monkeypatch.setattr(word_evaluations, "WORDS_PER_CHUNK", 16)
    draw = random.Random(0)
    questions = []
    for number in range(60):
        a, b, c = draw.sample(words[1:], 3)
        right = vectors.analogy(a, b, c)[0][0]
        questions.append((a, b, c, right if number % 2 else draw.choice(words[1:])))
    expected = sum(vectors.analogy(*question[:3])[0][0] == question[3] for question in questions)
    result = evaluate_analogies(vectors, [Section("random", questions)])
    assert result.total.correct == expected and result.total.covered == 60
    assert expected >= 30


# ------------------------------------------------------------------------------------------------ word pairs


def test_word_pairs_spearman_against_a_hand_computation(vectors):
    # known pairs: human ranks [2, 4.5, 4.5, 3, 1] (a tie at 8.0), cosine ranks [2, 4, 5, 1, 3]
    # (0, .8, .995, -.831, .031; "king" is "King"): r = 5.5 / sqrt(9.5 * 10); man-unicorn is out of vocabulary
    result = evaluate_word_pairs(vectors, read_word_pairs(PAIRS))
    assert result.spearman == pytest.approx(5.5 / math.sqrt(95))
    assert (result.known, result.oov) == (5, 1)


def test_word_pairs_with_nothing_known(vectors):
    result = evaluate_word_pairs(vectors, [("unicorn", "dragon", 3.0)])
    assert math.isnan(result.spearman) and (result.known, result.oov) == (0, 1)


# ------------------------------------------------------------------------------------------------ the command


EVALUATE = ["--vectors", str(VECTORS), "--evaluate", "--analogies", str(QUESTIONS), "--wordsim", str(PAIRS),
            "--simlex", str(PAIRS)]


def test_command_prints_the_table(capsys):
    main(EVALUATE)
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == "13 words × 3, evaluated over the first 13"
    assert "family 33.33% 1 / 3 75.00%" in lines
    assert "case 0.00% 0 / 1 100.00%" in lines
    assert "total 50.00% 3 / 6 85.71%" in lines
    assert "WordSim-353 0.5643 5 1" in lines and "SimLex-999 0.5643 5 1" in lines


def test_command_writes_the_table_to_output(tmp_path, capsys):
    main([*EVALUATE, "--restrict-vocab", "8", "--output", str(tmp_path / "table.txt")])
    assert capsys.readouterr().out == ""
    lines = [" ".join(line.split()) for line in (tmp_path / "table.txt").read_text().splitlines()]
    assert "fruit n/a 0 / 0 0.00%" in lines and "WordSim-353 0.5000 3 3" in lines


@pytest.mark.parametrize("arguments, message", [
    ([*EVALUATE, "king"], "--evaluate prints the standard evaluations; give it or words, not both"),
    ([*EVALUATE, "--analogy", "a", "b", "c"], "give it or --analogy, not both"),
    (["--vectors", str(VECTORS), "--wordsim", str(PAIRS), "king"], "--wordsim is an option of --evaluate"),
    (["--vectors", str(VECTORS), "--restrict-vocab", "5", "king"], "--restrict-vocab is an option of --evaluate"),
    ([*EVALUATE, "--restrict-vocab", "0"], "--restrict-vocab 0: must be at least 1"),
    ([*EVALUATE, "--simlex", str(FIXTURES / "nope.txt")], "--simlex"),
    ([*EVALUATE, "--analogies", str(FIXTURES / "three_words.txt")], "three_words.txt, line 2: expected four words"),
    ([*EVALUATE, "--wordsim", str(FIXTURES / "two_fields.tsv")], "two_fields.tsv, line 1: expected"),
])
def test_command_errors_are_one_line(capsys, arguments, message):
    with pytest.raises(SystemExit) as exit_:
        main(arguments)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("seqmodels neighbours: error: ") and message in err


def test_command_without_gensim_asks_for_it(monkeypatch, capsys):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SystemExit):
        main(["--vectors", str(VECTORS), "--evaluate", "--analogies", str(QUESTIONS), "--simlex", str(PAIRS)])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wordsim353.tsv" in err and "pip install gensim" in err and "--wordsim" in err


def test_command_reads_the_evaluation_files_before_the_vectors(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")  # would be an error too, but only once the files are read
    with pytest.raises(SystemExit):
        main(["--vectors", str(tmp_path / "empty.txt"), "--evaluate", "--analogies", str(FIXTURES / "three_words.txt"),
              "--wordsim", str(PAIRS), "--simlex", str(PAIRS)])
    assert "three_words.txt, line 2" in capsys.readouterr().err
