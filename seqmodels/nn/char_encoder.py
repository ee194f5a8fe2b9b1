"""A word's vector read from its characters (Lample et al. 2016), for words no vocabulary has.

For a word w = c<1> ... c<L>, a bidirectional RNN reads its character embeddings and the word's
vector is the forward direction's last state joined with the backward direction's first:

    v(w) = [→a<L>, ←a<1>]                 (2 H values)

so "Granger" and "Grangers" get related vectors even when one of them was never seen.
"""

from __future__ import annotations

from typing import Optional

from torch import Tensor, nn

from seqmodels.nn.recurrent_options import RecurrentOptions


class CharacterWordEncoder(nn.Module):
    """(B, T, L) character ids (``pad_id`` past each word's end) -> (B, T, 2 H) word vectors.

    Args:
        num_chars: the size of the character vocabulary.
        embedding_size: of each character.
        hidden_size: H of each direction.
        recurrent: the cell, its options and the backend (default: an LSTM, backend "auto"); the encoder reads
            them as one bidirectional layer of ``hidden_size`` (:meth:`RecurrentOptions.single_layer`).
        pad_id: the padding character id; positions made only of padding (padded tokens) give zeros.
    """

    def __init__(self, num_chars: int, embedding_size: int = 25, hidden_size: int = 25,
                 recurrent: Optional[RecurrentOptions] = None, pad_id: int = 0) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.embedding = nn.Embedding(num_chars, embedding_size, padding_idx=pad_id)
        options = (recurrent or RecurrentOptions()).single_layer(hidden_size, bidirectional=True)
        self.recurrent = options.build(embedding_size)
        self.output_size = 2 * hidden_size

    def forward(self, chars: Tensor) -> Tensor:
        batch, steps, width = chars.shape
        flat = chars.reshape(batch * steps, width)
        lengths = (flat != self.pad_id).sum(dim=1)
        words = lengths > 0                                   # padded token positions have no character
        if not bool(words.any()):
            return flat.new_zeros(batch, steps, self.output_size, dtype=self.embedding.weight.dtype)
        _, final = self.recurrent(self.embedding(flat[words]), lengths=lengths[words])
        found = self.recurrent.summary(final)                 # [→a<L>, ←a<1>] (N, 2 H)
        vectors = found.new_zeros(batch * steps, self.output_size)  # in the RNN's dtype (bf16 under autocast)
        vectors[words] = found
        return vectors.reshape(batch, steps, self.output_size)
