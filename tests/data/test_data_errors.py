"""Bad data files and bad data options give one-line errors naming the option, or the file and line: the
vocabulary cut-offs, the *_files configs without their files, the delimiter on a command line, malformed tags,
folders given for files, and files that are empty, not UTF-8, UTF-16, gzip-damaged, or full of NUL bytes."""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seqmodels.data.corpora.conll import read_conll
from seqmodels.data.corpora.labelled_text import read_labelled
from seqmodels.data.corpora.parallel_text import read_parallel, read_parallel_tsv
from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.data.modules.classification import ClassificationData
from seqmodels.data.modules.language_modeling import LanguageModelData
from seqmodels.data.modules.tagging import TaggingData
from seqmodels.data.modules.translation import TranslationData
from seqmodels.data.modules.word2vec import Word2VecData
from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import read_vectors
from seqmodels.text_files import read_lines
from seqmodels.train import run
from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, compose_train

DATAMODULES: list[Callable[..., Any]] = [LanguageModelData, Word2VecData, TaggingData, ClassificationData,
                                         TranslationData]


# --- 1, 2: the vocabulary cut-offs ------------------------------------------------------------------------------------


def test_a_min_freq_no_token_reaches_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"data\.min_freq=3: no token of the training data occurs that often "
                                          r"\(the most frequent, 'the', occurs 2 times\).*at most 2"):
        Vocabulary.build([["the", "cat"], ["the", "dog"]], min_freq=3)


def test_the_language_model_on_pydoc_refuses_a_vocabulary_of_specials_alone() -> None:
    data = LanguageModelData(min_freq=100_000_000)
    with pytest.raises(ConfigError, match=r"data\.min_freq=100000000: no token"):
        data.setup()


def test_most_tokens_unknown_is_a_warning_naming_the_share_and_the_options() -> None:
    sentences = [["the"] * 3 + [f"rare{i}" for i in range(7)]]
    with pytest.warns(UserWarning, match=r"data\.min_freq=2: 70% of the tokens of the training data become <unk> "
                                         r"\(7 of 10; 1 of 8 distinct tokens kept\)"):
        Vocabulary.build(sentences, min_freq=2)
    with pytest.warns(UserWarning, match=r"data\.min_freq=1, data\.max_size=5: 70%"):
        Vocabulary.build(sentences, max_size=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Vocabulary.build(sentences)  # nothing lost, no warning


def test_training_data_without_any_token_is_a_data_error() -> None:
    with pytest.raises(DataError, match="the training data holds no token"):
        Vocabulary.build([[], ["<unk>", "<eos>"]])


@pytest.mark.parametrize("datamodule", DATAMODULES)
@pytest.mark.parametrize("options, option", [({"max_size": 1}, r"data\.max_size=1: must exceed the 4 special"),
                                             ({"max_size": 4}, r"data\.max_size=4: must exceed"),
                                             ({"max_size": "big"}, r"data\.max_size='big': must be an integer"),
                                             ({"min_freq": 0}, r"data\.min_freq=0: must be an integer >= 1"),
                                             ({"min_freq": 1.5}, r"data\.min_freq=1\.5")])
def test_every_datamodule_checks_the_cut_offs_before_reading(datamodule: Callable[..., Any], options: dict,
                                                             option: str) -> None:
    with pytest.raises(ConfigError, match=option):
        datamodule(**options)


def test_max_size_five_keeps_the_one_most_frequent_token() -> None:
    with pytest.warns(UserWarning, match="become <unk>"):
        vocabulary = Vocabulary.build([["a", "b", "a"], ["c", "d", "e"]], max_size=5)
    assert vocabulary.tokens[4:] == ["a"]


# --- 3, 4: the *_files configs through Hydra --------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, tiny, missing", [
    (["data=text_files"], TINY, "data.files.train"),
    (["data=text_files", "data.files.train=a.txt"], TINY, "data.files.valid"),
    (["data=labelled_files", "data.files.train=a.tsv"], TINY_SENTIMENT, "data.files.valid"),
    (["data=tagged_files", "data.files.train=a.conll"], TINY_NER, "data.files.valid"),
    (["data=parallel_files", "data.files.train=a.tsv"], TINY_SEQ2SEQ, "data.files.valid.source"),
    (["data=parallel_files", "data.files.valid=a.tsv"], TINY_SEQ2SEQ, "data.files.train.source"),
])
def test_a_files_config_without_its_files_names_the_option(tmp_path: Path, overrides: list[str], tiny: list[str],
                                                           missing: str) -> None:
    cfg = compose_train(tmp_path, overrides, tiny)
    with pytest.raises(ConfigError, match=missing.replace(".", r"\.")):
        run(cfg)


