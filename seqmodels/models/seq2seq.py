"""The encoder-decoder (seq2seq) network, Tx ≠ Ty, with or without attention, in the course's notation.

Encoder: h<1..Tx> = RNN(E_x x<1..Tx>) — any cell, backend, depth, bidirectional (h<t'> = [→h<t'>, ←h<t'>]);
its summary C = h<Tx> = [→h<Tx>, ←h<1>] of the last layer. Bridge: s<0> = tanh(W_b C + b_b) (and the
LSTM's memory cell c<0> likewise), so the decoder may have another size than the encoder.

Decoder: one cell (RNN, GRU or LSTM) run one step per output token. With ``attention_style="bahdanau"``
(the course's, the default) the context enters the cell:

    c<t> = Σ_t' α<t,t'> h<t'>,  α<t,·> = softmax_t'(a(s<t-1>, h<t'>))   (attention; "none": c<t> = C)
    s<t> = cell([E_y y<t-1>, c<t>], s<t-1>)

With ``attention_style="luong"`` the cell reads only y<t-1> and the query is the new state:

    s<t> = cell(E_y y<t-1>, s<t-1>),  c<t> = Σ_t' α<t,t'> h<t'>,  α<t,·> = softmax_t'(a(s<t>, h<t'>))

so with teacher forcing the whole target runs through the cell at once (the fused kernel where the cell
allows it) and the attention is one batched softmax(QKᵀ)V. Both styles predict from [s<t>, c<t>]:

    o<t> = tanh(W_o [s<t>, c<t>] + b_o),   P(y<t> | y<1..t-1>, x) = softmax(W_y o<t> + b_y)

``input_feeding=True`` (Luong et al. 2015) also feeds o<t-1> into the cell's input (o<0> = 0).
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Tuple, Union

import torch
from torch import Tensor, nn

from seqmodels.decoding import Hypothesis, MaxLength, beam_search, greedy_search
from seqmodels.errors import check_choice
from seqmodels.nn.attention import SCORES, Attention
from seqmodels.nn.recurrent_options import RecurrentOptions

ATTENTIONS = ("none", *SCORES)
STYLES = ("bahdanau", "luong")
CellState = Union[Tensor, Tuple[Tensor, Tensor]]  # s<t>, or the LSTM's (s<t>, memory cell) — (B, H) each


class Encoded(NamedTuple):
    """The encoder's output, batch first: what every decoder step reads."""

    keys: Tensor     # h<1..Tx> (B, Tx, He), zero at padding
    mask: Tensor     # (B, Tx) True on real source tokens
    summary: Tensor  # C = h<Tx> (B, He)
    projected_keys: Optional[Tensor] = None  # the score's key half (W_h h<1..Tx> + b_h for additive), once per
                                             # source; None: every step computes it again


class DecoderState(NamedTuple):
    """Everything a decoder step carries to the next, batch first (beam search reorders its rows)."""

    cell: CellState  # s<t> (and c<t> for an LSTM)
    feed: Tensor     # o<t> for input feeding (B, H); (B, 0) without it
    memory: Encoded


