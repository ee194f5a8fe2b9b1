"""Word dropout: while training, each real word of a batch becomes <unk> with probability p (Iyyer et al. 2015;
Lample et al. 2016 do it to training singletons), so the <unk> embedding is trained on words in context and the
network leans less on words it has memorised. In evaluation it changes nothing.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def checked_probability(p: object) -> float:
    """``p`` as a float; ValueError saying what it must be unless it is a number in [0, 1)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
        raise ValueError(f"word_dropout must be a probability in [0, 1) (0 for none), got {p!r}")
    return float(p)


class WordDropout(nn.Module):
    """Replaces word ids by ``unk_id`` at random while training; padding (``pad_id``) is never replaced.

    Args:
        p: the probability that a word becomes <unk>, in [0, 1).
        unk_id, pad_id: the vocabulary's <unk> and padding ids.
    """

    def __init__(self, p: float, unk_id: int, pad_id: int) -> None:
        super().__init__()
        self.p, self.unk_id, self.pad_id = checked_probability(p), unk_id, pad_id

    def forward(self, words: Tensor) -> Tensor:
        """w̃<t> = <unk> where u<t> < p and w<t> is a word (u<t> ~ U(0, 1)), else w<t>; in eval mode w̃ = w."""
        if not self.training or self.p == 0.0:
            return words
        dropped = (torch.rand(words.shape, device=words.device) < self.p) & (words != self.pad_id)
        return words.masked_fill(dropped, self.unk_id)

    def extra_repr(self) -> str:
        return f"p={self.p}, unk_id={self.unk_id}"
