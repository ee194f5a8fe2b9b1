"""WordVectors (cosine similarity, neighbours, 3CosAdd analogies) and the ``seqmodels neighbours`` command."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from seqmodels.cli.neighbours import checkpoint_tokens, checkpoint_vectors, main
from seqmodels.errors import DataError
from seqmodels.nn.embedding import write_vectors
from seqmodels.similarity import WordVectors

# axes: (person/royalty, male - female, fruit)
TABLE = {
    "man": [1.0, 1.0, 0.0],
    "woman": [1.0, -1.0, 0.0],
    "king": [3.0, 1.0, 0.0],
    "queen": [3.0, -1.0, 0.0],
    "apple": [0.0, 0.1, 1.0],
    "pear": [0.0, 0.2, 1.0],
    "banana": [0.3, 0.0, 1.0],
    "Apple": [0.0, -1.0, 0.2],
    "void": [0.0, 0.0, 0.0],
    "<unk>": [3.0, -1.0, 0.0],  # as close to every query as queen, but a special: never an answer
}
WORDS = list(TABLE)


def cosine(u, v) -> float:
    return sum(a * b for a, b in zip(u, v)) / math.sqrt(sum(a * a for a in u) * sum(b * b for b in v))


@pytest.fixture
def vectors() -> WordVectors:
    return WordVectors(WORDS, torch.tensor(list(TABLE.values())))


@pytest.fixture
def vector_file(tmp_path: Path) -> Path:
    path = tmp_path / "vectors.txt"
    write_vectors(path, WORDS, torch.tensor(list(TABLE.values())))
    return path


# ---------------------------------------------------------------------------------------------- WordVectors


def test_similarity_is_the_cosine(vectors):
    assert vectors.similarity("man", "king") == pytest.approx(4 / math.sqrt(20))
    for a, b in [("apple", "pear"), ("woman", "king"), ("banana", "queen"), ("queen", "queen")]:
        assert vectors.similarity(a, b) == pytest.approx(cosine(TABLE[a], TABLE[b]), abs=1e-6)
    assert vectors.similarity("man", "woman") == pytest.approx(0.0, abs=1e-7)


def test_vector_is_the_given_row(vectors):
    assert vectors.vector("king").tolist() == TABLE["king"]


def test_analogy_man_woman_king_gives_queen(vectors):
    answers = vectors.analogy("man", "woman", "king", k=3)
    assert answers[0][0] == "queen"
    assert {word for word, _ in answers}.isdisjoint({"man", "woman", "king", "<unk>"})
    unit = {x: [v / math.sqrt(sum(u * u for u in TABLE[x])) for v in TABLE[x]] for x in ("man", "woman", "king")}
    target = [w - m + k for w, m, k in zip(unit["woman"], unit["man"], unit["king"])]  # ê_b - ê_a + ê_c
    assert answers[0][1] == pytest.approx(cosine(target, TABLE["queen"]), abs=1e-6)
    # without the exclusion woman would win: the test above checks that a, b, c are left out
    assert cosine(target, TABLE["woman"]) > cosine(target, TABLE["queen"])


def test_neighbours_of_apple_start_with_pear(vectors):
    answers = vectors.neighbours("apple", k=3)
    assert [word for word, _ in answers] == ["pear", "banana", "Apple"]
    assert answers[0][1] == pytest.approx(cosine(TABLE["apple"], TABLE["pear"]), abs=1e-6)
    assert all(a[1] >= b[1] for a, b in zip(answers, answers[1:]))


def test_neighbours_exclude_skip_and_k(vectors):
    assert [w for w, _ in vectors.neighbours("apple", k=2, exclude=["pear"])] == ["banana", "Apple"]
    everything = vectors.neighbours("king", k=100)
    assert len(everything) == len(WORDS) - 2  # all but king itself and <unk>
    assert "<unk>" not in dict(everything) and "king" not in dict(everything)
    queried = vectors.neighbours("<unk>", k=1)  # a skipped word can still be queried
    assert queried[0][0] == "queen" and queried[0][1] == pytest.approx(1.0)


def test_neighbours_of_a_vector(vectors):
    answers = vectors.neighbours(torch.tensor([0.0, 0.0, 5.0]), k=2)
    assert [word for word, _ in answers] == ["apple", "pear"]
    assert answers[0][1] == pytest.approx(cosine([0, 0, 1], TABLE["apple"]), abs=1e-6)


def test_zero_vector_gives_zero_not_nan(vectors):
    assert vectors.similarity("void", "king") == 0.0
    assert vectors.similarity("void", "void") == 0.0
    answers = vectors.neighbours("void", k=100)
    assert all(score == 0.0 for _, score in answers)
    assert not any(math.isnan(score) for _, score in vectors.neighbours("king", k=100))
    assert not any(math.isnan(s) for _, s in vectors.neighbours(torch.zeros(3), k=3))


def test_unknown_word_is_named_with_case_suggestions(vectors):
    with pytest.raises(DataError, match=r"'kingg' is not in the vocabulary") as error:
        vectors.vector("kingg")
    assert "did you mean" not in str(error.value)
    with pytest.raises(DataError, match=r"'APPLE'.*did you mean 'apple', 'Apple'"):
        vectors.neighbours("APPLE")
    with pytest.raises(DataError, match="'quen'"):
        vectors.analogy("man", "woman", "quen")


def test_load_reads_a_vector_file(vector_file):
    loaded = WordVectors.load(vector_file)
    assert loaded.words == WORDS
    assert loaded.analogy("man", "woman", "king")[0][0] == "queen"


# ---------------------------------------------------------------------------------------------- checkpoints


def _checkpoint(tmp_path: Path, hyper_parameters) -> Path:
    weight = torch.tensor(list(TABLE.values()))
    state_dict = {"network.embedding.weight": weight, "network.case_embedding.weight": torch.zeros(5, 2),
                  "network.output.weight": torch.zeros(4, 3)}
    path = tmp_path / "last.ckpt"
    torch.save({"state_dict": state_dict, "hyper_parameters": hyper_parameters}, path)
    return path


@pytest.mark.parametrize("hyper_parameters", [
    {"vocabulary": {"level": "word", "tokens": WORDS}},
    {"encoder": {"words": {"level": "word", "tokens": WORDS}, "tags": ["O"], "chars": None}},
], ids=["language-model", "tagger"])
def test_checkpoint_vectors(tmp_path, hyper_parameters):
    vectors = checkpoint_vectors(_checkpoint(tmp_path, hyper_parameters))
    assert vectors.words == WORDS
    assert vectors.neighbours("apple", k=1)[0][0] == "pear"


def test_checkpoint_without_vocabulary(tmp_path):
    with pytest.raises(DataError, match="no word vocabulary"):
        checkpoint_tokens({"encoder": {"tags": ["O"]}})
    with pytest.raises(DataError, match="last.ckpt: no word vocabulary"):
        checkpoint_vectors(_checkpoint(tmp_path, {"scheme": "bio"}))


# ---------------------------------------------------------------------------------------------- command line


def test_command_prints_one_line_of_neighbours_per_word(vector_file, capsys):
    main(["--vectors", str(vector_file), "apple", "-k", "2", "king", "--scores"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == f"pear={cosine(TABLE['apple'], TABLE['pear']):.4f}"
    assert lines[0].split()[1].startswith("banana=") and lines[1].split()[0].startswith("man=")


def assert_same_neighbours(got, expected):
    """The same words with the same cosines; words whose cosines tie to rounding (a batched matrix product and a
    single one round differently on some CPUs) may come in either order."""
    assert len(got) == len(expected)
    for row, wanted in zip(got, expected):
        assert [score for _, score in row] == pytest.approx([score for _, score in wanted], abs=1e-6)
        assert dict(row) == pytest.approx(dict(wanted), abs=1e-6)


def test_nearest_answers_as_neighbours_does_one_word_at_a_time():
    vectors = WordVectors(WORDS, torch.tensor([TABLE[word] for word in WORDS]))
    for k in (1, 3, len(WORDS)):
        assert_same_neighbours(vectors.nearest(WORDS, k), [vectors.neighbours(word, k) for word in WORDS])
    assert_same_neighbours(vectors.nearest(["king", "man"], 2, exclude=["queen"]),
                           [vectors.neighbours("king", 2, ["queen"]), vectors.neighbours("man", 2, ["queen"])])


def test_command_analogy(vector_file, capsys):
    main(["--vectors", str(vector_file), "--analogy", "man", "woman", "king", "-k", "1", "--source"])
    assert capsys.readouterr().out.splitlines() == ["man woman king\tqueen"]


def test_command_reads_a_checkpoint(tmp_path, capsys):
    path = _checkpoint(tmp_path, {"vocabulary": {"tokens": WORDS}})
    main(["--ckpt", str(path), "apple", "-k", "1"])
    assert capsys.readouterr().out.splitlines() == ["pear"]


@pytest.mark.parametrize("arguments, message", [
    (["kingg"], "the word 'kingg' is not in the vocabulary"),
    (["--analogy", "man", "woman", "APPLE"], "did you mean 'apple', 'Apple'?"),
    (["king", "-k", "0"], "-k must be at least 1"),
    (["king", "--analogy", "man", "woman", "king"], "give --analogy A B C or words"),
], ids=["unknown-word", "unknown-analogy-word", "bad-k", "words-and-analogy"])
def test_command_errors_are_one_line(vector_file, capsys, arguments, message):
    with pytest.raises(SystemExit) as exit_:
        main(["--vectors", str(vector_file), *arguments])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("seqmodels neighbours: error: ") and message in err


@pytest.mark.parametrize("option", ["--vectors", "--ckpt"])
def test_command_missing_file(tmp_path, capsys, option):
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(SystemExit) as exit_:
        main([option, str(missing), "king"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(missing) in err


def test_command_as_a_module(vector_file):
    done = subprocess.run([sys.executable, "-m", "seqmodels", "neighbours", "--vectors", str(vector_file),
                           "-k", "1", "--scores"], input="apple\n\nking\n", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"pear={cosine(TABLE['apple'], TABLE['pear']):.4f}", "",
                                        f"man={cosine(TABLE['king'], TABLE['man']):.4f}"]
    failed = subprocess.run([sys.executable, "-m", "seqmodels", "neighbours", "--vectors", str(vector_file), "kingg"],
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1 and "'kingg'" in failed.stderr
