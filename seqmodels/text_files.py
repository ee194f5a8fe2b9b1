"""Reading text corpora: one sentence (or paragraph, or line) per line, UTF-8, optionally gzipped.

Every failure is a :class:`~seqmodels.errors.DataError` naming the file (and line): a missing
file, a folder given for a file, an empty one, a damaged ``.gz``, a byte that is not UTF-8, a NUL
byte (a binary or UTF-16 file). A UTF-8 byte-order mark is dropped; lines end at ``\\n`` (a ``\\r``
before it is dropped too), so line numbers are those an editor shows.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from seqmodels.errors import DataError

# What reading a damaged or truncated file can raise: gzip.BadGzipFile is an OSError, zlib.error is not.
READ_ERRORS = (OSError, EOFError, zlib.error)


def check_not_folder(path: str | Path, option: str = "") -> None:
    """``DataError`` when ``path`` is a folder: the one thing "no such file" would misreport. ``option`` (e.g.
    ``"--conll"``) names where the path was given."""
    if Path(path).is_dir():
        raise DataError(f"{f'{option} ' if option else ''}{path}: is a folder, not a file; give the path of a file "
                        "inside it")


def find_text_file(path: str | Path) -> Path | None:
    """``path`` itself, or ``path.gz`` beside it, whichever is a file; None when neither is."""
    path = Path(path)
    return next((candidate for candidate in (path, path.with_name(path.name + ".gz")) if candidate.is_file()), None)


def resolve_text_file(path: str | Path) -> Path:
    """``path`` itself, or ``path.gz`` beside it; ``DataError`` when neither exists or ``path`` is a folder."""
    check_not_folder(path)
    found = find_text_file(path)
    if found is None:
        raise DataError(f"{path}: no such file (nor {Path(path).name}.gz beside it)")
    return found


def line_of(data: bytes | str, offset: int) -> int:
    """The 1-based line number of position ``offset`` in ``data``."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def decode_text(raw: bytes, path: str | Path) -> str:
    """``raw`` as UTF-8 text without a leading byte-order mark; ``DataError`` naming ``path`` (a file, or
    ``stdin``) with the line and column of the first byte that is not UTF-8, or the line of a NUL byte (binary
    data, or UTF-16 text)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start + len(raw) - len(error.object)  # the decoder's input starts after the mark
        line_start = raw.rfind(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8-sig")) + 1  # the bytes before it decode: it is the first
        utf16 = "; it starts like UTF-16: convert it with iconv -f utf-16 -t utf-8" if raw[:2] in (
            b"\xff\xfe", b"\xfe\xff") else "; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8)"
        raise DataError(f"{path}, line {line_of(raw, start)}: byte 0x{raw[start]:02x} is not UTF-8 (column {column})"
                        f"{utf16}") from None
    nul = text.find("\0")
    if nul >= 0:
        raise DataError(f"{path}, line {line_of(text, nul)}: a NUL byte; this is not a text file (binary data, or "
                        "UTF-16 text: convert it with iconv -f utf-16 -t utf-8)")
    return text


def split_lines(text: str) -> list[str]:
    """The lines of ``text``: split at ``\\n`` only, one ``\\r`` before it dropped, no empty last line after a
    final newline. (``str.splitlines`` would also split at form feeds, U+2028 and others, which editors and
    ``wc -l`` do not count, and so shift the line numbers of error messages.)"""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, gunzipped when its name ends in ``.gz``; ``DataError`` when it cannot be read."""
    try:
        return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except READ_ERRORS as error:
        damaged = " (a damaged or truncated .gz file)" if path.suffix == ".gz" else ""
        raise DataError(f"{path}: cannot read the file{damaged}: {error}") from None


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file (``.gz`` read transparently), without their line endings.

    Windows line endings and a byte-order mark are accepted. Raises ``DataError`` naming the file when it is
    missing, a folder, unreadable or holds no non-blank line, and the line of the first non-UTF-8 or NUL byte.
    """
    path = resolve_text_file(path)
    lines = split_lines(decode_text(read_bytes(path), path))
    if not any(line.strip() for line in lines):
        raise DataError(f"{path}: the file is empty (no line with text)")
    return lines
