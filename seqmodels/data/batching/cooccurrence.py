"""Word-word co-occurrence counts for GloVe (Pennington et al. 2014), and batches of their entries.

Within a line (a sentence), with the special tokens (<pad>, <unk>, <bos>, <eos>: ids < ``len(SPECIALS)``) left
out of the stream first, as word2vec does (the words on either side of an <unk> become neighbours), every pair of
words x_p, x_{p+d} at most ``window`` apart adds its distance weight to both cells:

    X_ij += 1 / d,   X_ji += 1 / d        for i = x_p, j = x_{p+d}, 1 <= d <= window      (so X is symmetric)

as the GloVe tool's ``cooccur`` counts with a symmetric window and distance weighting; a word next to itself
(x_p = x_{p+d} = i) adds 2 / d to X_ii.

Counting is sparse and in bounded memory: the stream of words is cut into chunks of ``chunk_tokens`` words (a
sentence may straddle two chunks: each chunk also sees the last ``window`` words of the one before, and counts
the pairs whose later word is its own). A chunk's pairs are made with one tensor operation per distance, reduced
to its sorted unique keys i V + j (int64) with their summed weights, and merged into the running table (sorted
unique keys and float64 sums) by binary search: no V × V matrix, no Python loop over pairs.

How it scales (measured on WikiText-2's train split: 1.99M words without the specials, min_freq 5, V = 20,435,
window 10, chunks of 2^18 words, one CPU thread):

    corpus share      words      distinct pairs (X_ij > 0)      time
    25 %              0.49M       2.53M                         1.0 s
    50 %              0.99M       4.33M                         2.4 s
    100 %             1.99M       7.33M                         5.0 s  (2.4 s counting chunks, 1.7 s merging)

The distinct pairs grow as words^0.76 (most new pairs hold a rare word). The table holds 16 bytes a pair (key and
float64 sum), and a merge briefly holds the old and the new table: 0.12 GB for WikiText-2, 0.24 GB at the peak,
plus a chunk's working memory (2 window 2^18 pair codes, their sort and unique: about 0.6 kB a word, 0.15 GB);
the process grew by 0.57 GB in all, the returned (rows, cols, values) included (24 bytes a pair). Extrapolated to a
corpus 50 times larger (100M words, same cut-off and window, the vocabulary fixed): 7.33M x 50^0.76 = 145M pairs, a
table of 2.3 GB, a peak of 4.6 GB + the chunk (more if the vocabulary grows with the corpus, as it does at a fixed
min_freq). Counting the chunks is linear in the corpus (about 2 minutes for 100M words), but each merge costs
O(table) and there is one a chunk (about 50 ns an entry): some 25 minutes of merging at 2^18 words a chunk, 6 at
``chunk_tokens`` = 2^20 (0.6 GB of chunk memory). GloVe's own tool writes sorted chunks to disk and merges the
files once instead.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, NamedTuple, Sequence, Tuple

import torch
from torch import Tensor
from torch.utils.data import Dataset

from seqmodels.data.encoding.vocabulary import SPECIALS

CHUNK_TOKENS = 1 << 18


def cooccurrences(sentences: Iterable[Sequence[int]], vocab_size: int, window: int = 10,
                  chunk_tokens: int = CHUNK_TOKENS, first_word: int = len(SPECIALS)) -> Tuple[Tensor, Tensor, Tensor]:
    """The nonzero entries of X (see the module docstring) of ``sentences``, counted ``chunk_tokens`` words at a time.

    Args:
        sentences: lists (or 1-D tensors) of ids in [0, vocab_size), read once, in order.
        vocab_size: V.
        window: the largest distance d between two words of a pair.
        chunk_tokens: the words counted at a time (the working memory of a chunk; the result does not change).
        first_word: ids below it (the special tokens) are left out of the stream.
    Returns:
        (rows i, cols j, values X_ij): (N,) int64, int64 and float64, sorted by (i, j), each pair once.
    """
    for name, value in (("window", window), ("chunk_tokens", chunk_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r}: must be an integer >= 1")
    keys, values = torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.float64)
    before = torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)  # the last words of the stream
    for words, numbers in _word_chunks(sentences, chunk_tokens, first_word):
        if int(words.max()) >= vocab_size:
            raise ValueError(f"ids must be < vocab_size = {vocab_size}, got {int(words.max())}")
        words, numbers = torch.cat([before[0], words]), torch.cat([before[1], numbers])
        chunk_keys, chunk_values = _chunk_counts(words, numbers, before[0].numel(), window, vocab_size)
        keys, values = _merge(keys, values, chunk_keys, chunk_values)
        before = words[-window:], numbers[-window:]
    return keys // vocab_size, keys % vocab_size, values


def _word_chunks(sentences: Iterable[Sequence[int]], chunk_tokens: int,
                 first_word: int) -> Iterator[Tuple[Tensor, Tensor]]:
    """(words, the number of the sentence of each word), ``chunk_tokens`` words at a time (the last chunk may be
    shorter): the ids >= ``first_word`` of the sentences, one stream."""
    words: List[Tensor] = []
    numbers: List[Tensor] = []
    held = 0
    for number, sentence in enumerate(sentences):
        ids = torch.as_tensor(sentence, dtype=torch.long).reshape(-1)
        ids = ids[ids >= first_word]
        while ids.numel():
            part, ids = ids[:chunk_tokens - held], ids[chunk_tokens - held:]
            words.append(part)
            numbers.append(torch.full_like(part, number))
            held += part.numel()
            if held == chunk_tokens:
                yield torch.cat(words), torch.cat(numbers)
                words, numbers, held = [], [], 0
    if held:
        yield torch.cat(words), torch.cat(numbers)


def _chunk_counts(words: Tensor, numbers: Tensor, start: int, window: int, vocab_size: int) -> Tuple[Tensor, Tensor]:
    """The chunk's sorted unique keys i V + j and its X_ij = Σ_d n_ij(d) / d, n_ij(d) the number of its pairs
    (x_p, x_{p+d}) = (i, j) or (j, i) within one sentence, counting the pairs whose later word is at position
    p + d >= ``start`` (the others were the chunk before's)."""
    codes = []
    for distance in range(1, window + 1):
        later = torch.arange(words.numel())[max(start, distance):]
        earlier = later[numbers[later - distance] == numbers[later]] - distance      # same sentence only
        i, j = words[earlier], words[earlier + distance]
        # the pair and its distance in one int64: (i V + j) window + (d - 1), for X_ij and X_ji
        codes += [(i * vocab_size + j) * window + distance - 1, (j * vocab_size + i) * window + distance - 1]
    codes, repeats = torch.unique(torch.cat(codes), return_counts=True)               # sorted
    weights = repeats.double() / (codes % window + 1)                                 # n pairs at distance d: n / d
    keys, inverse = torch.unique_consecutive(codes // window, return_inverse=True)    # i V + j, sorted
    return keys, torch.zeros(keys.numel(), dtype=torch.float64).index_add_(0, inverse, weights)


def _merge(keys: Tensor, values: Tensor, new_keys: Tensor, new_values: Tensor) -> Tuple[Tensor, Tensor]:
    """The table (keys, values) plus (new_keys, new_values), both sorted by unique keys: the sums of the keys in
    both (added into ``values`` in place), the new keys put in their places. O(table + chunk log table)."""
    if keys.numel() == 0:
        return new_keys, new_values
    at = torch.searchsorted(keys, new_keys)                    # where each new key is, or would go
    found = keys[at.clamp(max=keys.numel() - 1)] == new_keys
    values[at[found]] += new_values[found]                     # X_ij += the chunk's X_ij
    fresh = ~found
    slots = at[fresh] + torch.arange(int(fresh.sum()))         # old keys before it + new keys before it
    is_fresh = torch.zeros(keys.numel() + slots.numel(), dtype=torch.bool)
    is_fresh[slots] = True
    merged_keys = torch.empty(is_fresh.numel(), dtype=torch.long)
    merged_values = torch.empty(is_fresh.numel(), dtype=torch.float64)
    merged_keys[is_fresh], merged_values[is_fresh] = new_keys[fresh], new_values[fresh]
    merged_keys[~is_fresh], merged_values[~is_fresh] = keys, values
    return merged_keys, merged_values


class CooccurrenceBatch(NamedTuple):
    rows: Tensor    # (B,) i, the word
    cols: Tensor    # (B,) j, the context word
    counts: Tensor  # (B,) X_ij > 0, float32


class Cooccurrences(Dataset):
    """The entries (i, j, X_ij) of a co-occurrence table (``cooccurrences()``'s three tensors), as float32 counts.

    A DataLoader with a ``batch_sampler`` hands a batch's indices to :meth:`__getitems__`, which builds the batch by
    tensor indexing (no Python per entry); its ``collate_fn`` is :func:`whole_batch`.
    """

    def __init__(self, rows: Tensor, cols: Tensor, counts: Tensor) -> None:
        if not rows.shape == cols.shape == counts.shape or rows.dim() != 1:
            raise ValueError(f"rows, cols and counts must be (N,) each, got {rows.shape}, {cols.shape}, {counts.shape}")
        self.rows, self.cols, self.counts = rows, cols, counts.float()

    def __len__(self) -> int:
        return self.rows.numel()

    def __getitems__(self, indices: Sequence[int]) -> CooccurrenceBatch:
        index = torch.as_tensor(indices, dtype=torch.long)
        return CooccurrenceBatch(self.rows[index], self.cols[index], self.counts[index])


def whole_batch(batch: CooccurrenceBatch) -> CooccurrenceBatch:
    """The collate function of :class:`Cooccurrences`: ``__getitems__`` has made the batch already."""
    return batch
