"""Tagged sentences in CoNLL column files, and the simple tokeniser used to tag raw text.

A CoNLL file holds one token per line, its fields separated by spaces or tabs, and a blank line
after each sentence. CoNLL-2003 has four columns, ``token POS chunk NER``::

    -DOCSTART- -X- O O

    EU NNP I-NP I-ORG
    rejects VBZ I-VP O
    German JJ I-NP I-MISC

The simple two-column format ``token tag`` is the same format: read it with ``tag_column=1``
(or the default ``-1``, the last column). ``write_conll`` writes ``token tag`` lines, or
``token gold predicted`` lines, the input of the ``conlleval`` script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

from seqmodels.errors import DataError
from seqmodels.text_files import read_lines, resolve_text_file

DOCSTART = "-DOCSTART-"
# Split off the start and end of a whitespace-separated word by tokenize().
PUNCTUATION = frozenset(".,;:!?\"'()[]{}")

PathLike = Union[str, Path]


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence and one tag per token (lists are accepted and stored as tuples). ``line`` is the 1-based line
    of its first token in the file it came from (0: not from a file; its token ``i`` is then on line ``line + i``);
    it is left out of comparisons."""

    tokens: Tuple[str, ...]
    tags: Tuple[str, ...]
    line: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", tuple(self.tokens))
        object.__setattr__(self, "tags", tuple(self.tags))
        if len(self.tokens) != len(self.tags):
            raise DataError(
                f"a tagged sentence needs one tag per token: {len(self.tokens)} tokens, {len(self.tags)} tags"
            )


@dataclass(frozen=True)
class ColumnSentence:
    """The token lines of one sentence of a CoNLL column text: ``rows[i]`` holds the fields of its token ``i``,
    found on line ``line + i`` (1-based) of the text."""

    line: int
    rows: Tuple[Tuple[str, ...], ...]


def column_sentences(lines: Sequence[str], source: str) -> List[ColumnSentence]:
    """The sentences of a CoNLL column text, read line by line: runs of token lines, with blank and
    ``-DOCSTART-`` lines between them (several in a row, or none after the last sentence, are fine).

    Raises:
        DataError: a token line has another number of fields than the first one (``source``, its line named).
    """
    sentences: List[ColumnSentence] = []
    rows: List[Tuple[str, ...]] = []
    columns = first_line = 0
    for number, line in enumerate([*lines, ""], start=1):
        fields = tuple(line.split())
        if not fields or fields[0] == DOCSTART:
            if rows:
                sentences.append(ColumnSentence(number - len(rows), tuple(rows)))
                rows = []
            continue
        if not columns:
            columns, first_line = len(fields), number
        elif len(fields) != columns:
            raise DataError(f"{source}, line {number}: expected {columns} columns (like line {first_line}), "
                            f"found {len(fields)}")
        rows.append(fields)
    return sentences


def read_conll(path: PathLike, tag_column: int = -1, token_column: int = 0) -> List[TaggedSentence]:
    """The sentences of a CoNLL column file (UTF-8, ``.gz`` read transparently, Windows line endings accepted).

    Fields are separated by spaces or tabs; ``token_column`` and ``tag_column`` pick the columns by index
    (negative counts from the end: the default ``-1`` is the NER column of CoNLL-2003 and the tag of the
    two-column ``token tag`` format). ``-DOCSTART-`` lines are skipped; blank lines end sentences (see
    :func:`column_sentences`). Raises ``DataError`` naming the file and line when a line has a different number
    of columns than the first one, when a column index is out of range, and when the file holds no sentence.
    """
    path = resolve_text_file(path)
    sentences = column_sentences(read_lines(path), str(path))
    if not sentences:
        raise DataError(f"{path}: no sentence in the file (only {DOCSTART} and blank lines)")
    first = sentences[0]
    columns = len(first.rows[0])
    token_index = _column_index(token_column, "token_column", columns, path, first.line)
    tag_index = _column_index(tag_column, "tag_column", columns, path, first.line)
    if token_index == tag_index:
        raise DataError(
            f"{path}, line {first.line}: token_column={token_column} and tag_column={tag_column} are the same "
            f"column of {columns}; choose two different columns"
        )
    return [TaggedSentence(tuple(row[token_index] for row in sentence.rows),
                           tuple(row[tag_index] for row in sentence.rows), sentence.line) for sentence in sentences]


