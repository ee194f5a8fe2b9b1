from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from seqmodels.data.corpora.parallel_text import (
    ParallelPair,
    detokenize_translation,
    read_parallel,
    read_parallel_tsv,
    translation_tokens,
)
from seqmodels.errors import ConfigError, DataError

GERMAN = "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.\nEin Hund läuft.\n"
ENGLISH = "Two young, White males are outside near many bushes.\r\nA dog runs.\r\n"


def _write(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode("utf-8")) if path.suffix == ".gz" else text.encode("utf-8"))
    return path


def test_read_two_aligned_files_plain_and_gzipped(tmp_path: Path) -> None:
    source, target = _write(tmp_path / "train.de.gz", GERMAN), _write(tmp_path / "train.en", ENGLISH)
    pairs = read_parallel(source, target)
    assert pairs == [
        ParallelPair("Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.",
                     "Two young, White males are outside near many bushes.", 1),
        ParallelPair("Ein Hund läuft.", "A dog runs.", 2),
    ]
    assert read_parallel(tmp_path / "train.de", target) == pairs  # train.de.gz found beside the name


def test_trailing_blank_lines_are_ignored(tmp_path: Path) -> None:
    pairs = read_parallel(_write(tmp_path / "a.de", "Hallo.\n\n\n"), _write(tmp_path / "a.en", "Hello.\n"))
    assert pairs == [ParallelPair("Hallo.", "Hello.", 1)]


def test_different_line_counts_name_both_files_and_counts(tmp_path: Path) -> None:
    source, target = _write(tmp_path / "a.de", "Eins.\nZwei.\nDrei.\n"), _write(tmp_path / "a.en", "One.\nTwo.\n")
    with pytest.raises(DataError) as error:
        read_parallel(source, target)
    message = str(error.value)
    assert str(source) in message and str(target) in message
    assert "3 lines" in message and "has 2" in message


def test_empty_line_names_the_file_and_line(tmp_path: Path) -> None:
    source, target = _write(tmp_path / "a.de", "Eins.\nZwei.\nDrei.\n"), _write(tmp_path / "a.en", "One.\n  \nThree.\n")
    with pytest.raises(DataError, match=r"a\.en, line 2: empty sentence; remove line 2 from both"):
        read_parallel(source, target)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_parallel(tmp_path / "nothing.de", _write(tmp_path / "a.en", "One.\n"))


def test_read_tsv_with_extra_columns_and_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "fra.txt.gz", "Go.\tVa !\tCC-BY 2.0\n\nHi.\tSalut !\tCC-BY 2.0\n")
    assert read_parallel_tsv(path) == [ParallelPair("Go.", "Va !", 1), ParallelPair("Hi.", "Salut !", 3)]
    assert read_parallel_tsv(path, source_column=1, target_column=0)[0] == ParallelPair("Va !", "Go.", 1)


@pytest.mark.parametrize("line, problem", [
    ("Go. Va !", "no target sentence"),
    ("Go.\t \tx", "the target sentence .* empty"),
    ("\tVa !", "the source sentence .* empty"),
])
def test_tsv_errors_name_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = _write(tmp_path / "pairs.tsv", f"Hi.\tSalut.\n{line}\n")
    with pytest.raises(DataError, match=rf"pairs\.tsv, line 2: {problem}"):
        read_parallel_tsv(path)


def test_word_tokens_split_punctuation_and_keep_contractions() -> None:
    assert translation_tokens("Two young, White males are outside near many bushes.", "word", True) == [
        "two", "young", ",", "white", "males", "are", "outside", "near", "many", "bushes", "."]
    assert translation_tokens("A man's dog.", "word", False) == ["A", "man's", "dog", "."]


def test_char_tokens_keep_spaces() -> None:
    assert translation_tokens("3 Mar 98", "char", True) == ["3", " ", "m", "a", "r", " ", "9", "8"]


def test_unknown_level_names_the_option() -> None:
    with pytest.raises(ConfigError, match="data.target_level='bpe'"):
        translation_tokens("a", "bpe", True, option="target_level")


@pytest.mark.parametrize("sentence", [
    "Two young, White males are outside near many bushes.",
    "A man's dog (a brown one) is running: fast!",
    'She says "hello" to the dogs\' owner.',
    "Is it the U.S. flag?",
    "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.",
])
def test_word_tokens_round_trip(sentence: str) -> None:
    assert detokenize_translation(translation_tokens(sentence, "word", False), "word") == sentence


def test_detokenize_contractions_and_chars() -> None:
    assert detokenize_translation(["it", "is", "n't", "john", "'s", "[", "red", "]", "ball", "..."], "word") == \
        "it isn't john's [red] ball..."
    assert detokenize_translation(list("1998-03-03"), "char") == "1998-03-03"
    with pytest.raises(ConfigError):
        detokenize_translation(["a"], "bpe")
