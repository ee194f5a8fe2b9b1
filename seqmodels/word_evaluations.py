"""The standard evaluations of word vectors: Google's analogies, WordSim-353 and SimLex-999.

    vectors = WordVectors.load("glove.6B.50d.txt")
    analogies = evaluate_analogies(vectors, read_analogies(evaluation_file("questions-words.txt")))
    analogies.total.accuracy, analogies.coverage       # 3CosAdd accuracy over the covered questions
    wordsim = evaluate_word_pairs(vectors, read_word_pairs(evaluation_file("wordsim353.tsv")))
    wordsim.spearman, wordsim.oov

They follow gensim's ``KeyedVectors.evaluate_word_analogies`` and ``evaluate_word_pairs``:

- only the ``restrict_vocab`` first words of the vectors are known (a vectors file lists its words most frequent
  first); a question or pair with a word outside them is not covered (analogies) or out of vocabulary (pairs);
- lookups ignore case: a word of a question stands for the first (most frequent) of the known words that equal
  it lower-cased, so where a vocabulary holds both ``Paris`` and ``paris`` the more frequent one's vector is
  used; an analogy's answer is right when it equals the expected word lower-cased, and no word equal to a, b or
  c lower-cased may be the answer;
- analogies by 3CosAdd: ``argmax_w cos(e_w, ê_b − ê_a + ê_c)`` over the known words but a, b, c (and the special
  tokens <pad>, <unk>, <bos>, <eos>), computed for a batch of questions at a time as one (B, D) × (D, V)
  product with the excluded words masked;
- word pairs: Spearman's rank correlation between the cosine similarities and the human scores, over the pairs
  whose two words are known.

The three files ship in gensim's wheel (``gensim/test/test_data/``); :func:`evaluation_file` finds them there
(without importing gensim) or takes a path. Nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.errors import DataError
from seqmodels.similarity import SPECIALS, WordVectors
from seqmodels.text_files import read_lines

ANALOGIES = "questions-words.txt"
WORDSIM = "wordsim353.tsv"
SIMLEX = "simlex999.txt"
RESTRICT_VOCAB = 300_000  # gensim's default
QUESTIONS_PER_BATCH = 2048  # analogy questions answered together
WORDS_PER_CHUNK = 2048  # candidate answers scored together: a (2048, 2048) block of scores, 16 MiB

Question = Tuple[str, str, str, str]
Pair = Tuple[str, str, float]


@dataclass(frozen=True)
class Section:
    """The questions of one section (``": name"`` header) of an analogy file."""

    name: str
    questions: List[Question]


@dataclass(frozen=True)
class AnalogyScore:
    """Of ``questions`` questions, ``covered`` have their four words known, and ``correct`` of those are right."""

    name: str
    correct: int
    covered: int
    questions: int

    @property
    def accuracy(self) -> float:
        """correct / covered; NaN when no question is covered."""
        return self.correct / self.covered if self.covered else math.nan

    @property
    def coverage(self) -> float:
        """covered / questions."""
        return self.covered / self.questions if self.questions else math.nan


@dataclass(frozen=True)
class AnalogyResult:
    sections: List[AnalogyScore]
    total: AnalogyScore


@dataclass(frozen=True)
class PairResult:
    """Spearman's correlation over the ``known`` pairs (NaN with fewer than two, or constant scores), ``oov``
    pairs left out."""

    spearman: float
    known: int
    oov: int


# -- the files ------------------------------------------------------------------------------------------------


def evaluation_file(name: str, path: Optional[str | Path] = None, option: str = "") -> Path:
    """``path`` when given, else the file ``name`` in an installed gensim's ``test/test_data/`` (found with
    ``importlib.util.find_spec``, which does not import gensim).

    Raises:
        DataError: no path and no gensim (or a gensim without the file); ``option`` names where a path goes.
    """
    if path is not None:
        return Path(path)
    spec = importlib.util.find_spec("gensim")
    where = f"give its path{f' with {option}' if option else ''}"
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"{name}: no such evaluation file here; `pip install gensim` (its wheel ships it) or {where}")
    found = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / name
    if not found.is_file():
        raise DataError(f"{name}: the installed gensim has no {found}; {where}")
    return found


def read_analogies(path: str | Path) -> List[Section]:
    """The sections of an analogy file: ``": section"`` header lines, each followed by ``a b c d`` lines (a is to
    b as c is to d); blank lines are skipped.

    Raises:
        DataError: the file is missing or empty, a line is neither, a question comes before the first header,
            or there is no question at all (each naming the file and line).
    """
    sections: List[Section] = []
    for number, line in enumerate(read_lines(path), 1):
        if line.startswith(":"):
            sections.append(Section(line[1:].strip(), []))
            continue
        words = line.split()
        if not words:
            continue
        if len(words) != 4:
            raise DataError(f"{path}, line {number}: expected four words 'a b c d' (a is to b as c is to d) or a "
                            f"': section' header, got {len(words)} word{'s' * (len(words) != 1)}: {line.strip()!r}")
        if not sections:
            raise DataError(f"{path}, line {number}: a question before the first ': section' header line")
        sections[-1].questions.append((words[0], words[1], words[2], words[3]))
    if not any(section.questions for section in sections):
        raise DataError(f"{path}: no analogy question in the file (expected ': section' lines, then 'a b c d' lines)")
    return sections


def read_word_pairs(path: str | Path) -> List[Pair]:
    """The pairs of a word-similarity file: ``word1 <TAB> word2 <TAB> score`` lines (any whitespace separates);
    lines starting with ``#`` and blank lines are skipped.

    Raises:
        DataError: the file is missing or empty, a line has not three fields or its score is not a finite
            number, or there is no pair at all (each naming the file and line).
    """
    pairs: List[Pair] = []
    for number, line in enumerate(read_lines(path), 1):
        fields = line.split()
        if not fields or line.startswith("#"):
            continue
        score = _number(fields[2]) if len(fields) == 3 else None
        if score is None:
            raise DataError(f"{path}, line {number}: expected 'word1<TAB>word2<TAB>score' with a number as the "
                            f"score, got {line.strip()!r}")
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise DataError(f"{path}: no word pair in the file (expected 'word1<TAB>word2<TAB>score' lines)")
    return pairs


def _number(text: str) -> Optional[float]:
    """``text`` as a finite float, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# -- the evaluations ----------------------------------------------------------------------------------------------


