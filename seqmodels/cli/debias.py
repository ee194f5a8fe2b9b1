"""Remove the gender direction from word vectors (hard debiasing, Bolukbasi et al. 2016) and write them out.

    seqmodels debias --vectors glove.6B.50d.txt.gz --output debiased.txt
    seqmodels debias --ckpt logs/lm/runs/<date>/checkpoints/last.ckpt --output debiased.txt
    seqmodels debias --vectors vectors.txt --output debiased.txt --definitional pairs.txt --equalize equal.txt \\
        --neutral occupations.txt

The bias direction is the first principal component of the definitional pairs (she-he, her-his, ...); the
neutral words are moved off it and renormalised; the two words of each equality pair (he-she, king-queen, ...)
are made equidistant from every neutral word (see ``seqmodels.debiasing``). ``--definitional`` and
``--equalize`` read one pair a line, two words separated by spaces; ``--neutral`` one word a line (blank lines
and lines starting with # are skipped). Every word of these files must be in the vocabulary. Without them, the
paper's lists are used (``DEFINITIONAL_PAIRS``, ``EQUALITY_PAIRS``), less the pairs with a word the vocabulary
lacks, and every word in no pair is neutral.

``--vectors`` and ``--ckpt`` are read as ``seqmodels neighbours`` reads them. The output is a word2vec text file
(``.gz`` compressed); stderr gets a short report: the pairs used, and the mean |cosine| of a few occupation
words (nurse, engineer, homemaker, ...) with the bias direction before and after.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional, Sequence, Tuple

from torch import Tensor

from seqmodels.cli.common import input_file, output_file, run_command, write_failed
from seqmodels.cli.neighbours import checkpoint_vectors
from seqmodels.debiasing import DEFINITIONAL_PAIRS, EQUALITY_PAIRS, OCCUPATIONS, Pair, hard_debias, projections, save
from seqmodels.errors import DataError
from seqmodels.similarity import WordVectors
from seqmodels.text_files import read_lines

PROG = "seqmodels debias"
Entry = Tuple[List[str], int]  # the words of a line of a list file, and its line number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--vectors", metavar="FILE", help="a word2vec (text or binary) or GloVe file (.gz read too)")
    source.add_argument("--ckpt", metavar="PATH", help="a checkpoint written by train.py (its word embedding)")
    parser.add_argument("--output", required=True, metavar="FILE", help="where to write the debiased vectors "
                        "(word2vec text; .gz compressed)")
    parser.add_argument("--definitional", metavar="FILE", help="pairs that define the direction, one a line "
                        "(default: the paper's she he, her his, woman man, ...)")
    parser.add_argument("--equalize", metavar="FILE", help="pairs to equalise, one a line (default: the paper's "
                        "man woman, he she, king queen, ...)")
    parser.add_argument("--neutral", metavar="FILE", help="words to neutralise, one a line (default: every word in "
                        "no definitional or equality pair)")
    return parser


def read_entries(option: str, path: str, size: int, what: str) -> List[Entry]:
    """The non-blank, non-# lines of the file ``path`` given to ``option``, each of ``size`` words.

    Raises:
        DataError: the file is missing, a folder, not UTF-8, empty, or a line has another number of words
            (the message names the option, the file and the line).
    """
    entries = []
    for number, line in enumerate(read_lines(input_file(option, path, f"{what} file")), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) != size:
            raise DataError(f"{option} {path}, line {number}: {len(words)} words ({line.strip()!r}); give "
                            f"{'two words a line, a pair' if size == 2 else 'one word a line'}")
        entries.append((words, number))
    if not entries:
        raise DataError(f"{option} {path}: no {what} in the file (only blank and # lines)")
    return entries


def known(option: str, path: str, entries: Sequence[Entry], vectors: WordVectors) -> List[List[str]]:
    """The words of ``entries``; DataError naming the file, line and word when a word is not in ``vectors``."""
    for words, number in entries:
        for word in words:
            if word not in vectors:
                raise DataError(f"{option} {path}, line {number}: the word {word!r} is not in the vocabulary of "
                                f"{len(vectors):,} words")
    return [words for words, _ in entries]


def pairs_or_default(option: str, path: Optional[str], entries: Optional[Sequence[Entry]],
                     default: Sequence[Pair], vectors: WordVectors) -> List[Pair]:
    """The pairs of the file, all known; or the pairs of ``default`` whose two words are known (DataError when
    none is: say which pairs to use with ``option``)."""
    if path is not None and entries is not None:
        return [(a, b) for a, b in known(option, path, entries, vectors)]
    pairs = [(a, b) for a, b in default if a in vectors and b in vectors]
    if not pairs:
        raise DataError(f"none of the default pairs of {option} has both its words in the vocabulary of "
                        f"{len(vectors):,} words; give pairs of words it has with {option} FILE")
    return pairs


def debias_command(arguments: argparse.Namespace) -> None:
    output = output_file("--output", arguments.output)
    definitional = read_entries("--definitional", arguments.definitional, 2, "pairs") if arguments.definitional \
        else None
    equality = read_entries("--equalize", arguments.equalize, 2, "pairs") if arguments.equalize else None
    neutral_entries = read_entries("--neutral", arguments.neutral, 1, "words") if arguments.neutral else None
    if arguments.vectors:
        vectors = WordVectors.load(input_file("--vectors", arguments.vectors, "vectors file"))
    else:
        vectors = checkpoint_vectors(input_file("--ckpt", arguments.ckpt, "checkpoint file"))
    defining = pairs_or_default("--definitional", arguments.definitional, definitional, DEFINITIONAL_PAIRS, vectors)
    equal = pairs_or_default("--equalize", arguments.equalize, equality, EQUALITY_PAIRS, vectors)
    neutral = None
    if arguments.neutral and neutral_entries:
        neutral = [words[0] for words in known("--neutral", arguments.neutral, neutral_entries, vectors)]
    debiased = hard_debias(vectors, defining, equal, neutral)
    report(vectors, debiased.vectors, debiased.direction, defining, equal, len(debiased.neutralized))
    try:
        save(debiased.vectors, output)
    except OSError as error:
        raise write_failed("--output", output, error) from None
    print(f"{PROG}: wrote {len(vectors):,} vectors to {output}", file=sys.stderr)


def report(before: WordVectors, after: WordVectors, direction: Tensor, defining: Sequence[Pair],
           equal: Sequence[Pair], neutralized: int) -> None:
    """The pairs used and the mean |projection| of the occupation words, before and after, on stderr."""
    examples = ", ".join(map("-".join, defining[:3])) + (", ..." if len(defining) > 3 else "")
    print(f"{PROG}: bias direction from {len(defining)} definitional pair{'s' if len(defining) > 1 else ''} "
          f"({examples}); neutralised {neutralized:,} words, equalised {len(equal)} pairs",
          file=sys.stderr)
    occupations = [word for word in OCCUPATIONS if word in before]
    if not occupations:
        print(f"{PROG}: none of the occupation words ({', '.join(OCCUPATIONS[:4])}, ...) is in the vocabulary",
              file=sys.stderr)
        return
    was, now = (float(projections(vectors, occupations, direction).abs().mean()) for vectors in (before, after))
    print(f"{PROG}: mean |projection| of {len(occupations)} occupation words on the bias direction: {was:.4f} "
          f"before, {now:.4f} after", file=sys.stderr)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(debias_command, build_parser(), argv)


if __name__ == "__main__":
    main()
