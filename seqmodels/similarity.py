"""Nearest neighbours and analogies in a space of word vectors.

    vectors = WordVectors.load("glove.6B.100d.txt")
    vectors.neighbours("frog", k=5)           # [("frogs", 0.81), ("toad", 0.78), ...]
    vectors.analogy("man", "woman", "king")   # [("queen", 0.77)]: man is to woman as king is to ?

Every score is the cosine similarity

    sim(u, v) = u·v / (‖u‖ ‖v‖)

computed as a dot product of unit vectors ê = e / ‖e‖, normalised once when the ``WordVectors`` is made.
A zero vector stays zero, so its similarity with anything is 0 (never NaN).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import read_vectors

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
_SUGGESTIONS = 5


class WordVectors:
    """Words and their vectors, for cosine similarity, nearest neighbours and analogies.

    Args:
        words: the words, one per row of ``vectors``; a word listed twice keeps its first row.
        vectors: (len(words), dim) float tensor.
        skip: words never returned as an answer (they can still be queried); by default the special
            tokens of a seqmodels vocabulary.
    """

    def __init__(self, words: Sequence[str], vectors: Tensor, skip: Sequence[str] = SPECIALS) -> None:
        if vectors.dim() != 2 or vectors.size(0) != len(words):
            raise ValueError(f"vectors must be (len(words), dim) = ({len(words)}, dim), got {tuple(vectors.shape)}")
        self.words: List[str] = list(words)
        self.vectors = vectors.detach().to("cpu", torch.float32)
        self.index: Dict[str, int] = {}
        for row, word in enumerate(self.words):
            self.index.setdefault(word, row)
        skipped = set(skip)
        norms = self.vectors.norm(dim=1, keepdim=True)
        self.unit = self.vectors / norms.masked_fill(norms == 0, 1.0)  # zero rows stay zero
        # rows that can be an answer: not skipped, and the first row of their word
        self._answerable = torch.tensor([self.index[word] == row and word not in skipped
                                         for row, word in enumerate(self.words)], dtype=torch.bool)

    @classmethod
    def load(cls, path: str | Path, skip: Sequence[str] = SPECIALS) -> "WordVectors":
        """The vectors of a word2vec (text or binary) or GloVe file, read by ``seqmodels.nn.embedding.read_vectors``.

        Raises:
            DataError: the file is missing, empty or malformed.
        """
        words, vectors = read_vectors(path)
        return cls(words, vectors, skip)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        return self.vectors.size(1)

    def vector(self, word: str) -> Tensor:
        """The (dim,) vector e_word as given (not normalised).

        Raises:
            DataError: the word is not in the vocabulary (the message suggests words that differ only in case).
        """
        return self.vectors[self._row(word)]

    def similarity(self, a: str, b: str) -> float:
        """sim(e_a, e_b) = e_a·e_b / (‖e_a‖ ‖e_b‖), in [-1, 1]; 0 when either vector is zero."""
        return float(self.unit[self._row(a)] @ self.unit[self._row(b)])

    def neighbours(self, word_or_vector: str | Tensor, k: int = 10,
                   exclude: Sequence[str] = ()) -> List[Tuple[str, float]]:
        """The ``k`` words w with the highest sim(e_w, q), best first, with their cosine.

        ``q`` is the vector of a word (that word itself is excluded) or a (dim,) tensor. Words in
        ``exclude`` and in ``skip`` are never returned; ties keep vocabulary order. Fewer than ``k``
        pairs come back when the vocabulary has fewer candidates.
        """
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        if isinstance(word_or_vector, str):
            return self.nearest([word_or_vector], k, exclude)[0]
        query = word_or_vector.detach().to("cpu", torch.float32).reshape(-1)
        if query.numel() != self.dim:
            raise ValueError(f"the query vector has {query.numel()} values, the word vectors {self.dim}")
        norm = query.norm()
        return self._best(self.unit @ (query / norm if norm > 0 else query), self._allowed(exclude), k)

    def nearest(self, words: Sequence[str], k: int = 10, exclude: Sequence[str] = ()) -> List[List[Tuple[str, float]]]:
        """:meth:`neighbours` of several words at once, with one (words × vocabulary) product of unit vectors;
        each word itself is excluded from its own answers."""
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        rows = [self._row(word) for word in words]
        scores = self.unit[rows] @ self.unit.T
        allowed = self._allowed(exclude)
        answers = []
        for index, row in enumerate(rows):
            own = allowed.clone()
            own[row] = False
            answers.append(self._best(scores[index], own, k))
        return answers

    def _allowed(self, exclude: Sequence[str]) -> Tensor:
        """The rows that may answer: not a special token, not in ``exclude``."""
        allowed = self._answerable.clone()
        for word in exclude:
            if word in self.index:
                allowed[self.index[word]] = False
        return allowed

    def _best(self, scores: Tensor, allowed: Tensor, k: int) -> List[Tuple[str, float]]:
        """The ``k`` allowed rows with the highest ``scores``, best first, ties in vocabulary order."""
        candidates = allowed.nonzero().squeeze(1)
        order = torch.sort(scores[candidates], descending=True, stable=True).indices[:k]
        return [(self.words[int(row)], float(scores[row])) for row in candidates[order]]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> List[Tuple[str, float]]:
        """a is to b as c is to ?, by 3CosAdd (Mikolov et al. 2013):

            ? = argmax_w sim(e_w, ê_b - ê_a + ê_c),   w ∉ {a, b, c}

        with unit vectors ê. ``analogy("man", "woman", "king")`` should give queen. Returns the ``k``
        best words with their cosine to ê_b - ê_a + ê_c.
        """
        target = self.unit[self._row(b)] - self.unit[self._row(a)] + self.unit[self._row(c)]
        return self.neighbours(target, k, exclude=(a, b, c))

    def _row(self, word: str) -> int:
        """The row of ``word``; DataError naming it (and words that differ only in case) when unknown."""
        row = self.index.get(word)
        if row is not None:
            return row
        lower = word.lower()
        close = [w for w in self.index if w.lower() == lower][:_SUGGESTIONS]
        hint = f"; did you mean {', '.join(repr(w) for w in close)}?" if close else ""
        raise DataError(f"the word {word!r} is not in the vocabulary of {len(self.index):,} words{hint}")
