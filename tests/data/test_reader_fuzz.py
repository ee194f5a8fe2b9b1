"""Property tests of every data reader: whatever bytes or line structure a file holds, the reader either parses
it or raises the project's ``DataError`` naming the file (and a line of the file, when it names one) - never
another exception, never a traceback for the user."""

from __future__ import annotations

import gzip
import itertools
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqmodels.data.corpora.conll import read_conll
from seqmodels.data.corpora.corpus import LINES, CorpusRequest
from seqmodels.data.corpora.labelled_text import read_labelled
from seqmodels.data.corpora.parallel_text import read_parallel, read_parallel_tsv
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.data.encoding.vocabulary import SPECIALS, Vocabulary
from seqmodels.errors import DataError
from seqmodels.nn.embedding import read_vectors
from seqmodels.text_files import read_lines

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_names = itertools.count()

# --- what a file may hold --------------------------------------------------------------------------------------------

FIELD = st.one_of(
    st.sampled_from(["O", "B-PER", "I-LOC", "B-", "X-PER", "E-ORG", "-DOCSTART-", "0", "1", "label", "sentence",
                     "1.5", "-2e3", "nan", "\"quoted, text\"", "\"", "<unk>", "<eos>", "ünïcödé", "日本語", "\u2028"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
)
SEPARATOR = st.sampled_from([" ", "\t", ",", "  ", " \t", ""])
LINE = st.one_of(st.just(""), st.builds(lambda fields, sep: sep.join(fields), st.lists(FIELD, max_size=5), SEPARATOR))
ENDING = st.sampled_from(["\n", "\r\n"])


@st.composite
def text_files(draw: st.DrawFn) -> bytes:
    """Random line structures, sometimes spoiled: a byte-order mark, bytes that are not UTF-8, a NUL byte."""
    lines = draw(st.lists(LINE, max_size=12))
    ending = draw(ENDING)
    data = ending.join(lines).encode("utf-8")
    if draw(st.booleans()):
        data += ending.encode()
    spoil = draw(st.sampled_from(["none", "none", "bom", "latin1", "nul", "utf16"]))
    if spoil == "bom":
        data = b"\xef\xbb\xbf" + data
    elif spoil == "latin1" and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\xe9" + data[at:]
    elif spoil == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\0" + data[at:]
    elif spoil == "utf16":
        data = ending.join(lines).encode("utf-16")
    return data


ANY_BYTES = st.one_of(st.binary(max_size=300), text_files())


@st.composite
def stored(draw: st.DrawFn, contents: st.SearchStrategy[bytes] = ANY_BYTES) -> tuple[bytes, str]:
    """(bytes as stored, storage): plain, gzipped, or a gzip file cut short / with a damaged body."""
    data = draw(contents)
    storage = draw(st.sampled_from(["plain", "plain", "plain", "gz", "gz-cut", "gz-damaged"]))
    if storage == "plain":
        return data, storage
    packed = gzip.compress(data)
    if storage == "gz-cut":
        packed = packed[: draw(st.integers(0, len(packed) - 1))]
    elif storage == "gz-damaged":
        at = draw(st.integers(10, len(packed) - 1))
        packed = packed[:at] + bytes([packed[at] ^ 0xFF]) + packed[at + 1:]
    return packed, storage


def _write(folder: Path, content: tuple[bytes, str], suffix: str = ".txt") -> Path:
    data, storage = content
    path = folder / f"f{next(_names)}{suffix}"
    if storage != "plain":
        path = path.with_name(path.name + ".gz")
    path.write_bytes(data)
    return path


def _line_count(path: Path) -> int:
    """Lines of a file as a reader numbers them; of a damaged .gz file, the lines before the damage (a reader
    that streams may find a bad line there before it reaches the damage)."""
    if path.suffix != ".gz":
        return path.read_bytes().count(b"\n") + 1
    data = b""
    with gzip.open(path, "rb") as stream:
        try:
            while chunk := stream.read(1):
                data += chunk
        except (OSError, EOFError, zlib.error):
            pass
    return data.count(b"\n") + 1


def parses_or_names_the_file(read: Callable[[], Any], *paths: Path) -> None:
    """``read()`` returns, or raises a DataError naming one of ``paths`` (a line it names lies in that file)."""
    try:
        read()
    except DataError as error:
        message = str(error)
        named = [path for path in paths if str(path) in message or str(path).removesuffix(".gz") in message]
        assert named, f"the message names none of {paths}: {message}"
        for number in re.findall(r", line (\d+)", message):
            assert 1 <= int(number) <= max(_line_count(path) for path in named), message
        assert "\n" not in message, f"not one line: {message!r}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- the readers -----------------------------------------------------------------------------------------------------


@FAST
@given(content=stored())
def test_read_lines(folder: Path, content: tuple[bytes, str]) -> None:
    path = _write(folder, content)
    parses_or_names_the_file(lambda: read_lines(path), path)


@FAST
@given(train=stored(), valid=stored())
def test_language_model_corpus_files(folder: Path, train: tuple[bytes, str], valid: tuple[bytes, str]) -> None:
    paths = _write(folder, train), _write(folder, valid)
    files = {"train": str(paths[0]).removesuffix(".gz"), "valid": str(paths[1]).removesuffix(".gz")}
    parses_or_names_the_file(lambda: find_corpus("files", LINES).read(CorpusRequest(files=files)), *paths)


@FAST
@given(content=stored(), tag_column=st.integers(-4, 4), token_column=st.integers(-2, 2))
def test_read_conll(folder: Path, content: tuple[bytes, str], tag_column: int, token_column: int) -> None:
    path = _write(folder, content, ".conll")
    parses_or_names_the_file(lambda: read_conll(path, tag_column=tag_column, token_column=token_column), path)


@FAST
@given(content=stored(), delimiter=st.sampled_from(["\t", ",", "tab", "comma"]),
       header=st.sampled_from([True, False, "auto"]),
       text_column=st.sampled_from([0, 1, -1, 2, "sentence", "text"]),
       label_column=st.sampled_from([1, 0, -1, 3, "label"]))
def test_read_labelled(folder: Path, content: tuple[bytes, str], delimiter: str, header: Any, text_column: Any,
                       label_column: Any) -> None:
    path = _write(folder, content, ".tsv")
    parses_or_names_the_file(lambda: read_labelled(path, text_column, label_column, delimiter, header), path)


@FAST
@given(source=stored(), target=stored())
def test_read_parallel(folder: Path, source: tuple[bytes, str], target: tuple[bytes, str]) -> None:
    paths = _write(folder, source, ".de"), _write(folder, target, ".en")
    parses_or_names_the_file(lambda: read_parallel(*paths), *paths)


@FAST
@given(content=stored(), source_column=st.integers(-3, 3), target_column=st.integers(-3, 3))
def test_read_parallel_tsv(folder: Path, content: tuple[bytes, str], source_column: int, target_column: int) -> None:
    path = _write(folder, content, ".tsv")
    parses_or_names_the_file(lambda: read_parallel_tsv(path, source_column, target_column), path)


NUMBER = st.one_of(st.floats(width=32).map(repr), st.sampled_from(["1", "-0.5", "1e40", "nan", "x", "", "1,5"]))


@st.composite
def vector_text(draw: st.DrawFn) -> bytes:
    """word2vec / GloVe text: an optional header, rows of a word and numbers (not always as many as the header)."""
    dim = draw(st.integers(0, 4))
    rows = draw(st.lists(st.tuples(FIELD, st.lists(NUMBER, min_size=max(0, dim - 1), max_size=dim + 1)), max_size=6))
    lines = [f"{word} {' '.join(values)}" for word, values in rows]
    if draw(st.booleans()):
        lines.insert(0, f"{draw(st.integers(0, 8))} {dim}")
    return "\n".join(lines).encode("utf-8") + draw(st.sampled_from([b"", b"\n", b"\n\n"]))


@st.composite
def vector_binary(draw: st.DrawFn) -> bytes:
    """word2vec binary: a header, then words and float32 bytes (sometimes too few, sometimes not UTF-8)."""
    count, dim = draw(st.integers(0, 5)), draw(st.sampled_from([0, 1, 3, 10**12]))
    body = b"".join(draw(st.binary(max_size=6)).replace(b" ", b"") + b" " + draw(st.binary(max_size=16))
                    + draw(st.sampled_from([b"", b"\n"])) for _ in range(draw(st.integers(0, count + 1))))
    return f"{count} {dim}\n".encode() + body


@FAST
@given(content=stored(st.one_of(vector_text(), vector_binary(), ANY_BYTES)),
       suffix=st.sampled_from([".txt", ".vec", ".bin"]), limit=st.sampled_from([None, 0, 2]))
def test_read_vectors(folder: Path, content: tuple[bytes, str], suffix: str, limit: Any) -> None:
    path = _write(folder, content, suffix)
    parses_or_names_the_file(lambda: read_vectors(path, limit=limit), path)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=12)
VOCABULARY_JSON = st.one_of(
    JSON,
    st.fixed_dictionaries({"tokens": st.one_of(JSON, st.lists(st.text(max_size=3)).map(lambda t: [*SPECIALS, *t]))},
                          optional={"level": st.one_of(st.sampled_from(["word", "char"]), JSON)}),
)


@FAST
@given(content=st.one_of(VOCABULARY_JSON.map(lambda value: json.dumps(value).encode()), ANY_BYTES))
def test_vocabulary_load(folder: Path, content: bytes) -> None:
    path = folder / f"vocab{next(_names)}.json"
    path.write_bytes(content)
    parses_or_names_the_file(lambda: Vocabulary.load(path), path)
