"""The sequence tagger (many-to-many, Tx = Ty): one output per input token.

    x<t> = [E w̃<t> ; C case<t> ; v(chars of w<t>)]    (word embedding, capitalisation, character encoder;
                                                        w̃<t> = <unk> with probability word_dropout while training,
                                                        and singleton_unk for a word seen once in training)
    a<t> = [→a<t>, ←a<t>] = BiRNN(x<1..T>)             (any cell, any backend, num_layers deep)
    e<t> = W_y dropout(a<t>) + b_y                      (a score per tag: the emissions)

and then one of three outputs:

- ``crf``:     P(y<1..T> | x) ∝ exp(Σ_t e<t>[y<t>] + Σ_t A[y<t-1>, y<t>]), decoded by Viterbi (Lample et al. 2016);
- ``softmax``: ŷ<t> = softmax(e<t>), each token on its own;
- ``sigmoid``: ŷ<t> = σ(e<t>), one score: "is this token part of a name" (the course's y<t> ∈ {0, 1}).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from seqmodels.errors import check_choice
from seqmodels.nn.char_encoder import CharacterWordEncoder
from seqmodels.nn.crf import CRF
from seqmodels.nn.recurrent_options import RecurrentOptions
from seqmodels.nn.word_dropout import WordDropout

OUTPUTS = ("crf", "softmax", "sigmoid")


class Tagger(nn.Module):
    """Scores of every tag at every token.

    Args:
        vocab_size: words in the vocabulary; num_tags: K, the tags (1 for ``sigmoid``).
        output: "crf", "softmax" or "sigmoid".
        recurrent: the Recurrent (and the character encoder's cell and backend); its dropout also applies to the
            token features and before the output layer.
        embedding_size: E, the size of the word embeddings.
        num_cases: the capitalisation classes (the batches' ``CASES``); case_embedding_size: the size of their
            feature, 0 for none.
        num_chars: the character vocabulary (0: no character encoder); char_embedding_size, char_hidden_size: its sizes.
        pad_id, unk_id: the padding and <unk> word ids.
        word_dropout: while training, the probability that a word's embedding is <unk>'s (the capitalisation and
            character features still see the word).
        singleton_unk, singletons_from: while training, the probability that a singleton's embedding is <unk>'s
            (Lample et al. 2016: 0.5), and the first id of the singletons (the words seen once in training).
        allowed_start, allowed_transitions, allowed_end: the CRF's permitted moves (the tag scheme's rules).
    """

    def __init__(
        self,
        vocab_size: int,
        num_tags: int,
        output: str = "crf",
        recurrent: RecurrentOptions = RecurrentOptions(bidirectional=True, dropout=0.5),
        embedding_size: int = 100,
        num_cases: int = 0,
        case_embedding_size: int = 0,
        num_chars: int = 0,
        char_embedding_size: int = 25,
        char_hidden_size: int = 25,
        pad_id: int = 0,
        unk_id: int = 1,
        word_dropout: float = 0.0,
        singleton_unk: float = 0.0,
        singletons_from: Optional[int] = None,
        allowed_start: Optional[Tensor] = None,
        allowed_transitions: Optional[Tensor] = None,
        allowed_end: Optional[Tensor] = None,
    ) -> None:
        super().__init__()
        check_choice("output", output, OUTPUTS, ValueError)
        if case_embedding_size and num_cases < 1:
            raise ValueError(f"case_embedding_size={case_embedding_size} needs the number of capitalisation classes, "
                             f"got num_cases={num_cases!r}")
        self.output_kind = output
        self.word_dropout = WordDropout(word_dropout, unk_id, pad_id, singleton_unk, singletons_from)
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        features = embedding_size
        self.case_embedding = (nn.Embedding(num_cases, case_embedding_size, padding_idx=0)
                               if case_embedding_size else None)
        features += case_embedding_size
        self.char_encoder = (CharacterWordEncoder(num_chars, char_embedding_size, char_hidden_size, recurrent)
                             if num_chars else None)
        features += self.char_encoder.output_size if self.char_encoder else 0
        self.dropout = nn.Dropout(recurrent.dropout)
        self.recurrent = recurrent.build(features)
        self.output = nn.Linear(self.recurrent.output_size, num_tags)
        self.crf = CRF(num_tags, allowed_start, allowed_transitions, allowed_end) if output == "crf" else None

    def forward(self, words: Tensor, lengths: Tensor, cases: Optional[Tensor] = None,
                chars: Optional[Tensor] = None) -> Tensor:
        """Emissions e<t>, (B, T, K)."""
        parts = [self.embedding(self.word_dropout(words))]
        if self.case_embedding is not None:
            parts.append(self.case_embedding(cases))
        if self.char_encoder is not None:
            parts.append(self.char_encoder(chars))
        features = self.dropout(torch.cat(parts, dim=-1))
        hidden, _ = self.recurrent(features, lengths=lengths)
        return self.output(self.dropout(hidden))
