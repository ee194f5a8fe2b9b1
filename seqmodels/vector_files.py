"""Word-vector files: read and write word2vec/GloVe files (``read_vectors``, ``write_vectors``); the words of one
(``vector_file_words``), for a vocabulary that should know them. :mod:`seqmodels.nn.embedding` builds embeddings
from them. A bottom layer: the networks and the data both read these files.

File formats (``read_vectors`` tells them apart by itself):

* word2vec text: a header line ``count dim``, then one line a word: ``word v1 v2 ... v_dim``.
* GloVe text: the same lines without the header. The first line is a header when it is exactly two
  integers; otherwise it is the first vector and the dimension is its number of values.
* word2vec binary: the header line, then for each word ``word`` + a space + ``dim`` float32 values
  (little-endian) + an optional ``\\n``. A file is binary when its header line is followed by bytes that
  a text file would not contain (a NUL byte or bytes that are not UTF-8, looked for in the first 64 KiB
  after the header), or when its name ends in ``.bin`` (or ``.bin.gz``) unless the line after its header
  is a well-formed text row (a word and ``dim`` numbers).

A name ending in ``.gz`` is decompressed on the fly. Values are separated by spaces or tabs, so a word
cannot contain either. A word that appears twice keeps its first vector (as gensim does); later rows
are skipped. Every malformed row raises ``DataError`` naming the file and the line (for binary files,
the vector and its byte offset).
"""

from __future__ import annotations

import codecs
import gzip
import sys
from array import array
from pathlib import Path
from typing import IO, Collection, Iterable, Iterator, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.errors import ConfigError, DataError
from seqmodels.text_files import READ_ERRORS, check_not_folder

_SNIFF_BYTES = 1 << 16   # bytes after the header searched for binary data
_CHUNK_BYTES = 1 << 20   # read size of the binary reader
_SEPARATORS = " \t\n\r\x0b\x0c"  # what separates values in a text row (bytes.split())
_WRITE_ROWS = 4096      # rows formatted at a time by write_vectors


def read_vectors(path: str | Path, limit: Optional[int] = None) -> Tuple[List[str], Tensor]:
    """Read a word2vec (text or binary) or GloVe file (see the module docstring for the formats).

    Args:
        path: the file; a ``.gz`` name is decompressed.
        limit: read only the first ``limit`` vectors of the file (rows, duplicates included).
    Returns:
        The words and their (len(words), dim) float32 vectors, in file order.
    Raises:
        DataError: the file is missing, empty or malformed (the message names the file and line).
    """
    return _read(Path(path), limit, keep=None)



def write_vectors(path: str | Path, words: Sequence[str], vectors: Tensor, binary: bool = False) -> None:
    """Write ``words`` and their (len(words), dim) ``vectors`` in word2vec text or binary format.

    Text values are the shortest decimals that read back (through ``read_vectors``) as exactly the same
    float32 values, so a write/read round trip is bit-exact in both formats. A ``.gz`` name is compressed.
    """
    if vectors.dim() != 2 or vectors.size(0) != len(words):
        raise ValueError(f"vectors must be (len(words), dim) = ({len(words)}, dim), got {tuple(vectors.shape)}")
    for word in words:
        if not word or any(c in word for c in _SEPARATORS):
            raise ValueError(f"word {word!r} cannot be written: words must be non-empty, without spaces, tabs or "
                             f"newlines")
    vectors = vectors.detach().to("cpu", torch.float32).contiguous()
    path = Path(path)
    with _open(path, "wb") as f:
        f.write(f"{len(words)} {vectors.size(1)}\n".encode())
        for start in range(0, len(words), _WRITE_ROWS):
            block, block_words = vectors[start:start + _WRITE_ROWS], words[start:start + _WRITE_ROWS]
            if binary:
                values = array("f", block.reshape(-1).tolist())
                if sys.byteorder == "big":
                    values.byteswap()
                data, size = values.tobytes(), 4 * vectors.size(1)
                f.write(b"".join(word.encode() + b" " + data[i * size:(i + 1) * size] + b"\n"
                                 for i, word in enumerate(block_words)))
            else:
                rows = _exact_decimals(block)
                f.write("".join(word + " " + " ".join(row) + "\n" for word, row in zip(block_words, rows)).encode())


def vector_file_words(path: str | Path, limit: Optional[int] = None) -> List[str]:
    """The words of a word2vec / GloVe file, in file order (GloVe's and word2vec's: most frequent first), the first
    ``limit`` rows only when given. Raises what :func:`read_vectors` raises."""
    return read_vectors(path, limit)[0]


