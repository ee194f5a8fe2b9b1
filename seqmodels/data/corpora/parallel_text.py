"""Parallel text for translation: sentence pairs from two aligned files or one TSV file, and their tokens.

Multi30k is the model: ``train.de.gz`` and ``train.en.gz`` hold one caption per line, line *i* of one
translating line *i* of the other. :func:`read_parallel` reads such a pair of files, :func:`read_parallel_tsv`
a ``source<TAB>target`` file (the Tatoeba / ``fra-eng`` layout). :func:`translation_tokens` splits a sentence
into words or characters and :func:`detokenize_translation` joins a model's tokens back into a sentence that
BLEU (sacrebleu's 13a tokeniser) can score. :class:`SentenceCodec` is one side of a translation task: those two
rules, or (``level="subword"``) a trained :class:`~seqmodels.data.encoding.subwords.SubwordModel`.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, NamedTuple, Optional, Sequence, Union

from seqmodels.data.corpora.conll import tokenize
from seqmodels.data.encoding.subwords import SubwordModel
from seqmodels.errors import DataError, check_choice
from seqmodels.text_files import read_lines, resolve_text_file

PathLike = Union[str, Path]

LEVELS = ("word", "char", "subword")
RULE_LEVELS = ("word", "char")  # split by a rule; "subword" needs a trained model (SentenceCodec)
# detokenize_translation: no space before these tokens, none after the opening ones.
CLOSING = frozenset([".", ",", "!", "?", ";", ":", ")", "]", "}", "'", "...", "'s", "'re", "'ve", "'ll", "'m", "'d",
                     "n't"])
OPENING = frozenset(["(", "[", "{"])
QUOTE = '"'


class ParallelPair(NamedTuple):
    """A source sentence and its translation; ``line`` is their 1-based line in the file(s)."""

    source: str
    target: str
    line: int


def read_parallel(source_path: PathLike, target_path: PathLike) -> List[ParallelPair]:
    """The sentence pairs of two aligned files: line *i* of ``source_path`` translates line *i* of ``target_path``.

    UTF-8, ``.gz`` read transparently (``path`` or ``path.gz``), Windows line endings accepted; sentences are
    stripped of surrounding whitespace and blank lines at the end of a file are ignored. Raises ``DataError``
    for a missing or empty file, files with different numbers of lines (naming both files and both counts) and
    a blank line inside either file (naming the file and line: remove the pair from both files).
    """
    source_path, target_path = resolve_text_file(source_path), resolve_text_file(target_path)
    sources, targets = _sentences(source_path), _sentences(target_path)
    if len(sources) != len(targets):
        raise DataError(f"{source_path} has {len(sources)} lines but {target_path} has {len(targets)}: line i of "
                        "one must translate line i of the other; check that the two files belong together")
    for number, (source, target) in enumerate(zip(sources, targets), start=1):
        for path, sentence in ((source_path, source), (target_path, target)):
            if not sentence:
                raise DataError(f"{path}, line {number}: empty sentence; remove line {number} from both "
                                f"{source_path.name} and {target_path.name} (a pair needs two sentences)")
    return [ParallelPair(source, target, number)
            for number, (source, target) in enumerate(zip(sources, targets), start=1)]


def _sentences(path: Path) -> List[str]:
    """The stripped lines of ``path`` without its trailing blank lines."""
    lines = [line.strip() for line in read_lines(path)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def read_parallel_tsv(path: PathLike, source_column: int = 0, target_column: int = 1) -> List[ParallelPair]:
    """The sentence pairs of a tab-separated file, one pair per line, no header (``.gz`` read transparently).

    ``source_column`` and ``target_column`` pick the columns by index (negative counts from the end); other
    columns are ignored (Tatoeba's attribution). Blank lines are skipped but counted in line numbers. Raises
    ``DataError`` naming the file and line for a line without either column or with an empty sentence.
    """
    path = resolve_text_file(path)
    pairs = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        sides = []
        for side, column in (("source", source_column), ("target", target_column)):
            if not -len(fields) <= column < len(fields):
                raise DataError(f"{path}, line {number}: no {side} sentence (column {column}; the line has "
                                f"{len(fields)} tab-separated field(s)); check that the file is tab-separated")
            sentence = fields[column].strip()
            if not sentence:
                raise DataError(f"{path}, line {number}: the {side} sentence (column {column}) is empty; "
                                "remove the line")
            sides.append(sentence)
        pairs.append(ParallelPair(sides[0], sides[1], number))
    return pairs


def translation_tokens(text: str, level: str, lowercase: bool, option: str = "source_level") -> List[str]:
    """The tokens of a sentence: words (``level="word"``, split by :func:`seqmodels.data.corpora.conll.tokenize`, so
    punctuation at either end of a word is a token of its own: "bushes." -> "bushes", "."; "man's" stays one
    token) or characters, spaces included (``level="char"``). Lower-cased first when ``lowercase``.

    Raises ``ConfigError`` naming ``data.<option>`` for another level.
    """
    check_choice(f"data.{option}", level, RULE_LEVELS)
    if lowercase:
        text = text.lower()
    return tokenize(text) if level == "word" else list(text)


def detokenize_translation(tokens: Sequence[str], level: str) -> str:
    """The sentence a model's tokens spell: characters joined as they are (``level="char"``), or words joined
    by spaces, except before closing punctuation and contractions and after opening brackets; straight double
    quotes alternate between opening and closing. Good enough for sacrebleu's 13a tokeniser::

        >>> detokenize_translation(["two", "young", ",", "white", "males", "are", "outside", "."], "word")
        'two young, white males are outside.'
        >>> detokenize_translation(["a", "dog", "(", "brown", ")", "says", '"', "woof", '"', "!"], "word")
        'a dog (brown) says "woof"!'
        >>> detokenize_translation(["it", "is", "n't", "the", "dogs", "'", "ball"], "word")
        "it isn't the dogs' ball"
        >>> detokenize_translation(list("1998-03-03"), "char")
        '1998-03-03'

    Raises ``ConfigError`` for a level other than "word" and "char".
    """
    check_choice("data.target_level", level, RULE_LEVELS)
    if level == "char":
        return "".join(tokens)
    pieces: List[str] = []
    glue = True  # no space before the next token (the start, or after an opening bracket or quote)
    quote_open = False
    for token in tokens:
        closing = token in CLOSING or (token == QUOTE and quote_open)
        if not (glue or closing):
            pieces.append(" ")
        pieces.append(token)
        glue = token in OPENING or (token == QUOTE and not quote_open)
        if token == QUOTE:
            quote_open = not quote_open
    return "".join(pieces)


class SentenceCodec:
    """One side of a translation task: a sentence -> its tokens (:meth:`tokens`), a model's tokens -> a sentence
    (:meth:`text`). Words and characters follow :func:`translation_tokens` and :func:`detokenize_translation`;
    subword pieces follow ``subwords`` (Moses tokenisation, then sentencepiece), which ``level="subword"`` needs
    and the other levels refuse. ``lowercase``: lower-case the sentence first."""

    def __init__(self, level: str, lowercase: bool, subwords: Optional[SubwordModel] = None,
                 option: str = "source_level") -> None:
        check_choice(f"data.{option}", level, LEVELS)
        if (level == "subword") != (subwords is not None):
            raise DataError(f"data.{option}={level}: " + ("a subword side needs its subword model" if subwords is None
                                                          else "only a subword side has a subword model"))
        self.level, self.lowercase, self.subwords = level, lowercase, subwords

    def tokens(self, text: str) -> List[str]:
        """The tokens the model reads for ``text``."""
        if self.subwords is None:
            return translation_tokens(text, self.level, self.lowercase)
        return self.subwords.encode(text.lower() if self.lowercase else text)

    def text(self, tokens: Sequence[str]) -> str:
        """The sentence ``tokens`` spell, as BLEU scores it."""
        if self.subwords is None:
            return detokenize_translation(tokens, self.level)
        return self.subwords.decode(tokens)