@pytest.mark.parametrize("delimiter", ["comma", '","', "csv"])
def test_a_comma_delimiter_on_the_command_line(tmp_path: Path, delimiter: str) -> None:
    (tmp_path / "train.csv").write_text('text,label\n"good, very good",pos\nbad,neg\n')
    (tmp_path / "dev.csv").write_text("text,label\nfine,pos\n")
    cfg = compose_train(tmp_path, ["data=labelled_files", f"data.files.train={tmp_path / 'train.csv'}",
                                   f"data.files.valid={tmp_path / 'dev.csv'}", f"data.delimiter={delimiter}"],
                        TINY_SENTIMENT)
    data = ClassificationData(**{key: value for key, value in cfg.data.items() if key != "_target_"})
    data.setup()
    assert data.labels == ["neg", "pos"] and data.tokens["train"][0] == ["good", ",", "very", "good"]


@pytest.mark.parametrize("name, character", [("tab", "\t"), ("\\t", "\t"), ("comma", ",")])
def test_delimiter_names(tmp_path: Path, name: str, character: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"a b{character}1\nc{character}2\n")
    assert [e.text for e in read_labelled(path, delimiter=name, header=False)] == ["a b", "c"]


def test_a_bad_delimiter_header_or_column_names_the_data_option() -> None:
    with pytest.raises(ConfigError, match=r"data\.delimiter=';' is not supported; use tab .* or comma"):
        ClassificationData(corpus="files", delimiter=";")
    with pytest.raises(ConfigError, match=r"data\.header='yes'"):
        ClassificationData(corpus="files", header="yes")
    with pytest.raises(ConfigError, match=r"data\.label_column=1\.5"):
        ClassificationData(corpus="files", label_column=1.5)


# --- 5: malformed tags name the file and line -------------------------------------------------------------------------


def _tagging(tmp_path: Path, train: str, valid: str = "Mary B-PER\n", **options: Any) -> TaggingData:
    (tmp_path / "train.conll").write_text(train)
    (tmp_path / "valid.conll").write_text(valid)
    files = {"train": str(tmp_path / "train.conll"), "valid": str(tmp_path / "valid.conll")}
    return TaggingData(corpus="files", files=files, **options)


@pytest.mark.parametrize("tag, problem", [("B-", "malformed tag 'B-'"), ("X-PER", "malformed tag 'X-PER'"),
                                          ("PER", "malformed tag 'PER'"), ("E-PER", "tag 'E-PER' is not a iob2 tag"),
                                          ("S-LOC", "tag 'S-LOC' is not a iob2 tag")])
def test_a_malformed_tag_names_the_file_and_line(tmp_path: Path, tag: str, problem: str) -> None:
    data = _tagging(tmp_path, f"-DOCSTART- O\n\nHarry B-PER\nPotter I-PER\n\nin O\nParis {tag}\n")
    with pytest.raises(DataError, match=rf"train\.conll, line 7: {problem}.*; check data\.tag_column=-1 .*"
                                        r"data\.source_scheme=iob2"):
        data.setup()


def test_a_tag_of_the_other_scheme_is_read_with_the_right_source_scheme(tmp_path: Path) -> None:
    data = _tagging(tmp_path, "Harry B-PER\nPotter E-PER\nsmiled O\n", "Mary S-PER\n", source_scheme="bioes")
    data.setup()
    assert data.sentences["train"][0].tags == ("B-PER", "I-PER", "O")


def test_an_unknown_validation_tag_names_its_line(tmp_path: Path) -> None:
    data = _tagging(tmp_path, "Harry B-PER\nsmiled O\n", "Mary B-PER\n\nin O\nAcme B-ORG\n")
    with pytest.raises(DataError, match=r"valid\.conll, line 4: tag 'B-ORG' does not occur in the training data"):
        data.setup()


def test_entity_types_the_training_data_lacks_and_a_single_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data\.entity_types=\['FOO'\]: the training data has no entity of type "
                                          r"\['FOO'\]; its types are \['PER'\]"):
        _tagging(tmp_path, "Harry B-PER\nsmiled O\n", entity_types=["FOO"]).setup()
    data = _tagging(tmp_path, "Harry B-PER\nParis B-LOC\n", entity_types="PER")  # one type, not 'P', 'E', 'R'
    data.setup()
    assert data.encoder.tags == ["O", "B-PER", "I-PER"]


def test_a_tag_column_that_is_not_an_index() -> None:
    with pytest.raises(ConfigError, match=r"data\.tag_column='ner'"):
        TaggingData(corpus="files", tag_column="ner")


# --- 6, 7: folders, and what a file may hold --------------------------------------------------------------------------

READERS: dict[str, Callable[[Path], Any]] = {
    "read_lines": read_lines,
    "read_conll": read_conll,
    "read_labelled": read_labelled,
    "read_parallel_tsv": read_parallel_tsv,
    "read_parallel": lambda path: read_parallel(path, path),
    "read_vectors": read_vectors,
}


