"""Text classification files: one example per line, a text column and a label column.

SST-2 is the model: a header line, then ``sentence<TAB>label`` lines::

    sentence	label
    it 's a charming and often affecting journey . 	1
    unflinchingly bleak and desperate 	0

:func:`read_labelled` reads such files (tab-separated, or comma-separated with CSV quoting), picking the
columns by index or by header name; :func:`label_set` lists the labels of a training set and
:func:`check_labels` rejects a dev/test label the training set never had; :func:`tokenize_text` is the
simple tokeniser for the texts.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from seqmodels.data.corpora.conll import tokenize
from seqmodels.errors import ConfigError, DataError
from seqmodels.text_files import read_lines, resolve_text_file

PathLike = Union[str, Path]
Column = Union[int, str]

DELIMITERS = ("\t", ",")
# Names a command line can pass: Hydra's override grammar reads a bare `,` as a list (`data.delimiter=,` does not
# parse), and a shell turns `\t` into two characters; `data.delimiter=comma` and `data.delimiter=tab` always work.
DELIMITER_NAMES = {"comma": ",", "tab": "\t", "\\t": "\t", "csv": ",", "tsv": "\t"}
HEADERS = (True, False, "auto")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


@dataclass(frozen=True)
class LabelledText:
    """A text and its label. ``line`` is the 1-based line of the file it came from (0: not from a file);
    it is left out of comparisons, so equal texts with equal labels are equal wherever they came from."""

    text: str
    label: str
    line: int = field(default=0, compare=False)


def read_labelled(
    path: PathLike,
    text_column: Column = 0,
    label_column: Column = 1,
    delimiter: str = "\t",
    header: Union[bool, str] = "auto",
) -> List[LabelledText]:
    """The examples of a text classification file (UTF-8, ``.gz`` read transparently, Windows line endings accepted).

    ``delimiter`` is ``"\\t"`` or ``"tab"`` (fields split on tabs, no quoting: quotes are part of the text) or
    ``","`` or ``"comma"`` (CSV read with the ``csv`` module: a field may be quoted, ``"a, b"``, with ``""`` for a
    quote inside; a quoted field cannot span lines). ``text_column`` and ``label_column`` pick the columns by index
    (negative counts from the end) or by name in the header line. Text and label are stripped of surrounding
    whitespace; extra columns are ignored; blank lines are skipped (but counted in line numbers).

    ``header``: ``True`` (the first non-blank line is a header), ``False`` (every line is an example) or
    ``"auto"``: the first line is a header when a column is given by name, or else when it has a label
    cell and that cell is none of the labels of the other lines (SST-2's ``label`` among ``0``/``1``). A file
    whose only line is thus taken for a header has no example and is an error; pass ``header=False`` to read
    it. (A first example whose label occurs nowhere else would be taken for a header too: pass ``header``
    explicitly when that can happen.)

    Raises ``DataError`` naming the file and line (1-based, the header counts) for: a line without the text
    or label column, an empty text or label, a column name missing from the header (the message lists the
    header's names), a malformed CSV line, and a file with no example. ``ConfigError`` for a ``delimiter`` or
    ``header`` value that is not one of those above.
    """
    delimiter = check_labelled_options(delimiter, header, text_column, label_column)
    path = resolve_text_file(path)
    rows = [
        (number, _split(line, delimiter, path, number))
        for number, line in enumerate(read_lines(path), start=1)
        if line.strip()
    ]
    by_name = isinstance(text_column, str) or isinstance(label_column, str)
    if by_name and header is False:
        raise DataError(
            f"{path}: text_column={text_column!r}, label_column={label_column!r}: a column name needs a header "
            "line, but header=False; pass header=True or give the columns by index"
        )
    if header == "auto":
        header = by_name or _first_row_is_header(rows, int(label_column))
    names: Optional[Tuple[int, List[str]]] = None
    if header:
        number, fields = rows.pop(0)
        names = (number, [name.strip() for name in fields])
    text_index = _resolve_column(text_column, "text_column", names, path)
    label_index = _resolve_column(label_column, "label_column", names, path)
    if text_index == label_index:
        raise DataError(
            f"{path}: text_column={text_column!r} and label_column={label_column!r} are the same column; "
            "choose two different columns"
        )
    examples = [_example(fields, number, text_index, label_index, path) for number, fields in rows]
    if not examples:
        hint = " (the only line was taken as a header; pass header=False if it is an example)" if header else ""
        raise DataError(f"{path}: no example in the file{hint}")
    return examples


def check_labelled_options(delimiter: str, header: bool | str, text_column: Column, label_column: Column,
                           prefix: str = "") -> str:
    """The delimiter character ``delimiter`` stands for (``"\\t"``, ``","`` or a name in ``DELIMITER_NAMES``);
    ``ConfigError`` naming ``<prefix>delimiter``, ``<prefix>header`` or ``<prefix>text_column`` /
    ``<prefix>label_column`` for a value :func:`read_labelled` cannot use (``prefix``: ``"data."`` for a config)."""
    if header not in HEADERS:
        raise ConfigError(f"{prefix}header={header!r}: use true, false or auto")
    for option, column in (("text_column", text_column), ("label_column", label_column)):
        if isinstance(column, bool) or not isinstance(column, (int, str)) or column == "":
            raise ConfigError(f"{prefix}{option}={column!r}: give a column index (0, 1, -1 for the last) or the "
                              "column's name in the header line")
    character = DELIMITER_NAMES.get(delimiter, delimiter) if isinstance(delimiter, str) else delimiter
    if character not in DELIMITERS:
        raise ConfigError(f"{prefix}delimiter={delimiter!r} is not supported; use tab (TSV) or comma (CSV, quoted "
                          "fields allowed)")
    return character


def _split(line: str, delimiter: str, path: Path, number: int) -> List[str]:
    """The fields of one line: split on tabs, or parsed as one CSV record."""
    if delimiter == "\t":
        return line.split("\t")
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error as error:
        hint = ("a field longer than the csv module's limit of {:,} characters".format(csv.field_size_limit())
                if "field limit" in str(error) else f"{error}; a quoted field cannot span lines")
        raise DataError(f"{path}, line {number}: malformed CSV line ({hint})") from None


def _cell(fields: Sequence[str], index: int) -> Optional[str]:
    """``fields[index]`` stripped, or ``None`` when the line has no such column."""
    return fields[index].strip() if -len(fields) <= index < len(fields) else None


def _first_row_is_header(rows: Sequence[Tuple[int, List[str]]], label_index: int) -> bool:
    """The ``"auto"`` rule by index: the first row has a label cell and it is none of the other rows' labels."""
    first = _cell(rows[0][1], label_index)
    return first is not None and first not in {_cell(fields, label_index) for _, fields in rows[1:]}


def _resolve_column(column: Column, option: str, names: Optional[Tuple[int, List[str]]], path: Path) -> int:
    """The index of a column given by index or by header name (``names`` is the header's line and cells)."""
    if isinstance(column, int):
        return column
    assert names is not None  # read_labelled reads a header whenever a column is given by name
    number, cells = names
    if column not in cells:
        raise DataError(f"{path}, line {number}: {option}={column!r} is not a column of the header {cells}")
    return cells.index(column)


def _example(fields: Sequence[str], number: int, text_index: int, label_index: int, path: Path) -> LabelledText:
    """One line's example; ``DataError`` when its text or label is missing or empty."""
    label = _cell(fields, label_index)
    if label is None:
        raise DataError(
            f"{path}, line {number}: no label (column {label_index}; the line has {len(fields)} field(s)); "
            "check the delimiter and label_column"
        )
    if not label:
        raise DataError(f"{path}, line {number}: no label (the label column {label_index} is empty)")
    text = _cell(fields, text_index)
    if text is None:
        raise DataError(
            f"{path}, line {number}: no text (column {text_index}; the line has {len(fields)} field(s)); "
            "check the delimiter and text_column"
        )
    if not text:
        raise DataError(f"{path}, line {number}: empty text (the text column {text_index} is empty)")
    return LabelledText(text, label, number)


def _label_key(label: str) -> Tuple[int, float, str]:
    """Numbers first, in numeric order; other labels after them, alphabetically."""
    return (0, float(label), label) if _NUMBER.fullmatch(label) else (1, 0.0, label)


def label_set(examples: Iterable[LabelledText]) -> List[str]:
    """The distinct labels of ``examples``, sorted: numeric labels numerically ("2" before "10"), first;
    other labels alphabetically after them."""
    return sorted({example.label for example in examples}, key=_label_key)


def check_labels(examples: Iterable[LabelledText], labels: Sequence[str], path: PathLike) -> None:
    """Raise ``DataError`` naming ``path`` and the line of the first example whose label is not in ``labels``
    (the training labels): a model cannot predict a class it never saw. ``path`` is the file ``examples``
    came from; an example with no line number (``line=0``) is named by its 1-based position instead."""
    known = set(labels)
    for position, example in enumerate(examples, start=1):
        if example.label not in known:
            where = f"line {example.line}" if example.line else f"example {position}"
            raise DataError(
                f"{path}, {where}: label {example.label!r} is not one of the training labels {list(labels)}"
            )


def tokenize_text(text: str, lowercase: bool = True) -> List[str]:
    """Tokens of a text: lowercased (unless ``lowercase=False``), then split by
    :func:`seqmodels.data.corpora.conll.tokenize`: on whitespace, with leading and trailing punctuation split off
    as tokens of their own ("Great food!" -> "great", "food", "!"; "don't" stays one token)."""
    return tokenize(text.lower() if lowercase else text)