def known_rows(vectors: WordVectors, restrict_vocab: int = RESTRICT_VOCAB) -> Dict[str, int]:
    """Lower-cased word -> the first of the ``restrict_vocab`` first rows whose word equals it lower-cased."""
    rows: Dict[str, int] = {}
    for row, word in enumerate(vectors.words[:restrict_vocab]):
        rows.setdefault(word.lower(), row)
    return rows


def evaluate_analogies(vectors: WordVectors, sections: Sequence[Section],
                       restrict_vocab: int = RESTRICT_VOCAB) -> AnalogyResult:
    """3CosAdd accuracy per section and in total, over the questions whose four words are among the
    ``restrict_vocab`` first words (case ignored, as the module says)."""
    known = known_rows(vectors, restrict_vocab)
    words = vectors.words[:restrict_vocab]
    variants: Dict[str, List[int]] = {}  # lower-cased word -> its rows (most often one)
    for row, word in enumerate(words):
        variants.setdefault(word.lower(), []).append(row)
    covered = [[tuple(word.lower() for word in question) for question in section.questions
                if all(word.lower() in known for word in question)] for section in sections]
    flat = [question for questions in covered for question in questions]
    answers = _answers(vectors, len(words), known, variants, flat)
    scores, start = [], 0
    for section, questions in zip(sections, covered):
        right = sum(words[row].lower() == question[3] for row, question in zip(answers[start:], questions))
        scores.append(AnalogyScore(section.name, right, len(questions), len(section.questions)))
        start += len(questions)
    total = AnalogyScore("total", sum(s.correct for s in scores), sum(s.covered for s in scores),
                         sum(s.questions for s in scores))
    return AnalogyResult(scores, total)


