"""Reading text corpora: one sentence (or paragraph, or line) per line, UTF-8, optionally gzipped.

Every failure is a :class:`~seqmodels.errors.DataError` naming the file (and line): a missing
file, an empty one, a byte that is not UTF-8.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import List, Union

from seqmodels.errors import DataError


def resolve_text_file(path: Union[str, Path]) -> Path:
    """``path`` itself, or ``path.gz`` beside it; ``DataError`` when neither exists."""
    path = Path(path)
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    raise DataError(f"{path}: no such file (nor {path.name}.gz beside it)")


def read_lines(path: Union[str, Path]) -> List[str]:
    """The lines of a UTF-8 text file (``.gz`` read transparently), without their line endings.

    Windows line endings are accepted. Raises ``DataError`` naming the file when it is
    missing or holds no non-blank line, and the line number of the first non-UTF-8 byte.
    """
    path = resolve_text_file(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot read the file ({error})") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: byte 0x{raw[error.start]:02x} is not UTF-8; "
            "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)"
        ) from error
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise DataError(f"{path}: the file is empty (no line with text)")
    return lines