def read_kept_vectors(path: str | Path, keep: Collection[str]) -> Tuple[List[str], Tensor]:
    """The words of ``keep`` that the file holds and their vectors, in file order; the numbers of the other rows
    are checked for their count but not parsed, so a large file costs little memory."""
    return _read(Path(path), None, keep=keep)


# ---------------------------------------------------------------------------------------------- reading


def _open(path: Path, mode: str) -> IO[bytes]:
    """The file in binary ``mode``, through gzip when its name ends in ``.gz``."""
    if path.suffix == ".gz":
        return gzip.open(path, mode)  # type: ignore[return-value]
    return open(path, mode)


def _read(path: Path, limit: Optional[int], keep: Optional[Collection[str]]) -> Tuple[List[str], Tensor]:
    """read_vectors, keeping only the words in ``keep`` (all when None)."""
    if limit is not None and limit < 0:
        raise ConfigError(f"limit must be >= 0, got {limit}")
    check_not_folder(path)
    try:
        f = _open(path, "rb")
    except OSError as error:
        raise DataError(f"cannot open vector file {path}: {error.strerror or error}") from None
    try:
        with f:
            first, number = f.readline().removeprefix(codecs.BOM_UTF8), 1
            while first and not first.strip():  # leading blank lines
                first, number = f.readline(), number + 1
            if not first:
                raise DataError(f"{path} is empty (expected word vectors in word2vec or GloVe format)")
            header = _header(first)
            binary = Path(path.stem).suffix == ".bin" if path.suffix == ".gz" else path.suffix == ".bin"
            if header is None:
                if binary:
                    raise DataError(f"{path}, line {number}: a binary vector file must start with a 'count dim' "
                                    f"header, got {_show(first)}")
                return _read_text(path, _chain(first, f), number, None, limit, keep)
            after_header = f.tell()
            sample = f.read(_SNIFF_BYTES)
            f.seek(after_header)
            if not binary:
                binary = _looks_binary(sample, final=len(sample) < _SNIFF_BYTES)
            elif not _looks_binary(sample, final=len(sample) < _SNIFF_BYTES) and _is_text_row(sample, header[1]):
                binary = False  # a text file named .bin
            if binary:
                return _read_binary(path, f, header, limit, keep)
            return _read_text(path, f, number + 1, header, limit, keep)
    except READ_ERRORS as error:
        damaged = " (a damaged or truncated .gz file)" if path.suffix == ".gz" else ""
        raise DataError(f"cannot read vector file {path}{damaged}: {error}") from None


def _header(line: bytes) -> Optional[Tuple[int, int]]:
    """(count, dim) when the line is exactly two integers, else None."""
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _looks_binary(sample: bytes, final: bool) -> bool:
    """True when the bytes after a header cannot be text: a NUL byte or invalid UTF-8."""
    if b"\0" in sample:
        return True
    try:
        sample.decode("utf-8") if final else _utf8_prefix(sample)
    except UnicodeDecodeError:
        return True
    return False


def _is_text_row(sample: bytes, dim: int) -> bool:
    """True when the first line of ``sample`` is a text row: a word and ``dim`` numbers."""
    parts = sample.split(b"\n", 1)[0].split()
    return len(parts) == dim + 1 and all(_is_float(p) for p in parts[1:])


def _utf8_prefix(sample: bytes) -> None:
    """Decode a sample that may end inside a multi-byte character (raises UnicodeDecodeError)."""
    codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)


def _show(line: bytes, width: int = 60) -> str:
    """A line for an error message, shortened."""
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    return repr(text if len(text) <= width else text[:width] + "...")


def _read_text(path: Path, lines: Iterable[bytes], number: int, header: Optional[Tuple[int, int]],
               limit: Optional[int], keep: Optional[Collection[str]]) -> Tuple[List[str], Tensor]:
    """Text rows ``word v1 ... v_dim``; ``number`` is the line number of the first of ``lines``."""
    expected, dim = header if header is not None else (None, None)
    dim_source = f"the dimension in the header on line {number - 1}" if header is not None else None
    if dim is not None and dim < 1:
        raise DataError(f"{path}, line {number - 1}: the header gives dimension {dim}; it must be at least 1")
    stop = min(x for x in (expected, limit, float("inf")) if x is not None)
    words: List[str] = []
    seen = set()
    values = array("f")
    rows = 0
    for number, raw in enumerate(lines, start=number):
        if rows >= stop:
            break
        parts = raw.split()
        if not parts:
            continue  # blank line
        if dim is None:
            dim = len(parts) - 1
            dim_source = f"the dimension of the first vector, line {number}"
            if dim < 1:
                raise DataError(f"{path}, line {number}: a word without values: {_show(raw)}")
        if len(parts) - 1 != dim:
            raise DataError(f"{path}, line {number}: {len(parts) - 1} values after the word, expected {dim} "
                            f"({dim_source})")
        rows += 1
        try:
            word = parts[0].decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{path}, line {number}: the word is not UTF-8 text: {_show(raw)}") from None
        if word in seen or (keep is not None and word not in keep):
            continue
        try:
            values.extend(map(float, parts[1:]))
        except ValueError:
            bad = next(p for p in parts[1:] if not _is_float(p))
            raise DataError(f"{path}, line {number}: {_show(bad)} is not a number") from None
        seen.add(word)
        words.append(word)
    if expected is not None and rows < expected and (limit is None or rows < limit):
        raise DataError(f"{path}: the header says {expected} vectors but the file has only {rows}")
    return words, _matrix(values, len(words), dim if dim is not None else 0)


