"""The recurrent language model: embedding -> Recurrent -> dropout -> softmax over the vocabulary.

    e<t> = E x<t>                         (embedding, dropout)
    a<t> = RNN(e<t>, a<t-1>)              (any cell, any backend, num_layers deep)
    ŷ<t> = softmax(W_y dropout(a<t>) + b_y)   = P(y<t> | y<1>, ..., y<t-1>)

With ``tie_weights`` the output matrix is the embedding matrix (W_y = E; Press & Wolf 2017),
which needs embedding_size == hidden_size.

With ``output="hierarchical_softmax"`` the output layer is a
:class:`~seqmodels.nn.hierarchical_softmax.HierarchicalSoftmax` over the Huffman tree of the training counts:
with h = dropout(a<t>),

    P(y<t> = w | y<1..t-1>) = Π_{j=1..L(w)} σ(s(w, j) · v_{n(w,j)}·h)      (the branches on w's path)

so the loss of a token costs L(w) ≈ log2 V dot products instead of V. Its inner-node vectors v_n start at zero
(every branch 1/2: P(w) = 2^−L(w), about the unigram distribution of the counts). ``forward`` then returns
log P(w | ...) for every w instead of logits: a log-distribution, whose (log-)softmax is itself, so the code
that samples from or scores the logits is unchanged. It cannot be tied: the v_n belong to the tree's inner
nodes, not to words.

With ``output="adaptive_softmax"`` the output layer is an :class:`~seqmodels.nn.adaptive_softmax.AdaptiveSoftmax`
over the frequency order of the same counts: a softmax over the ``cutoffs[0]`` most frequent words and one entry
per tail, each tail a softmax of its own over vectors of D / div_value^k dimensions,

    P(y<t> = w | y<1..t-1>) = softmax(W_head h)[w]                              (w in the head)
                            = softmax(W_head h)[c_k] · softmax(U_k P_k h)[w]     (w in tail k)

so most tokens cost a (cutoffs[0] + K)-way softmax instead of a V-way one. Like the hierarchical softmax it
gives log P(w | ...) itself and cannot be tied.

Both are *log-probability output layers*: they declare ``log_prob(h, y)`` (N,) and ``log_probs(h)`` (N, V),
exactly normalised, and this model uses nothing else of them.
"""

from __future__ import annotations

from typing import Optional, Protocol, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from seqmodels.errors import check_choice
from seqmodels.nn.adaptive_softmax import AdaptiveSoftmax
from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax
from seqmodels.nn.linear_cross_entropy import linear_cross_entropy
from seqmodels.nn.recurrent import State
from seqmodels.nn.recurrent_options import RecurrentOptions

OUTPUTS = ("softmax", "hierarchical_softmax", "adaptive_softmax")
COUNTED_OUTPUTS = ("hierarchical_softmax", "adaptive_softmax")   # built from the training counts
DEFAULT_CUTOFFS = (2000, 10000)


