"""Hard debiasing of word vectors (Bolukbasi et al. 2016, "Man is to Computer Programmer as Woman is to
Homemaker?"): find a bias direction, neutralise the words that should not lie along it, equalise the pairs that
should differ only along it.

    vectors = WordVectors.load("glove.6B.50d.txt.gz")
    g = bias_direction(vectors)                          # from DEFINITIONAL_PAIRS: she-he, her-his, ...
    vectors.similarity("nurse", "she") - vectors.similarity("nurse", "he")      # 0.165
    debiased = neutralize(vectors, ["nurse", "engineer"], g)
    debiased = equalize(debiased, EQUALITY_PAIRS, g)                             # he-she, king-queen, ...
    debiased.similarity("nurse", "she") - debiased.similarity("nurse", "he")    # 0.0
    hard_debias(vectors).vectors                # all of it: every word in no pair is neutralised

Everything is computed on unit vectors ê = e / ‖e‖, as in the paper (which normalises every vector first); the
rows a function changes come back unit length, every other row exactly as it was. Each function returns a new
``WordVectors`` (skipping the special tokens, as ``WordVectors.load`` does) and leaves its input alone. A bias
subspace B of k orthonormal rows b_1..b_k can stand wherever a direction does (k = 1 in the paper); the
projection of a vector on it is

    w_B = Σ_j (w·b_j) b_j
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import write_vectors
from seqmodels.similarity import WordVectors

Pair = Tuple[str, str]

# the paper's definitional pairs (its definitional_pairs.json), feminine first, so that the direction found points
# from "he" to "she"; Mary-John lowercased, as the words of uncased vectors such as GloVe 6B are
DEFINITIONAL_PAIRS: Tuple[Pair, ...] = (
    ("woman", "man"), ("girl", "boy"), ("she", "he"), ("mother", "father"), ("daughter", "son"), ("gal", "guy"),
    ("female", "male"), ("her", "his"), ("herself", "himself"), ("mary", "john"))

# the paper's equality pairs (its equalize_pairs.json): its one-word pairs, lowercased, without repeats
EQUALITY_PAIRS: Tuple[Pair, ...] = (
    ("monastery", "convent"), ("spokesman", "spokeswoman"), ("dad", "mom"), ("men", "women"),
    ("councilman", "councilwoman"), ("grandpa", "grandma"), ("grandsons", "granddaughters"),
    ("testosterone", "estrogen"), ("uncle", "aunt"), ("husbands", "wives"), ("father", "mother"), ("he", "she"),
    ("boy", "girl"), ("boys", "girls"), ("brother", "sister"), ("brothers", "sisters"),
    ("businessman", "businesswoman"), ("chairman", "chairwoman"), ("colt", "filly"),
    ("congressman", "congresswoman"), ("dads", "moms"), ("dudes", "gals"), ("fatherhood", "motherhood"),
    ("fathers", "mothers"), ("fella", "granny"), ("fraternity", "sorority"), ("gelding", "mare"),
    ("gentleman", "lady"), ("gentlemen", "ladies"), ("grandfather", "grandmother"), ("grandson", "granddaughter"),
    ("himself", "herself"), ("his", "her"), ("king", "queen"), ("kings", "queens"), ("male", "female"),
    ("males", "females"), ("man", "woman"), ("nephew", "niece"), ("prince", "princess"),
    ("schoolboy", "schoolgirl"), ("son", "daughter"), ("sons", "daughters"))

# occupations, most of them the paper's most "she" and most "he" ones (its Figure 1): how far a space is biased
OCCUPATIONS: Tuple[str, ...] = (
    "homemaker", "nurse", "receptionist", "librarian", "hairdresser", "nanny", "bookkeeper", "housekeeper",
    "programmer", "engineer", "architect", "philosopher", "captain", "financier", "magician", "doctor")

_ORTHONORMAL_TOLERANCE = 1e-4


def bias_subspace(vectors: WordVectors, pairs: Sequence[Pair] = DEFINITIONAL_PAIRS, k: int = 1) -> Tensor:
    """The (k, dim) bias subspace B of the paper: the first k principal components of the definitional pairs,
    each pair centred on its mean (not on the mean of all pairs):

        μ_i = (ê_a + ê_b) / 2,   C = Σ_i [(ê_a − μ_i)(ê_a − μ_i)ᵀ + (ê_b − μ_i)(ê_b − μ_i)ᵀ] / 2,
        B = the k eigenvectors of C with the largest eigenvalues (unit length, orthogonal)

    As ê_a − μ_i = (ê_a − ê_b)/2 = −(ê_b − μ_i), this is the PCA, without a global centring, of the differences
    ê_a − ê_b. The sign of each row, which PCA leaves open, is chosen so that Σ_i (ê_a − ê_b)·b_j ≥ 0: the
    direction points from each pair's second word to its first (from he to she with the default pairs).

    Raises:
        DataError: a word of a pair is not in the vocabulary (the message names it), or a pair's two words
            have the same unit vector.
        ConfigError: no pairs, or k is not between 1 and min(number of pairs, dim).
    """
    if not pairs:
        raise ConfigError("give at least one definitional pair to find a bias direction from")
    if not 1 <= k <= min(len(pairs), vectors.dim):
        raise ConfigError(f"k={k}: the bias subspace has 1 to min(pairs, dim) = {min(len(pairs), vectors.dim)} "
                          "dimensions")
    differences = torch.stack([_unit(vectors, a) - _unit(vectors, b) for a, b in pairs])
    for (a, b), difference in zip(pairs, differences):
        if difference.norm() < 1e-12:
            raise DataError(f"the definitional pair {a!r} {b!r} has the same unit vector for both words, so it "
                            "defines no direction; pair two different words")
    centred = torch.cat([differences / 2, -differences / 2])
    basis = torch.linalg.svd(centred, full_matrices=False).Vh[:k]  # the eigenvectors of C = centredᵀ centred / P
    signs = torch.where(differences.sum(0) @ basis.T < 0, -1.0, 1.0).to(basis)
    return (basis * signs[:, None]).float()


def bias_direction(vectors: WordVectors, pairs: Sequence[Pair] = DEFINITIONAL_PAIRS) -> Tensor:
    """The (dim,) unit bias direction g: the first row of ``bias_subspace(vectors, pairs, k=1)``."""
    return bias_subspace(vectors, pairs, k=1)[0]


def neutralize(vectors: WordVectors, words: Sequence[str], direction: Tensor) -> WordVectors:
    """The vectors with each word of ``words`` moved off the bias direction (or subspace) and renormalised:

        ê_w ← (ê_w − ê_w,B) / ‖ê_w − ê_w,B‖

    so that its projection on the direction is 0 and its length 1 (a zero vector, or one that lies entirely
    along the direction, becomes zero). Other rows are unchanged.

    Raises:
        DataError: a word is not in the vocabulary.
        ConfigError: ``direction`` is not a (dim,) unit vector or (k, dim) orthonormal rows.
    """
    basis = _basis(direction, vectors.dim)
    rows = torch.tensor([_row(vectors, word) for word in words], dtype=torch.long)
    unit = vectors.unit[rows].double()
    rest = unit - (unit @ basis.T) @ basis
    norms = rest.norm(dim=1, keepdim=True)
    nothing_left = norms < 1e-12  # a zero vector, or one along the direction: becomes zero
    changed = vectors.vectors.clone()
    changed[rows] = (rest / norms.masked_fill(nothing_left, 1.0)).masked_fill(nothing_left, 0.0).float()
    return WordVectors(vectors.words, changed)


def equalize(vectors: WordVectors, pairs: Sequence[Pair], direction: Tensor) -> WordVectors:
    """The vectors with the two words of each pair made equidistant from every neutral word: their mean's part
    off the direction ν is kept, and each word gets unit length by moving along the direction only,

        μ = (ê_a + ê_b)/2,   ν = μ − μ_B,
        ê_a ← ν + √(1 − ‖ν‖²) (ê_a,B − μ_B)/‖ê_a,B − μ_B‖,   ê_b ← ν + √(1 − ‖ν‖²) (ê_b,B − μ_B)/‖ê_b,B − μ_B‖

    As ê_b,B − μ_B = −(ê_a,B − μ_B), the two differ only in the sign of their projection, so any w with
    w_B = 0 (a neutralised word) has w·ê_a = w·ê_b. Other rows are unchanged.

    Raises:
        DataError: a word of a pair is not in the vocabulary, or a pair's words have the same projection on the
            direction (a word paired with itself): there is no side to put each on.
        ConfigError: ``direction`` is not a (dim,) unit vector or (k, dim) orthonormal rows.
    """
    basis = _basis(direction, vectors.dim)
    changed = vectors.vectors.clone()
    for a, b in pairs:
        first, second = _unit(vectors, a), _unit(vectors, b)
        mean = (first + second) / 2
        mean_along = (mean @ basis.T) @ basis
        off = mean - mean_along
        length = (1 - off.norm() ** 2).clamp(min=0).sqrt()
        offset = (first @ basis.T) @ basis - mean_along
        if offset.norm() < 1e-12:
            raise DataError(f"the pair {a!r} {b!r} has the same projection on the bias direction for both words; "
                            "an equality pair needs two words on either side of it")
        changed[_row(vectors, a)] = (off + length * offset / offset.norm()).float()
        changed[_row(vectors, b)] = (off - length * offset / offset.norm()).float()
    return WordVectors(vectors.words, changed)


def projections(vectors: WordVectors, words: Sequence[str], direction: Tensor) -> Tensor:
    """The (len(words),) projections ê_w·g of the words' unit vectors on a (dim,) unit direction g: their
    cosine with it (for a (k, dim) subspace, the length ‖ê_w,B‖ of the projection)."""
    basis = _basis(direction, vectors.dim)
    rows = torch.tensor([_row(vectors, word) for word in words], dtype=torch.long)
    along = vectors.unit[rows].double() @ basis.T
    return (along[:, 0] if basis.size(0) == 1 else along.norm(dim=1)).float()


@dataclass(frozen=True)
class Debiased:
    """What ``hard_debias`` returns: the new vectors, the bias direction, and which words and pairs it changed."""

    vectors: WordVectors
    direction: Tensor
    neutralized: List[str]
    equalized: List[Pair]


def hard_debias(vectors: WordVectors, definitional: Sequence[Pair] = DEFINITIONAL_PAIRS,
                equality: Sequence[Pair] = EQUALITY_PAIRS, neutral: Optional[Sequence[str]] = None) -> Debiased:
    """The paper's hard debiasing: g = ``bias_direction(definitional)``, then ``neutralize`` the ``neutral``
    words (by default every word of the vocabulary that is in no definitional or equality pair), then
    ``equalize`` the ``equality`` pairs."""
    direction = bias_direction(vectors, definitional)
    if neutral is None:
        specific = {word for pair in (*definitional, *equality) for word in pair}
        neutral = [word for word in vectors.index if word not in specific]
    neutralized = neutralize(vectors, neutral, direction)
    return Debiased(equalize(neutralized, equality, direction), direction, list(neutral), list(equality))


def save(vectors: WordVectors, path: str | Path) -> None:
    """Write the vectors as a word2vec text file (a ``.gz`` name is compressed), which ``WordVectors.load``
    reads back exactly."""
    write_vectors(path, vectors.words, vectors.vectors)


def _basis(direction: Tensor, dim: int) -> Tensor:
    """``direction`` as (k, dim) float64 rows, checked to be orthonormal."""
    basis = direction.detach().to("cpu", torch.float64)
    basis = basis[None] if basis.dim() == 1 else basis
    if basis.dim() != 2 or basis.size(1) != dim:
        raise ConfigError(f"the bias direction has shape {tuple(direction.shape)} but the vectors have {dim} "
                          f"dimensions; give a ({dim},) direction or (k, {dim}) subspace")
    gram = basis @ basis.T
    if not torch.allclose(gram, torch.eye(basis.size(0), dtype=gram.dtype), atol=_ORTHONORMAL_TOLERANCE):
        raise ConfigError("the bias direction must be a unit vector (a subspace: orthonormal rows), as "
                          "bias_direction and bias_subspace return")
    return basis


def _row(vectors: WordVectors, word: str) -> int:
    """The row of ``word``; the DataError of ``WordVectors.vector`` (naming it) when it is unknown."""
    if word not in vectors.index:
        vectors.vector(word)  # raises the DataError naming the word and words that differ only in case
    return vectors.index[word]


def _unit(vectors: WordVectors, word: str) -> Tensor:
    """ê_word as float64 (zero for a zero vector)."""
    return vectors.unit[_row(vectors, word)].double()
