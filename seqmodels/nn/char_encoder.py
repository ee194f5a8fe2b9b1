"""A word's vector read from its characters (Lample et al. 2016), for words no vocabulary has.

For a word w = c<1> ... c<L>, a bidirectional RNN reads its character embeddings and the word's
vector is the forward direction's last state joined with the backward direction's first:

    v(w) = [→a<L>, ←a<1>]                 (2 H values)

so "Granger" and "Grangers" get related vectors even when one of them was never seen.
"""

from __future__ import annotations

from torch import Tensor, nn

from seqmodels.nn.recurrent import Recurrent


class CharacterWordEncoder(nn.Module):
    """(B, T, L) character ids (``pad_id`` past each word's end) -> (B, T, 2 H) word vectors.

    Args:
        num_chars: the size of the character vocabulary.
        embedding_size: of each character.
        hidden_size: H of each direction.
        cell, backend, **cell_options: of the Recurrent layer (any cell, any backend).
        pad_id: the padding character id; positions made only of padding (padded tokens) give zeros.
    """

    def __init__(self, num_chars: int, embedding_size: int = 25, hidden_size: int = 25, cell: str = "lstm",
                 backend: str = "auto", pad_id: int = 0, **cell_options: object) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.embedding = nn.Embedding(num_chars, embedding_size, padding_idx=pad_id)
        self.recurrent = Recurrent(cell, embedding_size, hidden_size, bidirectional=True, backend=backend,
                                   **cell_options)
        self.output_size = 2 * hidden_size

    def forward(self, chars: Tensor) -> Tensor:
        batch, steps, width = chars.shape
        flat = chars.reshape(batch * steps, width)
        lengths = (flat != self.pad_id).sum(dim=1)
        words = lengths > 0                                   # padded token positions have no character
        if not bool(words.any()):
            return flat.new_zeros(batch, steps, self.output_size, dtype=self.embedding.weight.dtype)
        _, final = self.recurrent(self.embedding(flat[words]), lengths=lengths[words])
        h_n = final[0] if isinstance(final, tuple) else final      # (2, N, H): →a<L>, ←a<1>
        found = h_n.transpose(0, 1).reshape(-1, self.output_size)
        vectors = found.new_zeros(batch * steps, self.output_size)  # in the RNN's dtype (bf16 under autocast)
        vectors[words] = found
        return vectors.reshape(batch, steps, self.output_size)
