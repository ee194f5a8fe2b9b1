"""The hierarchical softmax (Morin & Bengio 2005; Mikolov et al. 2013): P(w | h) over V words in O(log V).

The words are the leaves of a binary tree with V − 1 inner nodes; inner node n has a vector v_n (D,). Going
down from the root, each inner node on the way to w asks a yes/no question, answered by a logistic unit:

    P(w | h) = Π_{j=1..L(w)} σ(s(w, j) · v_{n(w,j)}·h)        s(w, j) = +1 if code(w)_j = 0, −1 if it is 1
    log P(w | h) = Σ_j log σ(s(w, j) · v_{n(w,j)}·h)

where n(w, 1) = root, ..., n(w, L(w)) are the inner nodes on w's path and code(w)_j is the branch taken at
n(w, j). Since σ(x) + σ(−x) = 1 at every node, the V leaf probabilities sum to 1 without computing a
normaliser over V words: one step costs L(w) dot products instead of V.

The tree is a Huffman tree of the word counts, as in word2vec: repeatedly merge the two least frequent
nodes, so frequent words get short codes and the expected path length Σ_w p_w·L(w) is the smallest a binary
prefix code allows (H(p) ≤ L < H(p) + 1, with p_w = count_w / Σ count). For counts [5, 3, 1, 1]:

                 root (0)                  word  code   path (inner nodes, root first)
              0 /       \\ 1                 0    0      [0]
             w0          (1)                  1    11     [0, 1]
                      0 /   \\ 1              2    100    [0, 1, 2]
                     (2)     w1               3    101    [0, 1, 2]
                  0 /   \\ 1
                   w2    w3

Merging: the node popped first (the smaller count) becomes branch 0, the second branch 1. Ties are broken
by node number, leaves 0..V−1 first in id order, then inner nodes in the order they were made, so the
tree depends on the counts alone. Inner nodes are numbered from the root (0) down, in reverse order of
making. A single word (V = 1) is its own root: no inner node, an empty code, P(w | h) = 1.

Words with a zero count are allowed (word2vec's special tokens): they get the longest codes.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqmodels.nn.output_checks import check_hidden_and_targets


@dataclass(frozen=True)
class HuffmanTree:
    """Every word's path and code, padded to the longest, L = max_w L(w) (0 when V = 1).

    Attributes:
        paths: (V, L) long, the inner-node ids on w's path, root first; 0 past L(w).
        codes: (V, L) long, the branch (0 or 1) taken at each of them; 0 past L(w).
        lengths: (V,) long, L(w).
    """

    paths: Tensor
    codes: Tensor
    lengths: Tensor

    @property
    def mask(self) -> Tensor:
        """(V, L) bool: True on the L(w) real steps of each row."""
        return torch.arange(self.paths.size(1)) < self.lengths.unsqueeze(1)

    def code(self, word: int) -> list[int]:
        """code(w) as a list of 0/1 branches, root first."""
        return self.codes[word, : int(self.lengths[word])].tolist()

    def path(self, word: int) -> list[int]:
        """n(w, 1..L(w)): the inner-node ids on w's path, root first."""
        return self.paths[word, : int(self.lengths[word])].tolist()


def _checked_counts(counts: Union[Sequence[float], Tensor]) -> list[float]:
    """The counts as a list of floats, or a one-line ValueError naming what is wrong with them."""
    values = torch.as_tensor(counts, dtype=torch.float64)
    if values.dim() != 1 or values.numel() == 0:
        raise ValueError(f"counts must be a non-empty list of V word counts, got shape {tuple(values.shape)}")
    if not torch.isfinite(values).all():
        raise ValueError(f"counts must be finite, got {values[~torch.isfinite(values)][0].item()} "
                         f"at word {int((~torch.isfinite(values)).nonzero()[0])}")
    if (values < 0).any():
        word = int((values < 0).nonzero()[0])
        raise ValueError(f"counts must be >= 0, got {values[word].item()} at word {word}")
    if values.sum() <= 0:
        raise ValueError("counts sum to 0: at least one word must occur to build the Huffman tree")
    return values.tolist()


