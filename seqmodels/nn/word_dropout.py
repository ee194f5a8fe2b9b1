"""Word dropout: while training, each real word of a batch becomes <unk> with probability p (Iyyer et al. 2015),
and a word seen once in the training data with a probability of its own (Lample et al. 2016 replace singletons
with probability 0.5), so the <unk> embedding is trained on words in context and the network leans less on words
it has memorised. In evaluation it changes nothing.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn


def checked_probability(p: object, name: str = "word_dropout") -> float:
    """``p`` as a float; ValueError saying what ``name`` must be unless it is a number in [0, 1)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1) (0 for none), got {p!r}")
    return float(p)


class WordDropout(nn.Module):
    """Replaces word ids by ``unk_id`` at random while training; padding (``pad_id``) is never replaced.

    Args:
        p: the probability that a word becomes <unk>, in [0, 1).
        unk_id, pad_id: the vocabulary's <unk> and padding ids.
        singleton_p: the probability that a singleton (an id >= ``singletons_from``: a vocabulary ranked by
            training counts keeps the words seen once at its end) becomes <unk> on its own, in [0, 1);
            with ``p`` as well it is replaced with probability 1 - (1 - p)(1 - singleton_p).
        singletons_from: the first id of the singletons (None: no word is a singleton).
    """

    def __init__(self, p: float, unk_id: int, pad_id: int, singleton_p: float = 0.0,
                 singletons_from: Optional[int] = None) -> None:
        super().__init__()
        self.p, self.unk_id, self.pad_id = checked_probability(p), unk_id, pad_id
        self.singleton_p = checked_probability(singleton_p, "singleton_unk")
        self.singletons_from = singletons_from
        self.active = self.p > 0.0 or (self.singleton_p > 0.0 and singletons_from is not None)

    def forward(self, words: Tensor) -> Tensor:
        """w̃<t> = <unk> where u<t> < p(w<t>) and w<t> is a word (u<t> ~ U(0, 1)), else w<t>, with p(w) = p, or
        1 - (1 - p)(1 - singleton_p) for a singleton; in eval mode w̃ = w."""
        if not self.training or not self.active:
            return words
        rate = torch.full(words.shape, self.p, device=words.device)
        if self.singletons_from is not None and self.singleton_p > 0.0:
            singleton_rate = 1.0 - (1.0 - self.p) * (1.0 - self.singleton_p)
            rate = rate.masked_fill(words >= self.singletons_from, singleton_rate)
        dropped = (torch.rand(words.shape, device=words.device) < rate) & (words != self.pad_id)
        return words.masked_fill(dropped, self.unk_id)

    def extra_repr(self) -> str:
        singletons = (f", singleton_p={self.singleton_p}, singletons_from={self.singletons_from}"
                      if self.singleton_p else "")
        return f"p={self.p}, unk_id={self.unk_id}{singletons}"
