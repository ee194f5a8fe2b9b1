"""Token lists to one padded tensor of ids: what every batch of sentences starts from."""

from __future__ import annotations

from typing import Sequence, Tuple

import torch
from torch import Tensor

from seqmodels.data.encoding.vocabulary import Vocabulary


def padded_ids(token_lists: Sequence[Sequence[str]], vocabulary: Vocabulary) -> Tuple[Tensor, Tensor]:
    """``(ids, lengths)``: ids (B, T) long, row b the ids of ``token_lists[b]`` then ``vocabulary.pad_id`` up to
    T = the longest length; lengths (B,) long. Every list must hold a token (the callers say why not)."""
    lengths = torch.tensor([len(tokens) for tokens in token_lists], dtype=torch.long)
    ids = torch.full((len(token_lists), int(lengths.max())), vocabulary.pad_id, dtype=torch.long)
    for row, tokens in enumerate(token_lists):
        ids[row, :len(tokens)] = torch.tensor(vocabulary.encode(tokens))
    return ids, lengths
