import gzip
from pathlib import Path

import pytest

from seqmodels.errors import DataError
from seqmodels.text_files import read_lines


def test_plain_gzipped_and_windows_line_endings(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"one two\r\nthree\r\n")
    with gzip.open(tmp_path / "b.txt.gz", "wb") as handle:
        handle.write("ünï\ncode\n".encode())
    assert read_lines(tmp_path / "a.txt") == ["one two", "three"]
    assert read_lines(tmp_path / "b.txt") == ["ünï", "code"]  # finds b.txt.gz beside the name asked for


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.txt: no such file"):
        read_lines(tmp_path / "nope.txt")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n  \n")
    with pytest.raises(DataError, match=r"empty\.txt: the file is empty"):
        read_lines(tmp_path / "empty.txt")


def test_non_utf8_byte_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(b"fine\nalso fine\ncaf\xe9\n")
    with pytest.raises(DataError, match=r"latin\.txt, line 3: byte 0xe9 is not UTF-8"):
        read_lines(tmp_path / "latin.txt")