def huffman_tree(counts: Union[Sequence[float], Tensor]) -> HuffmanTree:
    """The Huffman tree of ``counts`` (V,) (see the module docstring): each word's path, code and depth.

    Merging is a loop over the V − 1 inner nodes; the paths are then read off all words at once, one tree
    level per step.
    """
    weights = _checked_counts(counts)
    size = len(weights)
    heap = [(weight, node) for node, weight in enumerate(weights)]
    heapq.heapify(heap)
    parent, branch = list(range(2 * size - 1)), [0] * (2 * size - 1)   # the root stays its own parent
    for made in range(size, 2 * size - 1):
        (first, zero), (second, one) = heapq.heappop(heap), heapq.heappop(heap)
        parent[zero], parent[one], branch[one] = made, made, 1
        heapq.heappush(heap, (first + second, made))
    root = 2 * size - 2
    parents, branches = torch.tensor(parent), torch.tensor(branch)
    steps_nodes, steps_codes, steps_real = [], [], []                  # leaf first
    node = torch.arange(size)
    while (node != root).any():
        steps_real.append(node != root)
        steps_nodes.append(root - parents[node])                       # inner ids from the root: 0 = root
        steps_codes.append(branches[node])
        node = parents[node]
    if not steps_real:                                                 # V = 1: the word is the root
        empty = torch.zeros(size, 0, dtype=torch.long)
        return HuffmanTree(empty, empty, torch.zeros(size, dtype=torch.long))
    real = torch.stack(steps_real, dim=1)
    lengths = real.sum(dim=1)
    steps = torch.arange(real.size(1))
    root_first = (lengths.unsqueeze(1) - 1 - steps).clamp(min=0)      # leaf-first index of root-first step j
    keep = steps < lengths.unsqueeze(1)
    paths = torch.stack(steps_nodes, dim=1).gather(1, root_first) * keep
    codes = torch.stack(steps_codes, dim=1).gather(1, root_first) * keep
    return HuffmanTree(paths, codes, lengths)


class HierarchicalSoftmax(nn.Module):
    """log P(w | h) = Σ_j log σ(s(w, j) · v_{n(w,j)}·h) over the Huffman tree of ``counts`` (module docstring).

    Args:
        counts: (V,) how often each word occurs (>= 0, not all 0); only their order and ratios shape the tree.
        input_size: D, the size of h.

    ``weight`` (V − 1, D) holds v_n, row n for inner node n (root: row 0); it starts at zero, as in word2vec
    (every branch then has probability 1/2). ``tree`` is the :class:`HuffmanTree`; its paths, signs and mask
    are buffers derived from ``counts``, so they move with ``.to(...)`` but are not saved in ``state_dict``.
    """

    def __init__(self, counts: Union[Sequence[float], Tensor], input_size: int) -> None:
        super().__init__()
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ValueError(f"input_size must be an integer >= 1, got {input_size!r}")
        self.tree = huffman_tree(counts)
        self.vocab_size, self.input_size = self.tree.lengths.numel(), input_size
        self.weight = nn.Parameter(torch.zeros(self.vocab_size - 1, input_size))
        self.register_buffer("paths", self.tree.paths, persistent=False)
        self.register_buffer("signs", (1 - 2 * self.tree.codes).float(), persistent=False)   # s(w, j) = ±1
        self.register_buffer("mask", self.tree.mask, persistent=False)

    def _check(self, hidden: Tensor, targets: Optional[Tensor] = None) -> None:
        check_hidden_and_targets(hidden, targets, self.input_size, self.vocab_size)

    def log_prob(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """log P(t_i | h_i) (N,) for hidden h (N, D) and target ids t (N,): L(t) dot products per row.

        Gathers the vectors on each target's path (N, L, D), takes their dot products with h_i and sums
        log σ(±v·h) over the real steps (the padding past L(t_i) adds nothing and gets no gradient).
        """
        self._check(hidden, targets)
        nodes = F.embedding(self.paths[targets], self.weight)              # v_{n(t,j)} (N, L, D)
        scores = torch.einsum("nld,nd->nl", nodes, hidden)                 # v_{n(t,j)}·h (N, L)
        return self._path_sums(scores * self.signs[targets].to(scores.dtype), self.mask[targets])

    def log_probs(self, hidden: Tensor) -> Tensor:
        """log P(w | h_i) for every word (N, V), a distribution over the V words (its exp sums to 1).

        All V − 1 dot products v_n·h once (N, V − 1), then each word's path sum: cost N·(V·D + V·L).
        """
        self._check(hidden)
        scores = hidden @ self.weight.t()                                  # v_n·h (N, V − 1)
        per_word = scores[:, self.paths] * self.signs.to(scores.dtype)    # s(w, j) · v_{n(w,j)}·h (N, V, L)
        return self._path_sums(per_word, self.mask.expand_as(per_word))

    @staticmethod
    def _path_sums(signed_scores: Tensor, mask: Tensor) -> Tensor:
        """Σ_j log σ(signed score) over the real steps (mask True): the last dimension summed away."""
        return F.logsigmoid(signed_scores).masked_fill(~mask, 0.0).sum(dim=-1)

    def loss(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """The mean of −log P(t_i | h_i) over the N rows (0 when N = 0)."""
        return -self.log_prob(hidden, targets).sum() / max(targets.numel(), 1)

    def forward(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """``self.log_prob(hidden, targets)`` (N,)."""
        return self.log_prob(hidden, targets)

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, input_size={self.input_size}, depth={self.paths.size(1)}"
