"""Pretrained word vectors in an ``nn.Embedding`` (the files themselves: :mod:`seqmodels.vector_files`).

    embedding, coverage = pretrained_embedding(vocabulary_tokens, "glove.6B.100d.txt", padding_idx=0,
                                               specials=("<pad>", "<unk>"))
    print(coverage)   # pretrained vectors cover 18,234 of 20,102 words (90.7%; 1,033 through lowercase)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple

import torch
from torch import nn

from seqmodels.errors import ConfigError
from seqmodels.vector_files import read_kept_vectors, read_vectors, write_vectors

__all__ = ["Coverage", "pretrained_embedding", "read_vectors", "write_vectors"]  # the files' two, for callers here

_MISSING_EXAMPLES = 10


@dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary a pretrained-vector file covers (specials not counted)."""

    found: int             # vocabulary tokens that got a pretrained vector (exact or lowercased match)
    found_lowercased: int  # of those, found only through their lowercased form
    total: int             # vocabulary tokens considered (specials excluded)
    missing_examples: Tuple[str, ...]  # up to 10 missing tokens, in vocabulary (frequent-first) order

    @property
    def fraction(self) -> float:
        """found / total; 0.0 for an empty vocabulary."""
        return self.found / self.total if self.total else 0.0

    def __str__(self) -> str:
        lowercase = f"; {self.found_lowercased:,} through lowercase" if self.found_lowercased else ""
        return (f"pretrained vectors cover {self.found:,} of {self.total:,} words "
                f"({100 * self.fraction:.1f}%{lowercase})")


def pretrained_embedding(tokens: Sequence[str], path: str | Path, freeze: bool = False,
                         padding_idx: Optional[int] = None, specials: Sequence[str] = (),
                         lowercase_fallback: bool = True, init_range: float = 0.1,
                         generator: Optional[torch.Generator] = None,
                         size: Optional[int] = None) -> Tuple[nn.Embedding, Coverage]:
    """An ``nn.Embedding(len(tokens), size)`` whose rows start from the d-value vectors in a word2vec/GloVe file.

    ``size`` (default d) may exceed d: then row i is [v_i, r_i], the file's vector followed by ``size - d``
    uniform(-init_range, init_range) values r_i that only training shapes (columns the vectors do not have).

    Row i is the file's vector of ``tokens[i]`` (exact match, else ``tokens[i].lower()`` when
    ``lowercase_fallback``), or uniform(-init_range, init_range) for a token the file lacks. Tokens in
    ``specials`` are not looked up (they keep a random row) and are left out of the coverage counts.
    Row ``padding_idx`` is zero. ``freeze`` turns off the weight's gradient (only when ``size`` is d: added
    columns must learn).

    Only the vectors of the tokens are kept while reading, so a large file costs little memory; rows
    of other words are checked for their number of values but their numbers are not parsed.
    """
    if init_range < 0:
        raise ConfigError(f"init_range must be >= 0, got {init_range}")
    if padding_idx is not None and not -len(tokens) <= padding_idx < len(tokens):
        raise ValueError(f"padding_idx {padding_idx} is outside the vocabulary of {len(tokens)} tokens")
    special = set(specials)
    wanted = set()
    for token in tokens:
        if token not in special:
            wanted.add(token)
            if lowercase_fallback:
                wanted.add(token.lower())
    words, vectors = read_kept_vectors(path, wanted)
    row_of = {word: row for row, word in enumerate(words)}

    dim = vectors.size(1)
    if size is not None and size < dim:
        raise ValueError(f"{path}: its vectors have {dim} values, more than the embedding's {size}")
    if size is not None and size > dim and freeze:
        raise ValueError(f"{path}: its vectors have {dim} values; freezing a {size}-value embedding would also fix "
                         f"the {size - dim} random columns added to them")
    weight = torch.empty(len(tokens), size or dim).uniform_(-init_range, init_range, generator=generator)
    targets, sources, missing = [], [], []
    found = found_lowercased = total = 0
    for i, token in enumerate(tokens):
        if token in special:
            continue
        total += 1
        row = row_of.get(token)
        if row is None and lowercase_fallback:
            row = row_of.get(token.lower())
            found_lowercased += row is not None
        if row is None:
            if len(missing) < _MISSING_EXAMPLES:
                missing.append(token)
            continue
        found += 1
        targets.append(i)
        sources.append(row)
    if targets:
        weight[torch.tensor(targets), :dim] = vectors[torch.tensor(sources)]
    if padding_idx is not None:
        weight[padding_idx] = 0.0
    embedding = nn.Embedding.from_pretrained(weight, freeze=freeze, padding_idx=padding_idx)
    return embedding, Coverage(found, found_lowercased, total, tuple(missing))