def _column_index(index: int, option: str, columns: int, path: Path, line: int) -> int:
    """``index`` made non-negative; ``DataError`` naming ``option`` when the lines have no such column."""
    if not -columns <= index < columns:
        raise DataError(
            f"{path}, line {line}: {option}={index} is out of range for a file with {columns} columns "
            f"(choose 0..{columns - 1}, or -{columns}..-1 from the end)"
        )
    return index % columns


def write_conll(
    path: PathLike,
    sentences: Sequence[Union[TaggedSentence, Tuple[Sequence[str], Sequence[str]]]],
    gold: Optional[Sequence[Sequence[str]]] = None,
) -> None:
    """Write tagged sentences to ``path`` (UTF-8): one ``token tag`` line per token, a blank line after each sentence.

    ``sentences`` holds ``(tokens, tags)`` pairs or ``TaggedSentence``\\ s. When ``gold`` (one tag sequence per
    sentence) is given, the lines are ``token gold predicted`` with the tags of ``sentences`` as the prediction:
    the input format of the ``conlleval`` script. Raises ``DataError`` when lengths disagree or a token or tag is
    empty or holds whitespace (the file could not be read back).
    """
    path = Path(path)
    if gold is not None and len(gold) != len(sentences):
        raise DataError(f"{path}: {len(sentences)} sentences to write but {len(gold)} gold tag sequences")
    out: List[str] = []
    for number, sentence in enumerate(sentences, start=1):
        tokens, tags = (sentence.tokens, sentence.tags) if isinstance(sentence, TaggedSentence) else sentence
        columns = [tokens, tags] if gold is None else [tokens, gold[number - 1], tags]
        lengths = [len(column) for column in columns]
        if len(set(lengths)) != 1:
            names = "tokens, tags" if gold is None else "tokens, gold tags, predicted tags"
            raise DataError(f"{path}: sentence {number} has different lengths ({names}): {lengths}")
        for fields in zip(*columns):
            if any(field.split() != [field] for field in fields):
                raise DataError(f"{path}: sentence {number}: a token or tag is empty or holds whitespace: {fields}")
            out.append(" ".join(fields))
        out.append("")
    path.write_text("".join(line + "\n" for line in out), encoding="utf-8")


def tokenize(text: str) -> List[str]:
    """Split raw text into tokens with a simple rule, the one used to tag raw text.

    1. Split on whitespace.
    2. In each word, split off every leading and trailing punctuation character (any of ``.,;:!?"'()[]{}``)
       as a token of its own; punctuation inside the word stays: "don't", "rock'n'roll", "1,000".
    3. Except: a word that keeps a full stop inside also keeps one final full stop, so abbreviations
       survive: "U.S." and "e.g.," give "U.S." and "e.g." + ",".

    Examples: "spell." -> "spell", "."; '("Hi!")' -> "(", '"', "Hi", "!", '"', ")"; "..." -> ".", ".", ".".
    A one-dot abbreviation loses its dot ("Mr." -> "Mr", "."), like a word ending a sentence.
    """
    tokens: List[str] = []
    for word in text.split():
        start, end = 0, len(word)
        while start < end and word[start] in PUNCTUATION:
            start += 1
        while end > start and word[end - 1] in PUNCTUATION:
            end -= 1
        if "." in word[start:end] and end < len(word) and word[end] == ".":
            end += 1
        tokens.extend(word[:start])
        if start < end:
            tokens.append(word[start:end])
        tokens.extend(word[end:])
    return tokens