def _chain(first: bytes, rest: IO[bytes]) -> Iterator[bytes]:
    """``first``, then the lines of ``rest``."""
    yield first
    yield from rest


def _is_float(text: bytes) -> bool:
    """True when ``float`` reads the text."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _matrix(values: array, rows: int, dim: int) -> Tensor:
    """The (rows, dim) float32 tensor of a flat array('f')."""
    if not rows:
        return torch.empty(0, dim)
    return torch.frombuffer(values, dtype=torch.float32).view(rows, dim).clone()


def _read_binary(path: Path, f: IO[bytes], header: Tuple[int, int], limit: Optional[int],
                 keep: Optional[Collection[str]]) -> Tuple[List[str], Tensor]:
    """word2vec binary vectors: ``word`` + space + dim float32 (little-endian) + optional newline each."""
    count, dim = header
    if dim < 1:
        raise DataError(f"{path}: the header gives dimension {dim}; it must be at least 1")
    stop = count if limit is None else min(count, limit)
    size = 4 * dim
    buffer, pos, offset = b"", 0, f.tell()  # offset: file position of buffer[0]

    def fill(needed: int) -> bool:
        """Make buffer[pos:] at least ``needed`` bytes long; False at the end of the file."""
        nonlocal buffer, pos, offset
        while len(buffer) - pos < needed:  # chunk by chunk: a bogus header dimension must not allocate terabytes
            chunk = f.read(_CHUNK_BYTES)
            if not chunk:
                return False
            offset += pos
            buffer, pos = buffer[pos:] + chunk, 0
        return True

    words: List[str] = []
    seen = set()
    values = array("f")
    for index in range(1, stop + 1):
        while fill(1) and buffer[pos:pos + 1] == b"\n":
            pos += 1
        start = offset + pos
        where = f"{path}, vector {index} (byte {start})"
        end = buffer.find(b" ", pos)
        while end < 0:
            searched = len(buffer) - pos
            if not fill(searched + 1):
                raise DataError(f"{path}: the header says {count} vectors but the file ends after {index - 1}")
            end = buffer.find(b" ", pos + searched)
        try:
            word = buffer[pos:end].decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{where}: the word is not UTF-8 text (is this a word2vec binary file?)") from None
        pos = end + 1
        if not fill(size):
            raise DataError(f"{where}: the file ends inside the vector of {word!r} ({dim} float32 expected)")
        if word not in seen and (keep is None or word in keep):
            values.frombytes(buffer[pos:pos + size])
            seen.add(word)
            words.append(word)
        pos += size
    if sys.byteorder == "big":
        values.byteswap()
    return words, _matrix(values, len(words), dim)


# ---------------------------------------------------------------------------------------------- writing


def _exact_decimals(block: Tensor) -> List[List[str]]:
    """For each float32 value the shortest ``%.Ng`` decimal (N = 6..9) that reads back as the same bits.

    Reading goes through Python's float (a double) and a C cast to float32, as ``read_vectors`` does;
    9 significant digits always suffice for that path (they land within 5e-9 of the value, the nearest
    float32 rounding boundary is at least 3e-8 away, relatively).
    """
    numbers = block.reshape(-1).tolist()
    bits = _float32_bits(numbers)
    texts = ["%.6g" % x for x in numbers]
    todo: Sequence[int] = range(len(numbers))
    for digits in (7, 8, 9):
        back = _float32_bits([float(texts[i]) for i in todo])
        todo = [i for i, b in zip(todo, back) if b != bits[i]]
        for i in todo:
            texts[i] = f"%.{digits}g" % numbers[i]
    dim = block.size(1)
    return [texts[i:i + dim] for i in range(0, len(texts), dim)]


def _float32_bits(numbers: Sequence[float]) -> List[int]:
    """The bit patterns of the numbers cast to float32."""
    return list(memoryview(array("f", numbers)).cast("B").cast("I"))