class LogProbabilityOutput(Protocol):
    """An output layer that gives log P(w | h) itself, exactly normalised over the V words."""

    def log_prob(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """log P(t_i | h_i) (N,) for hidden (N, H) and target ids (N,)."""

    def log_probs(self, hidden: Tensor) -> Tensor:
        """log P(w | h_i) for every word w (N, V)."""


class LanguageModel(nn.Module):
    """Next-token predictor over a vocabulary of ``vocab_size`` ids.

    Args:
        vocab_size: V, the size of the softmax.
        recurrent: the Recurrent, one direction only; its dropout also applies to the embeddings and before
            the softmax.
        embedding_size: E, the size of the embeddings.
        tie_weights: share E between the input embedding and the output layer (softmax only).
        pad_id: the id whose embedding stays zero (padding).
        output: "softmax" (an nn.Linear(H, V)), "hierarchical_softmax" (a HierarchicalSoftmax(counts, H)) or
            "adaptive_softmax" (an AdaptiveSoftmax(counts, H, cutoffs, div_value)).
        counts: (V,) how often each id is a target in the training data, which shapes the hierarchical
            softmax's tree and the adaptive softmax's frequency order (needed for them alone).
        cutoffs, div_value: the adaptive softmax's head and tail ends (frequency ranks) and the factor by which
            each tail's vectors shrink.
    """

    def __init__(
        self,
        vocab_size: int,
        recurrent: RecurrentOptions = RecurrentOptions(hidden_size=256),
        embedding_size: int = 128,
        tie_weights: bool = False,
        pad_id: int = 0,
        output: str = "softmax",
        counts: Optional[Sequence[int]] = None,
        cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
        div_value: float = 4.0,
    ) -> None:
        super().__init__()
        check_choice("output", output, OUTPUTS, ValueError)
        if recurrent.bidirectional:
            raise ValueError("bidirectional=True: a language model predicts each token from the ones before it, "
                             "and a backward direction would read the very token it must predict")
        if tie_weights and embedding_size != recurrent.hidden_size:
            raise ValueError(
                f"tie_weights=True shares the embedding with the output layer, so embedding_size "
                f"({embedding_size}) must equal hidden_size ({recurrent.hidden_size})"
            )
        counted = output in COUNTED_OUTPUTS
        self.gives_log_probs = counted  # the output layer is a LogProbabilityOutput, else an nn.Linear
        if counted and tie_weights:
            raise ValueError(f"tie_weights=True needs an output word matrix to share with the embedding; "
                             f"output={output!r} has none")
        if counted and (counts is None or len(counts) != vocab_size):
            raise ValueError(f"output={output!r} needs the counts of the {vocab_size} ids, got "
                             f"{'none' if counts is None else len(counts)}")
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=pad_id)
        self.recurrent = recurrent.build(embedding_size)
        self.dropout = nn.Dropout(recurrent.dropout)
        self.output: Union[nn.Linear, LogProbabilityOutput]
        if output == "hierarchical_softmax":
            self.output = HierarchicalSoftmax(counts, recurrent.hidden_size)   # v_n = 0: every branch 1/2
        elif output == "adaptive_softmax":
            self.output = AdaptiveSoftmax(counts, recurrent.hidden_size, cutoffs, div_value)
        else:
            self.output = nn.Linear(recurrent.hidden_size, vocab_size)
            if tie_weights:
                self.output.weight = self.embedding.weight
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        if not counted:
            nn.init.zeros_(self.output.bias)
            if not tie_weights:
                nn.init.uniform_(self.output.weight, -0.1, 0.1)
        with torch.no_grad():
            self.embedding.weight[pad_id].zero_()

    @property
    def vocab_size(self) -> int:
        """V, the ids the model reads and predicts."""
        return self.embedding.num_embeddings

    def features(self, tokens: Tensor, state: Optional[State] = None,
                 lengths: Optional[Tensor] = None) -> Tuple[Tensor, State]:
        """a<t> after dropout, (B, T, H), and the final state: everything but the softmax layer."""
        embedded = self.dropout(self.embedding(tokens))
        hidden, final = self.recurrent(embedded, state, lengths=lengths)
        return self.dropout(hidden), final

    def forward(self, tokens: Tensor, state: Optional[State] = None,
                lengths: Optional[Tensor] = None) -> Tuple[Tensor, State]:
        """Logits (B, T, V) of the next token at every position, and the final state.

        With a log-probability output layer (hierarchical or adaptive softmax) the "logits" are
        log P(w | y<1..t-1>) for every w (their exp sums to 1 at each position), computed in float32: softmax
        and log_softmax leave them as they are."""
        hidden, final = self.features(tokens, state, lengths)
        return self.scores(hidden), final

    def scores(self, hidden: Tensor) -> Tensor:
        """The output layer on ``hidden`` = features(...)[0] (B, T, H): softmax logits W_y h + b_y, or a
        log-probability output layer's log P(w | h) for every w, (B, T, V)."""
        if not self.gives_log_probs:
            return self.output(hidden)
        with _full_precision(hidden):
            flat = self.output.log_probs(hidden.reshape(-1, hidden.size(-1)).float())
        return flat.reshape(*hidden.shape[:-1], flat.size(-1))

    def token_log_probs(self, hidden: Tensor, targets: Tensor) -> Tensor:
        """log ŷ<t>[y<t>] (B, T) for ``hidden`` = features(...)[0] (B, T, H) and targets (B, T), in float32.

        Softmax: log_softmax(W_y h + b_y)[y], all V logits of each position. Hierarchical softmax:
        Σ_j log σ(s(y, j) · v_{n(y,j)}·h) along y's path alone, L(y) dot products. Adaptive softmax: the head's
        softmax, and y's tail's if y is in one."""
        if not self.gives_log_probs:
            logits = self.output(hidden).float()
            return torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        with _full_precision(hidden):
            flat = self.output.log_prob(hidden.reshape(-1, hidden.size(-1)).float(), targets.reshape(-1))
        return flat.reshape(targets.shape)

    def negative_log_likelihood(self, hidden: Tensor, targets: Tensor, ignore_index: int = -100) -> Tensor:
        """Σ_t -log ŷ<t>[y<t>] for ``hidden`` = features(...)[0] (B, T, H) and targets (B, T), the targets
        equal to ``ignore_index`` left out.

        Softmax: the output layer and the loss in one pass (``linear_cross_entropy``): the same number
        as ``F.cross_entropy(self.output(hidden), targets, reduction="sum")`` without the (B, T, V)
        logits, which is most of the work and memory of a word-level model. Hierarchical softmax:
        -Σ_t Σ_j log σ(s(y<t>, j) · v_{n(y<t>,j)}·h<t>), L(y<t>) ≈ log2 V dot products a token (float32).
        Adaptive softmax: -Σ_t log P(y<t> | h<t>), each tail's softmax for its own tokens alone (float32).
        """
        flat_hidden, flat_targets = hidden.reshape(-1, hidden.size(-1)), targets.reshape(-1)
        if not self.gives_log_probs:
            return linear_cross_entropy(flat_hidden, self.output.weight, self.output.bias, flat_targets,
                                        ignore_index=ignore_index)
        kept = flat_targets != ignore_index
        with _full_precision(hidden):
            return -self.output.log_prob(flat_hidden[kept].float(), flat_targets[kept]).sum()


def _full_precision(tensor: Tensor) -> torch.autocast:
    """Autocast switched off on ``tensor``'s device: a log-probability output layer runs in float32 under
    bf16-mixed too (a sum of L(w) log σ terms, or a product of two softmaxes, in bfloat16 would lose the loss's
    precision)."""
    return torch.autocast(tensor.device.type, enabled=False)