@pytest.mark.parametrize("reader", READERS)
def test_a_folder_given_for_a_file_is_called_a_folder(tmp_path: Path, reader: str) -> None:
    with pytest.raises(DataError, match=rf"{tmp_path.name}: is a folder, not a file"):
        READERS[reader](tmp_path)


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", r"the file is empty"),
    "blank lines only": (b"\n  \n\t\r\n", r"the file is empty"),
    "latin-1": (b"a 1\ncaf\xe9 2\n", r", line 2: byte 0xe9 is not UTF-8"),
    "UTF-16": ("a\t1\n".encode("utf-16"), r", line 1: byte 0xff is not UTF-8 \(column 1\); it starts like UTF-16"),
    "NUL byte": (b"a 1\nb 2\n\0\0\n", r", line 3: a NUL byte; this is not a text file"),
    "damaged gzip": (gzip.compress(b"a 1\n" * 100)[:-12], r"cannot read the file \(a damaged or truncated \.gz"),
    "not gzip": (b"a 1\n", r"cannot read the file \(a damaged or truncated \.gz file\): Not a gzipped file"),
}


@pytest.mark.parametrize("reader", ["read_lines", "read_conll", "read_labelled", "read_parallel_tsv"])
@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_text_files_name_file_and_line(tmp_path: Path, reader: str, case: str) -> None:
    data, problem = BAD_FILES[case]
    path = tmp_path / ("data.txt.gz" if "gzip" in case else "data.txt")
    path.write_bytes(data)
    with pytest.raises(DataError, match=rf"{path.name}{problem}" if problem.startswith(",") else
                       rf"{path.name}: {problem}"):
        READERS[reader](path)


def test_a_damaged_gzip_vector_file(tmp_path: Path) -> None:
    path = tmp_path / "vectors.txt.gz"
    rows = "".join(f"w{i} {i} {i * 7 % 1000}\n" for i in range(50_000)).encode()
    path.write_bytes(gzip.compress(rows)[:-1000])
    with pytest.raises(DataError, match=r"cannot read vector file .*vectors\.txt\.gz \(a damaged or truncated"):
        read_vectors(path)


def test_a_binary_vector_header_with_a_huge_dimension_is_no_memory_error(tmp_path: Path) -> None:
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"1 1000000000000\nword \x00\x01\x02")
    with pytest.raises(DataError, match=r"vectors\.bin, vector 1 \(byte 16\): the file ends inside the vector"):
        read_vectors(path)


def test_byte_order_mark_crlf_and_long_lines_parse(tmp_path: Path) -> None:
    long = "word " * 50_000
    path = tmp_path / "bom.tsv"
    path.write_bytes(b"\xef\xbb\xbfsentence\tlabel\r\n" + f"{long}\t1\r\nshort\t0\r\n".encode())
    examples = read_labelled(path, text_column="sentence", label_column="label")
    assert [e.label for e in examples] == ["1", "0"] and examples[0].text == long.strip()
    (tmp_path / "bom.conll").write_bytes(b"\xef\xbb\xbfEU B-ORG\r\nrejects O\r\n")
    assert read_conll(tmp_path / "bom.conll")[0].tokens == ("EU", "rejects")


def test_only_newlines_end_lines(tmp_path: Path) -> None:
    """A form feed or U+2028 inside a line is part of it: the line numbers are an editor's, and two aligned files
    stay aligned."""
    path = tmp_path / "a.txt"
    path.write_text("one\u2028still one\x0cand still\nline two\n\nbad caf\n", encoding="utf-8")
    assert read_lines(path) == ["one\u2028still one\x0cand still", "line two", "", "bad caf"]
    path.write_bytes(path.read_bytes().replace(b"caf", b"caf\xe9"))
    with pytest.raises(DataError, match=r"a\.txt, line 4: byte 0xe9"):
        read_lines(path)


def test_a_csv_field_over_the_csv_limit_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"ok,1\n\"{'x' * 200_000}\",0\n")
    with pytest.raises(DataError, match=r"a\.csv, line 2: malformed CSV line \(a field longer than the csv module's "
                                        r"limit of 131,072 characters\)"):
        read_labelled(path, delimiter="comma", header=False)


def test_a_vocabulary_file_of_another_shape_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "vocab.json"
    for content, problem in [("[1, 2]", "a JSON list"), ('{"tokens": ["<pad>", "<unk>", "<bos>", "<eos>", 5]}',
                                                         "tokens must be strings"),
                             ('{"tokens": ["<pad>", "<unk>", "<bos>", "<eos>"], "level": "byte"}', "level"),
                             ("[" * 100_000, "")]:
        path.write_text(content)
        with pytest.raises(DataError, match=rf"vocab\.json: not a seqmodels vocabulary file \(.*{problem}"):
            Vocabulary.load(path)
