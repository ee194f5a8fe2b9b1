"""Language modelling as a LightningModule: train on next-token prediction, report
perplexity, sample text, score sentences.

    loss = -(1/N) Σ_t log P(y<t> | y<1..t-1>)      (mean token cross-entropy)
    PPL  = exp(loss over a whole split)

With contiguous (BPTT) batches the final state of a batch is the initial state of the next
(detached), so the model reads each row of the stream as one long text; it restarts from
zero at every epoch. With per-sentence batches every sentence starts from zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch
from torch import Tensor

from seqmodels.data.lm_batching import LMBatch, collate_sentences
from seqmodels.data.tokenizers import detokenize, tokenizer
from seqmodels.data.vocabulary import EOS, Vocabulary
from seqmodels.decoding import sample
from seqmodels.errors import ConfigError, DataError
from seqmodels.metrics import Perplexity
from seqmodels.models.language_model import LanguageModel
from seqmodels.nn.recurrent import State
from seqmodels.tasks.base import SequenceTask

STAGES = ("train", "val", "test")


@dataclass(frozen=True)
class SentenceScore:
    """log P(sentence) = Σ_t log P(y<t> | y<1..t-1>) over its tokens and the final ``<eos>``."""

    text: str
    log_prob: float
    tokens: int
    unknown: int

    @property
    def perplexity(self) -> float:
        return math.exp(-self.log_prob / self.tokens)


class LanguageModelTask(SequenceTask):
    """A recurrent language model with its vocabulary (which travels inside the checkpoint).

    Args:
        vocabulary: ``Vocabulary.to_dict()`` of the data (plain, set by ``train.py``).
        model: the ``model`` config: cell, embedding_size, hidden_size, num_layers,
            bidirectional (must be false), dropout, backend and cell options.
        optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`.
        tie_weights: share the embedding with the softmax layer.
        carry_state: True for contiguous (BPTT) batches, False for per-sentence batches.
        sample_length, num_samples, sample_temperature: the samples shown in TensorBoard.
    """

    main_metric = "val/ppl"
    main_metric_mode = "min"

    def __init__(
        self,
        vocabulary: Mapping[str, Any],
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        lr_decay: Optional[Mapping[str, Any]] = None,
        tie_weights: bool = False,
        carry_state: bool = True,
        sample_length: int = 200,
        num_samples: int = 3,
        sample_temperature: float = 0.8,
    ) -> None:
        super().__init__(optimizer, lr_decay)
        self.save_hyperparameters(logger=False)
        self.vocabulary = Vocabulary.from_dict(vocabulary)
        options = dict(model)
        if options.pop("bidirectional", False):
            raise ConfigError(
                "model.bidirectional=true: a language model predicts each token from the ones before it, and a "
                "backward direction would read the very token it must predict; use a unidirectional model"
            )
        self.network: LanguageModel = self.build_network(  # type: ignore[assignment]
            LanguageModel, vocab_size=len(self.vocabulary), tie_weights=tie_weights,
            pad_id=self.vocabulary.pad_id, **options,
        )
        self.carry_state = carry_state
        # a model trained on the stream saw sentences begin after <eos>; one trained on sentences, after <bos>
        self.start_id = self.vocabulary.eos_id if carry_state else self.vocabulary.bos_id
        self.train_ppl, self.val_ppl, self.test_ppl = Perplexity(), Perplexity(), Perplexity()
        self._carried: Dict[str, Optional[State]] = {stage: None for stage in STAGES}

    # -- training and evaluation -------------------------------------------------------------

    def forward(self, tokens: Tensor, state: Optional[State] = None,
                lengths: Optional[Tensor] = None) -> tuple[Tensor, State]:
        return self.network(tokens, state, lengths)

    def _perplexity(self, stage: str) -> Perplexity:
        return getattr(self, f"{stage}_ppl")

    def _step(self, batch: LMBatch, stage: str) -> Tensor:
        inputs, targets, lengths = batch
        state = self._carried[stage] if self.carry_state else None
        if state is not None and _batch_of(state) != inputs.size(0):
            state = None  # a smaller last batch (per-sentence data): start it from zero
        hidden, final = self.network.features(inputs, state, lengths)
        if self.carry_state:
            self._carried[stage] = _detach(final)
        nll_sum = self.network.negative_log_likelihood(hidden, targets, ignore_index=self.vocabulary.pad_id)
        tokens = targets.numel() if lengths is None else int(lengths.sum())
        self._perplexity(stage).update(nll_sum, tokens)
        loss = nll_sum / tokens
        self.log_loss(stage, loss, tokens)
        return loss

    def _start_epoch(self, stage: str) -> None:
        self._carried[stage] = None
        self._perplexity(stage).reset()

    def on_train_epoch_start(self) -> None:
        self._start_epoch("train")

    def on_validation_epoch_start(self) -> None:
        self._start_epoch("val")

    def on_test_epoch_start(self) -> None:
        self._start_epoch("test")

    def on_train_epoch_end(self) -> None:
        self.log("train/ppl", self.train_ppl.compute())

    def on_validation_epoch_end(self) -> None:
        self.log_main_metric(self.val_ppl.compute())

    def on_test_epoch_end(self) -> None:
        self.log("test/ppl", self.test_ppl.compute())

    # -- using the trained model -------------------------------------------------------------

    def embedding_words(self) -> List[str]:
        return list(self.vocabulary.tokens)

    def encode(self, text: str) -> List[int]:
        return self.vocabulary.encode(tokenizer(self.vocabulary.level)(text))

    def generate(
        self,
        prompt: str = "",
        num_samples: int = 1,
        max_length: int = 100,
        temperature: float = 1.0,
        top_k: Optional[int] = None,
        redraw_unk: bool = True,
        seed: Optional[int] = None,
        stop_at_eos: bool = True,
    ) -> List[str]:
        """Texts continuing ``prompt`` (or starting from nothing), one step per new token.

        Unknown prompt words are read as ``<unk>``; a prompt made only of unknown words is an
        error (the model would see nothing of it). With ``redraw_unk`` ``<unk>`` is never drawn.
        Without ``stop_at_eos`` generation runs on for ``max_length`` tokens, each ``<eos>``
        written as a line break.
        """
        prompt_ids = self.encode(prompt)
        if prompt_ids and all(i == self.vocabulary.unk_id for i in prompt_ids):
            raise DataError(
                f"the prompt {prompt!r} has no {'word' if self.vocabulary.level == 'word' else 'character'} the model knows (all would be <unk>); "
                "use words from the training corpus, or an empty prompt"
            )
        device = self.device
        context = torch.tensor([[self.start_id] + prompt_ids] * num_samples, device=device)
        generator = torch.Generator(device=device)
        generator.manual_seed(seed if seed is not None else int(torch.randint(2**62, ())))
        was_training = self.training
        self.eval()
        try:
            rows = sample(lambda tokens, state: self.network(tokens, state), context, max_length,
                          stop_id=self.vocabulary.eos_id if stop_at_eos else None, temperature=temperature, top_k=top_k,
                          banned_ids=[self.vocabulary.unk_id, self.vocabulary.pad_id, self.vocabulary.bos_id]
                          if redraw_unk else [self.vocabulary.pad_id, self.vocabulary.bos_id],
                          generator=generator)
        finally:
            self.train(was_training)
        return [self._text(prompt_ids + row) for row in rows]

    def _text(self, ids: List[int]) -> str:
        """Ids back to text, ``<eos>`` as a line break (a final one dropped)."""
        lines, line = [], []
        for token in self.vocabulary.decode(ids):
            if token == EOS:
                lines.append(detokenize(line, self.vocabulary.level))
                line = []
            else:
                line.append(token)
        if line or not lines:
            lines.append(detokenize(line, self.vocabulary.level))
        return "\n".join(lines)

    @torch.no_grad()
    def score(self, sentences: Sequence[str]) -> List[SentenceScore]:
        """log P of each sentence (its tokens, then ``<eos>``), read from the sentence start."""
        if not sentences:
            return []
        encoded = [self.encode(sentence) for sentence in sentences]
        empty = [repr(s) for s, ids in zip(sentences, encoded) if not ids]
        if empty:
            raise DataError(f"cannot score an empty sentence: {', '.join(empty)}")
        vocabulary = self.vocabulary
        inputs, targets, lengths = collate_sentences([torch.tensor(ids) for ids in encoded], self.start_id,
                                                     vocabulary.eos_id, vocabulary.pad_id)
        was_training = self.training
        self.eval()
        try:
            logits, _ = self.network(inputs.to(self.device), None, lengths)
        finally:
            self.train(was_training)
        log_probs = torch.log_softmax(logits.float(), dim=-1).gather(2, targets.to(self.device).unsqueeze(2)).squeeze(2)
        log_probs = log_probs.masked_fill(targets.to(self.device) == vocabulary.pad_id, 0.0)
        return [
            SentenceScore(text, float(total), len(ids) + 1, sum(i == vocabulary.unk_id for i in ids))
            for text, total, ids in zip(sentences, log_probs.sum(dim=1).tolist(), encoded)
        ]

    def example_texts(self) -> List[str]:
        hp = self.hparams
        return self.generate(num_samples=hp.num_samples, max_length=hp.sample_length,
                             temperature=hp.sample_temperature, seed=self.current_epoch, stop_at_eos=False)


def _detach(state: State) -> State:
    return state.detach() if isinstance(state, Tensor) else tuple(s.detach() for s in state)


def _batch_of(state: State) -> int:
    return (state if isinstance(state, Tensor) else state[0]).size(1)
