from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from seqmodels.data.corpora.labelled_text import LabelledText, check_labels, label_set, read_labelled, tokenize_text
from seqmodels.errors import ConfigError, DataError

SHARED_DATA = Path(os.environ.get("SEQMODELS_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data"))

SST2_LIKE = "sentence\tlabel\nit 's a charming journey . \t1\nunflinchingly bleak and desperate \t0\n\nfine .\t1\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_sst2_like_tsv_with_header_by_index_and_by_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "dev.tsv", SST2_LIKE)
    expected = [
        LabelledText("it 's a charming journey .", "1"),
        LabelledText("unflinchingly bleak and desperate", "0"),
        LabelledText("fine .", "1"),
    ]
    by_index = read_labelled(path)
    assert by_index == expected
    assert [example.line for example in by_index] == [2, 3, 5]  # the header and the blank line count
    assert read_labelled(path, text_column="sentence", label_column="label") == expected
    assert read_labelled(path, text_column="sentence", label_column=-1, header=True) == expected


def test_csv_with_quoted_commas_and_columns_in_another_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", 'id,label,text\n7,pos,"Great food, great staff."\n8,neg,"He said ""no"", sadly"\n')
    examples = read_labelled(path, text_column="text", label_column="label", delimiter=",")
    assert examples == [LabelledText("Great food, great staff.", "pos"), LabelledText('He said "no", sadly', "neg")]


def test_no_header_gzip_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "train.tsv.gz"
    path.write_bytes(gzip.compress(b"good\t1\r\nbad\t0\r\nok\t1\r\n"))
    expected = [LabelledText("good", "1"), LabelledText("bad", "0"), LabelledText("ok", "1")]
    assert read_labelled(tmp_path / "train.tsv") == expected  # auto: "1" is a label of the other rows
    assert read_labelled(path, header=False) == expected
    assert read_labelled(path, header=True) == expected[1:]


def test_auto_header_when_the_first_label_is_new(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.tsv", "polarity\ttext\n0\tbad\n1\tgood\n")
    assert read_labelled(path, text_column=1, label_column=0) == [LabelledText("bad", "0"), LabelledText("good", "1")]
    # A first line whose label cell is a label of the other lines is data.
    path = _write(tmp_path, "b.tsv", "1\tnice\n0\tbad\n1\tgood\n")
    assert len(read_labelled(path, text_column=1, label_column=0)) == 3


def test_missing_label_column_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.tsv", "sentence\tlabel\ngood\t1\njust text\n")
    with pytest.raises(DataError, match=r"bad\.tsv, line 3: no label"):
        read_labelled(path)


def test_empty_label_and_empty_text(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"a\.tsv, line 3: no label"):
        read_labelled(_write(tmp_path, "a.tsv", "sentence\tlabel\ngood\t1\nbad\t \n"))
    with pytest.raises(DataError, match=r"b\.tsv, line 2: empty text"):
        read_labelled(_write(tmp_path, "b.tsv", "sentence\tlabel\n  \t1\n"))


def test_unknown_column_name_lists_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.tsv", SST2_LIKE)
    with pytest.raises(DataError, match=r"a\.tsv, line 1: label_column='sentiment' .*\['sentence', 'label'\]"):
        read_labelled(path, label_column="sentiment")
    with pytest.raises(DataError, match="needs a header"):
        read_labelled(path, text_column="sentence", header=False)
    with pytest.raises(DataError, match="same column"):
        read_labelled(path, text_column=1)


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"empty\.tsv: the file is empty"):
        read_labelled(_write(tmp_path, "empty.tsv", "\n\n"))
    with pytest.raises(DataError, match=r"head\.tsv: no example in the file .*header=False"):
        read_labelled(_write(tmp_path, "head.tsv", "sentence\tlabel\n"))


def test_bad_options_and_malformed_csv(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", 'text,label\n"unclosed,1\n')
    with pytest.raises(ConfigError, match="delimiter"):
        read_labelled(path, delimiter=";")
    with pytest.raises(ConfigError, match="header"):
        read_labelled(path, header="yes")
    with pytest.raises(DataError, match=r"a\.csv, line 2: malformed CSV"):
        read_labelled(path, delimiter=",")


def test_label_set_sorts_numbers_numerically() -> None:
    examples = [LabelledText("t", label) for label in ("10", "2", "0", "1", "2", "-1")]
    assert label_set(examples) == ["-1", "0", "1", "2", "10"]
    assert label_set([LabelledText("t", label) for label in ("pos", "neg", "3")]) == ["3", "neg", "pos"]


def test_check_labels_names_file_line_and_training_labels(tmp_path: Path) -> None:
    train = read_labelled(_write(tmp_path, "train.tsv", SST2_LIKE))
    dev_path = _write(tmp_path, "dev.tsv", "sentence\tlabel\nfine\t1\nodd\t2\n")
    dev = read_labelled(dev_path, header=True)
    check_labels(dev[:1], label_set(train), dev_path)
    with pytest.raises(DataError, match=r"dev\.tsv, line 3: label '2' is not one of the training labels \['0', '1'\]"):
        check_labels(dev, label_set(train), dev_path)
    with pytest.raises(DataError, match=r"x, example 1: label 'z'"):
        check_labels([LabelledText("t", "z")], ["a"], "x")


def test_tokenize_text() -> None:
    assert tokenize_text("Great food, GREAT staff!") == ["great", "food", ",", "great", "staff", "!"]
    assert tokenize_text("Don't go.", lowercase=False) == ["Don't", "go", "."]


def test_sst2_dev_if_present() -> None:
    path = SHARED_DATA / "sst2" / "dev.tsv"
    if not path.exists():
        pytest.skip(f"{path} not found (set SEQMODELS_DATA_DIR)")
    examples = read_labelled(path)
    assert len(examples) == 872
    assert set(label_set(examples)) == {"0", "1"}
    assert read_labelled(path, text_column="sentence", label_column="label") == examples