class Seq2Seq(nn.Module):
    """Logits of the target tokens given the source, and incremental decoding (greedy or beam).

    Args:
        source_vocab_size, target_vocab_size: the two vocabularies (the same size when shared).
        recurrent: the encoder; the decoder has its cell, cell options, hidden size H and backend (the backend
            matters for luong with teacher forcing) in one layer, one direction. Its dropout also applies to the
            embeddings and to o<t>.
        embedding_size: E of both sides.
        attention: "none" (c<t> = C, the plain encoder-decoder), "dot", "general" or "additive".
        attention_style: "bahdanau" (query s<t-1>, c<t> into the cell) or "luong" (query s<t>).
        attention_size: the additive score's hidden layer (default H).
        input_feeding: feed o<t-1> into the decoder cell.
        source_pad_id, target_pad_id: the padding ids.
    """

    def __init__(
        self,
        source_vocab_size: int,
        target_vocab_size: int,
        recurrent: RecurrentOptions = RecurrentOptions("gru", hidden_size=256, bidirectional=True, dropout=0.2),
        embedding_size: int = 128,
        attention: str = "additive",
        attention_style: str = "bahdanau",
        attention_size: Optional[int] = None,
        input_feeding: bool = False,
        source_pad_id: int = 0,
        target_pad_id: int = 0,
    ) -> None:
        super().__init__()
        check_choice("attention", attention, ATTENTIONS, ValueError)
        check_choice("attention_style", attention_style, STYLES, ValueError)
        self.attention_kind, self.style, self.input_feeding = attention, attention_style, bool(input_feeding)
        self.hidden_size = hidden_size = recurrent.hidden_size
        self.source_embedding = nn.Embedding(source_vocab_size, embedding_size, padding_idx=source_pad_id)
        self.target_embedding = nn.Embedding(target_vocab_size, embedding_size, padding_idx=target_pad_id)
        self.dropout = nn.Dropout(recurrent.dropout)
        self.encoder = recurrent.build(embedding_size)
        key_size = self.encoder.output_size
        if attention == "dot" and key_size != hidden_size:
            raise ValueError(f"attention=dot scores sᵀh, so s<t> ({hidden_size}) and h<t'> ({key_size}, bidirectional) "
                             "need one size: use attention=general or additive, or bidirectional=false")
        self.num_states = self.encoder.num_states
        self.bridge = nn.Linear(key_size, hidden_size * self.num_states)                   # W_b, b_b
        decoder_input = (embedding_size + (key_size if attention_style == "bahdanau" else 0)
                         + (hidden_size if self.input_feeding else 0))
        # one layer, one direction: its cell runs the single steps, the Recurrent the teacher-forced luong pass
        self.decoder = recurrent.single_layer().build(decoder_input)
        self.attention = (None if attention == "none"
                          else Attention(hidden_size, key_size, attention, hidden_size=attention_size))
        self.combine = nn.Linear(hidden_size + key_size, hidden_size)                      # W_o, b_o
        self.output = nn.Linear(hidden_size, target_vocab_size)                            # W_y, b_y

    @property
    def decoder_cell(self) -> nn.Module:
        return self.decoder.cells["l0"]

    # -- encoder ------------------------------------------------------------------------------------

    def encode(self, source: Tensor, lengths: Tensor) -> Encoded:
        """h<1..Tx> and C = [→h<Tx>, ←h<1>] (last layer) for source ids (B, Tx) and their lengths (B,)."""
        lengths = lengths.cpu()
        outputs, final = self.encoder(self.dropout(self.source_embedding(source)), lengths=lengths)
        summary = self.encoder.summary(final)                                     # [→h<Tx>, ←h<1>]
        mask = torch.arange(source.size(1)).unsqueeze(0) < lengths.unsqueeze(1)
        projected = None if self.attention is None else self.attention.project_keys(outputs)
        return Encoded(outputs, mask.to(source.device), summary, projected)

    def initial_state(self, memory: Encoded) -> DecoderState:
        """s<0> = tanh(W_b C + b_b) (an LSTM's c<0> from the other half of the same layer); o<0> = 0."""
        states = torch.tanh(self.bridge(memory.summary)).chunk(self.num_states, dim=-1)
        cell = states if self.num_states == 2 else states[0]
        batch = memory.summary.size(0)
        feed = memory.summary.new_zeros(batch, self.hidden_size if self.input_feeding else 0)
        return DecoderState(cell, feed, memory)

    # -- one decoder step ------------------------------------------------------------------------------

    def attend(self, query: Tensor, memory: Encoded) -> Tuple[Tensor, Optional[Tensor]]:
        """(c<t>, α<t>) for queries (B, H) or (B, Ty, H); without attention c<t> = C and no weights."""
        if self.attention is None:
            summary = memory.summary if query.dim() == 2 else memory.summary.unsqueeze(1).expand(
                -1, query.size(1), -1)
            return summary, None
        return self.attention(query, memory.keys, mask=memory.mask, projected_keys=memory.projected_keys)

    def predict(self, s: Tensor, context: Tensor) -> Tuple[Tensor, Tensor]:
        """(logits, o<t>): o<t> = tanh(W_o [s<t>, c<t>] + b_o), logits = W_y o<t> + b_y."""
        o = self.dropout(torch.tanh(self.combine(torch.cat([s, context], dim=-1))))
        return self.output(o), o

    def advance(self, previous: Tensor, state: DecoderState) -> Tuple[CellState, Tensor, Optional[Tensor]]:
        """The cell's step from y<t-1> (B,): (s<t> (and c<t> for an LSTM), c<t> the context, α<t> (B, Tx) or None)."""
        embedded = self.dropout(self.target_embedding(previous))                   # E_y y<t-1>
        parts = [embedded]
        if self.style == "bahdanau":
            context, weights = self.attend(_hidden(state.cell), state.memory)     # query s<t-1>
            parts.append(context)
        if self.input_feeding:
            parts.append(state.feed)                                               # o<t-1>
        cell = self.decoder_cell(torch.cat(parts, dim=-1), state.cell)             # s<t> = cell([...], s<t-1>)
        if self.style == "luong":
            context, weights = self.attend(_hidden(cell), state.memory)            # query s<t>
        return cell, context, weights

    def step_logits(self, previous: Tensor, state: DecoderState) -> Tuple[Tensor, DecoderState, Optional[Tensor]]:
        """One decoder step from y<t-1> (B,): (logits (B, V), the next state, α<t> (B, Tx) or None)."""
        cell, context, weights = self.advance(previous, state)
        logits, o = self.predict(_hidden(cell), context)
        return logits, DecoderState(cell, o if self.input_feeding else state.feed, state.memory), weights

    def step(self, previous: Tensor, state: DecoderState) -> Tuple[Tensor, DecoderState, Optional[Tensor]]:
        """log P(y<t> | y<1..t-1>, x) (B, V) for decoding (see :mod:`seqmodels.decoding.search`)."""
        logits, state, weights = self.step_logits(previous, state)
        return torch.log_softmax(logits.float(), dim=-1), state, weights

    # -- teacher forcing ---------------------------------------------------------------------------------

    def forward(self, source: Tensor, source_lengths: Tensor, target_inputs: Tensor,
                teacher_forcing: float = 1.0) -> Tuple[Tensor, Optional[Tensor]]:
        """(logits (B, Ty, V), α (B, Ty, Tx) or None) for target inputs <bos> y<1..Ty-1> (B, Ty).

        With probability ``teacher_forcing`` per step and sentence the decoder reads the true y<t-1>, else its
        own previous argmax (scheduled sampling; 1.0 = pure teacher forcing)."""
        memory = self.encode(source, source_lengths)
        state = self.initial_state(memory)
        if teacher_forcing >= 1.0 and not self.input_feeding:
            if self.style == "luong":
                return self._all_steps(target_inputs, state)
            return self._cell_steps(target_inputs, state)
        logits: List[Tensor] = []
        weights: List[Tensor] = []
        previous = target_inputs[:, 0]
        for t in range(target_inputs.size(1)):
            step_logits, state, step_weights = self.step_logits(previous, state)
            logits.append(step_logits)
            if step_weights is not None:
                weights.append(step_weights)
            if t + 1 < target_inputs.size(1):
                previous = target_inputs[:, t + 1]
                if teacher_forcing < 1.0:
                    own = step_logits.argmax(dim=-1)
                    gold = torch.rand(previous.shape, device=previous.device) < teacher_forcing
                    previous = torch.where(gold, previous, own)
        return torch.stack(logits, dim=1), (torch.stack(weights, dim=1) if weights else None)

    def _cell_steps(self, target_inputs: Tensor, state: DecoderState) -> Tuple[Tensor, Optional[Tensor]]:
        """Teacher forcing without input feeding: no step needs o<t-1>, so only the cell and the attention run
        step by step and o<t> = tanh(W_o [s<t>, c<t>] + b_o), W_y o<t> + b_y are computed for all t at once."""
        hidden: List[Tensor] = []
        contexts: List[Tensor] = []
        weights: List[Tensor] = []
        for t in range(target_inputs.size(1)):
            cell, context, step_weights = self.advance(target_inputs[:, t], state)
            state = DecoderState(cell, state.feed, state.memory)
            hidden.append(_hidden(cell))
            contexts.append(context)
            if step_weights is not None:
                weights.append(step_weights)
        logits, _ = self.predict(torch.stack(hidden, dim=1), torch.stack(contexts, dim=1))
        return logits, (torch.stack(weights, dim=1) if weights else None)

    def _all_steps(self, target_inputs: Tensor, state: DecoderState) -> Tuple[Tensor, Optional[Tensor]]:
        """The luong decoder over all teacher-forced steps at once: S = cell(E_y Y), C = softmax(e(S, H)) H."""
        initial = tuple(s.unsqueeze(0) for s in state.cell) if self.num_states == 2 else state.cell.unsqueeze(0)
        states, _ = self.decoder(self.dropout(self.target_embedding(target_inputs)), initial)  # s<1..Ty>
        contexts, weights = self.attend(states, state.memory)
        logits, _ = self.predict(states, contexts)
        return logits, weights

    # -- decoding ------------------------------------------------------------------------------------------

    @torch.no_grad()
    def translate(self, source: Tensor, source_lengths: Tensor, bos_id: int, eos_id: int, max_length: MaxLength,
                  beam_size: int = 1, length_penalty: float = 0.0) -> List[Hypothesis]:
        """The best output per source sentence: greedy for ``beam_size=1``, else batched beam search;
        ``max_length``: output tokens (with <eos>), for all sentences or one per sentence."""
        state = self.initial_state(self.encode(source, source_lengths))
        if beam_size == 1:
            return greedy_search(self.step, state, source.size(0), bos_id, eos_id, max_length, source.device)
        return beam_search(self.step, state, source.size(0), bos_id, eos_id, max_length, beam_size,
                           length_penalty, source.device)


def _hidden(cell: CellState) -> Tensor:
    """s<t> of a cell state (the LSTM's hidden state, not its memory cell)."""
    return cell[0] if isinstance(cell, tuple) else cell
