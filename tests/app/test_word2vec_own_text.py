"""word2vec on the user's own text through Hydra (``data=word2vec_text_files``): it trains on the files, writes
vectors.txt of their words, and a file that is not there, or not given, is one line naming the option."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import read_vectors
from tests.app.hydra_helpers import TINY, TINY_SEQ2SEQ, TINY_WORD2VEC, train

WORDS = "river boat bank water fish stone bridge tree".split()
OWN_TEXT = ["data=word2vec_text_files", "data.min_freq=1"]


def write_text(path: Path, lines: int) -> Path:
    """``lines`` lines of 6 of WORDS each, every word on many lines."""
    path.write_text("".join(" ".join(WORDS[(i + j) % len(WORDS)] for j in range(6)) + ".\n" for i in range(lines)),
                    encoding="utf-8")
    return path


def files(tmp_path: Path) -> List[str]:
    return [f"data.files.train={write_text(tmp_path / 'my.txt', 80)}",
            f"data.files.valid={write_text(tmp_path / 'my_valid.txt', 16)}"]


def test_word2vec_trains_on_own_text_files_and_writes_their_words_vectors(tmp_path: Path) -> None:
    metrics = train(tmp_path, [*OWN_TEXT, *files(tmp_path)], tiny=TINY_WORD2VEC)
    assert metrics["val/loss"] > 0 and "test/loss" not in metrics  # no data.files.test: no test split
    words, vectors = read_vectors(tmp_path / "vectors.txt")
    assert sorted(words) == sorted([*WORDS, "."]) and vectors.shape == (len(WORDS) + 1, 8)  # the files' tokens


def test_the_test_file_is_optional_and_read_when_given(tmp_path: Path) -> None:
    test_file = write_text(tmp_path / "my_test.txt", 8)
    metrics = train(tmp_path, [*OWN_TEXT, *files(tmp_path), f"data.files.test={test_file}"], tiny=TINY_WORD2VEC)
    assert metrics["test/loss"] > 0


@pytest.mark.parametrize("split", ["train", "valid"])
def test_a_missing_file_is_one_line_naming_the_option(tmp_path: Path, split: str) -> None:
    overrides = [*OWN_TEXT, *files(tmp_path), f"data.files.{split}={tmp_path / 'nope.txt'}"]
    with pytest.raises(DataError) as error:
        train(tmp_path, overrides, tiny=TINY_WORD2VEC)
    assert str(error.value) == f"data.files.{split}={tmp_path / 'nope.txt'}: no such file (nor nope.txt.gz beside it)"


def test_a_file_not_given_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data\.files\.valid is not set"):
        train(tmp_path, [*OWN_TEXT, files(tmp_path)[0]], tiny=TINY_WORD2VEC)


def test_the_other_own_files_presets_name_the_option_of_a_missing_file(tmp_path: Path) -> None:
    """The same check for every ``data.files`` config: the language model's, and each side of a seq2seq pair."""
    train_file, valid_file = (value.split("=", 1)[1] for value in files(tmp_path))
    with pytest.raises(DataError, match=r"^data\.files\.valid=.*nope\.txt: no such file"):
        train(tmp_path, ["data=text_files", f"data.files.train={train_file}",
                         f"data.files.valid={tmp_path / 'nope.txt'}"], tiny=TINY)
    with pytest.raises(DataError, match=r"^data\.files\.train\.target=.*nope\.txt: no such file"):
        train(tmp_path, ["data=parallel_files", f"data.files.train.source={train_file}",
                         f"data.files.train.target={tmp_path / 'nope.txt'}", f"data.files.valid.source={valid_file}",
                         f"data.files.valid.target={valid_file}"], tiny=TINY_SEQ2SEQ)