def _answers(vectors: WordVectors, limit: int, known: Dict[str, int], variants: Dict[str, List[int]],
             questions: Sequence[Tuple[str, ...]]) -> List[int]:
    """The row (of the ``limit`` first) answering each lower-cased known question by 3CosAdd, for
    ``QUESTIONS_PER_BATCH`` questions at a time; no row of a, b or c (any case variant) nor of a special token."""
    specials = [row for row, word in enumerate(vectors.words[:limit]) if word in SPECIALS]
    answers: List[int] = []
    for start in range(0, len(questions), QUESTIONS_PER_BATCH):
        batch = questions[start:start + QUESTIONS_PER_BATCH]
        a, b, c = ([known[question[i]] for question in batch] for i in range(3))
        excluded = [(row, i) for i, question in enumerate(batch) for word in question[:3] for row in variants[word]]
        excluded += [(row, i) for row in specials for i in range(len(batch))]
        queries = vectors.unit[b] - vectors.unit[a] + vectors.unit[c]
        answers.extend(best_rows(queries, vectors.unit[:limit], torch.tensor(excluded)).tolist())
    return answers


def best_rows(queries: Tensor, candidates: Tensor, excluded: Tensor) -> Tensor:
    """For each of the (B, D) ``queries``, the row of the (V, D) ``candidates`` with the highest dot product (the
    first one on ties), leaving out the (row, query) pairs of the (E, 2) ``excluded``; 0 where all are left out.

    The (B, V) scores are made ``WORDS_PER_CHUNK`` candidates at a time, so that each block stays in the cache
    rather than going through memory twice (written, then read for the maximum)."""
    excluded = excluded[excluded[:, 0].argsort()]
    starts = torch.arange(0, candidates.size(0) + WORDS_PER_CHUNK, WORDS_PER_CHUNK)
    bounds = torch.searchsorted(excluded[:, 0].contiguous(), starts).tolist()
    best = torch.full((queries.size(0),), -math.inf)
    rows = torch.zeros(queries.size(0), dtype=torch.long)
    for chunk, first in enumerate(starts[:-1].tolist()):
        scores = queries @ candidates[first:first + WORDS_PER_CHUNK].T
        left_out = excluded[bounds[chunk]:bounds[chunk + 1]]
        scores[left_out[:, 1], left_out[:, 0] - first] = -math.inf
        top, where = scores.max(dim=1)
        better = top > best
        best = torch.where(better, top, best)
        rows = torch.where(better, where + first, rows)
    return rows


def evaluate_word_pairs(vectors: WordVectors, pairs: Sequence[Pair],
                        restrict_vocab: int = RESTRICT_VOCAB) -> PairResult:
    """Spearman's correlation between cos(e_word1, e_word2) and the human scores, over the pairs whose two words
    are among the ``restrict_vocab`` first words (case ignored, as the module says); the others are counted
    as out of vocabulary."""
    known = known_rows(vectors, restrict_vocab)
    inside = [(known[a.lower()], known[b.lower()], score) for a, b, score in pairs
              if a.lower() in known and b.lower() in known]
    if not inside:
        return PairResult(math.nan, 0, len(pairs))
    first, second, human = zip(*inside)
    cosines = (vectors.unit[list(first)] * vectors.unit[list(second)]).sum(dim=1)
    return PairResult(spearman(cosines.tolist(), list(human)), len(inside), len(pairs) - len(inside))


# -- Spearman's rank correlation ------------------------------------------------------------------------------


def ranks(values: Sequence[float]) -> List[float]:
    """The 1-based rank of each value in ascending order; tied values share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation of two equally long sequences; NaN when either is constant or has < 2 values."""
    if len(x) != len(y):
        raise ValueError(f"pearson needs two sequences of one length, got {len(x)} and {len(y)}")
    if len(x) < 2:
        return math.nan
    mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
    dx = [v - mean_x for v in x]
    dy = [v - mean_y for v in y]
    spread = math.sqrt(sum(d * d for d in dx) * sum(d * d for d in dy))
    return sum(p * q for p, q in zip(dx, dy)) / spread if spread > 0 else math.nan


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks (ties averaged)."""
    return pearson(ranks(x), ranks(y))
