"""Language modelling as a LightningModule: train on next-token prediction, report
perplexity, sample text, score sentences.

    loss = -(1/N) Σ_t log P(y<t> | y<1..t-1>)      (mean token cross-entropy)
    PPL  = exp(loss over a whole split)

P is the softmax over the vocabulary, the product of the binary decisions on y<t>'s path in the Huffman tree
of the training counts (``output="hierarchical_softmax"``), or the adaptive softmax's head and tail softmaxes
over the frequency order of those counts (``output="adaptive_softmax"``; :mod:`seqmodels.models.language_model`).

With contiguous (BPTT) batches the final state of a batch is the initial state of the next
(detached), so the model reads each row of the stream as one long text; it restarts from
zero at every epoch. With per-sentence batches every sentence starts from zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

import torch
from torch import Tensor

from seqmodels.data.batching.language_modeling import LMBatch, collate_sentences
from seqmodels.data.encoding.tokenizers import detokenize, tokenizer
from seqmodels.data.encoding.vocabulary import EOS, Vocabulary
from seqmodels.decoding import feed, sample
from seqmodels.errors import ConfigError, DataError, check_choice
from seqmodels.metrics import Perplexity
from seqmodels.models.language_model import COUNTED_OUTPUTS, DEFAULT_CUTOFFS, OUTPUTS, LanguageModel
from seqmodels.nn.adaptive_softmax import layout_problem
from seqmodels.nn.recurrent import State
from seqmodels.tasks.base import MIN, SequenceTask
from seqmodels.tasks.evaluation import evaluation_mode

STAGES = ("train", "val", "test")
SAMPLE_BATCH = 64          # samples drawn together
SCORE_BATCH = 64           # sentences scored together
LOGIT_BUDGET = 1 << 24     # logits (positions x vocabulary) held at once when scoring


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
        tie_weights: share the embedding with the softmax layer (not with the hierarchical or adaptive softmax).
        carry_state: True for contiguous (BPTT) batches, False for per-sentence batches.
        sample_length, num_samples, sample_temperature: the samples shown in TensorBoard.
        output: "softmax", "hierarchical_softmax" or "adaptive_softmax" (the output layer, ``task.output``).
        counts: how often each id is a target in the training split (the data's ``task_arguments()``): the
            hierarchical softmax's tree and the adaptive softmax's frequency order are built from them; None
            (checkpoints from before them) is fine for the softmax.
        cutoffs, div_value: the adaptive softmax's head and tail ends, in frequency ranks, and the factor by
            which each tail's vectors shrink (``task.cutoffs``, ``task.div_value``).
    """

    main_metrics = {"val/ppl": MIN}
    export_kind = "language_model"
    next_commands = ("seqmodels sample --ckpt {ckpt} -n 3 --temperature 0.8",
                     "seqmodels score --ckpt {ckpt} --input your_sentences.txt --output scores.tsv",
                     "python eval.py ckpt_path={ckpt}", "seqmodels export --ckpt {ckpt} --output exported/")

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
        output: str = "softmax",
        counts: Optional[Sequence[int]] = None,
        cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
        div_value: float = 4.0,
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
        _check_output(output, tie_weights, counts, len(self.vocabulary), list(cutoffs), div_value,
                      int(options.get("hidden_size", 0)))
        if tie_weights and options.get("embedding_size") != options.get("hidden_size"):
            raise ConfigError(f"task.tie_weights=true shares the embedding with the output layer, so "
                              f"model.embedding_size ({options.get('embedding_size')}) must equal model.hidden_size "
                              f"({options.get('hidden_size')})")
        self.network: LanguageModel = self.build_network(  # type: ignore[assignment]
            LanguageModel, options, vocab_size=len(self.vocabulary), tie_weights=tie_weights,
            pad_id=self.vocabulary.pad_id, output=output, counts=counts, cutoffs=list(cutoffs), div_value=div_value,
        )
        self.carry_state = carry_state
        # a model trained on the stream saw sentences begin after <eos>; one trained on sentences, after <bos>
        self.start_id = self.vocabulary.eos_id if carry_state else self.vocabulary.bos_id
        self.train_ppl, self.val_ppl, self.test_ppl = Perplexity(), Perplexity(), Perplexity()
        self._carried: Dict[str, Optional[State]] = {stage: None for stage in STAGES}
        self._resumed_carry: Optional[Dict[str, Any]] = None  # from a checkpoint, put back at on_train_start

    # -- training and evaluation -------------------------------------------------------------

    def forward(self, tokens: Tensor, state: Optional[State] = None,
                lengths: Optional[Tensor] = None) -> tuple[Tensor, State]:
        return self.network(tokens, state, lengths)

    def _perplexity(self, stage: str) -> Perplexity:
        """The perplexity of ``stage`` ("train", "val" or "test"; a ModuleDict cannot hold the key "train")."""
        return {"train": self.train_ppl, "val": self.val_ppl, "test": self.test_ppl}[stage]

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

    def on_save_checkpoint(self, checkpoint: Dict[str, Any]) -> None:
        """Also the carried training state, so a run resumed mid-epoch carries it on: every process's (each
        reads its own rows), gathered from all of them; every process saves, so every process gathers."""
        super().on_save_checkpoint(checkpoint)
        state, processes = self._carried["train"], self.trainer.world_size
        checkpoint["carried_train_state"] = {
            "processes": processes, "state": self.all_gather(state) if state is not None and processes > 1 else state}

    def on_load_checkpoint(self, checkpoint: Dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)
        self._resumed_carry = checkpoint.get("carried_train_state")

    def on_train_start(self) -> None:
        """A resumed run starts from the carried state it saved (this process's rows); with another number of
        processes, from zero (each process's rows differ then)."""
        saved, self._resumed_carry = self._resumed_carry, None
        if not saved or saved["state"] is None or saved["processes"] != self.trainer.world_size:
            return
        state, rank = saved["state"], self.trainer.global_rank
        if saved["processes"] > 1:
            state = state[rank] if isinstance(state, Tensor) else tuple(part[rank] for part in state)
        self._carried["train"] = state

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
        """Texts continuing ``prompt`` (or starting from nothing), one step per new token: the samples of
        :meth:`generate_batches`, in one list."""
        return [text for batch in self.generate_batches(prompt, num_samples, max_length, temperature, top_k,
                                                        redraw_unk, seed, stop_at_eos) for text in batch]

    def generate_batches(
        self,
        prompt: str = "",
        num_samples: int = 1,
        max_length: int = 100,
        temperature: float = 1.0,
        top_k: Optional[int] = None,
        redraw_unk: bool = True,
        seed: Optional[int] = None,
        stop_at_eos: bool = True,
        batch_size: int = SAMPLE_BATCH,
    ) -> Iterator[List[str]]:
        """The samples of :meth:`generate`, ``batch_size`` at a time (memory: one batch, however many are asked).

        The prompt is read once, ``CONTEXT_CHUNK`` tokens per step (a long prompt costs the memory of a chunk),
        and its state is shared by every sample. Unknown prompt words are read as ``<unk>``; a prompt made
        only of unknown words is an error (the model would see nothing of it). With ``redraw_unk`` ``<unk>``
        is never drawn. Without ``stop_at_eos`` generation runs on for ``max_length`` tokens, each ``<eos>``
        written as a line break.

        Raises:
            ConfigError: num_samples, max_length or batch_size < 1, temperature negative or not finite,
                top_k < 1, a seed outside [0, 2**63).
            DataError: every prompt token is unknown.
        """
        for name, value in (("num_samples", num_samples), ("max_length", max_length), ("batch_size", batch_size)):
            if value < 1:
                raise ConfigError(f"{name} must be >= 1, got {value}")
        if not (math.isfinite(temperature) and temperature >= 0):
            raise ConfigError(f"temperature must be >= 0 and finite (0: greedy), got {temperature}")
        if top_k is not None and top_k < 1:
            raise ConfigError(f"top_k must be >= 1 (or None for no limit), got {top_k}")
        if seed is not None and not 0 <= seed < 2**63:
            raise ConfigError(f"seed must be in [0, 2**63), got {seed}")
        prompt_ids = self.encode(prompt)
        if prompt_ids and all(i == self.vocabulary.unk_id for i in prompt_ids):
            unit = "word" if self.vocabulary.level == "word" else "character"
            raise DataError(f"the prompt {_shorten(prompt)!r} has no {unit} the model knows (all would be <unk>); "
                            "use words from the training corpus, or an empty prompt")
        device = self.device
        context = torch.tensor([[self.start_id] + prompt_ids], device=device)
        generator = torch.Generator(device=device)
        generator.manual_seed(seed if seed is not None else int(torch.randint(2**62, ())))
        banned = [self.vocabulary.pad_id, self.vocabulary.bos_id] + ([self.vocabulary.unk_id] if redraw_unk else [])
        with evaluation_mode(self):
            with torch.no_grad():  # the prompt but its last token, once; only the state is kept, so features
                _, state = feed(self.network.features, context[:, :-1])        # stand in for the output layer
            for start in range(0, num_samples, batch_size):
                rows = min(batch_size, num_samples - start)
                drawn = sample(self.network, context[:, -1:].expand(rows, 1), max_length,
                               stop_id=self.vocabulary.eos_id if stop_at_eos else None, temperature=temperature,
                               top_k=top_k, banned_ids=banned, generator=generator,
                               state=None if state is None else _repeat(state, rows))
                yield [self._text(prompt_ids + row) for row in drawn]

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
    def score(self, sentences: Sequence[str], batch_size: int = SCORE_BATCH) -> List[SentenceScore]:
        """log P of each sentence (its tokens, then ``<eos>``), read from the sentence start.

        Sentences are scored ``batch_size`` at a time (the longest together), each batch read in chunks of
        time steps with the state carried on, so the logits held at once stay under ``LOGIT_BUDGET`` values
        however long a sentence is."""
        if not sentences:
            return []
        encoded = [self.encode(sentence) for sentence in sentences]
        empty = [repr(s) for s, ids in zip(sentences, encoded) if not ids]
        if empty:
            raise DataError(f"cannot score an empty sentence: {', '.join(empty)}")
        totals = [0.0] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda index: -len(encoded[index]))
        with evaluation_mode(self):
            for start in range(0, len(order), batch_size):
                chunk = order[start:start + batch_size]
                for index, total in zip(chunk, self._log_probs([encoded[i] for i in chunk])):
                    totals[index] = total
        unk = self.vocabulary.unk_id
        return [SentenceScore(text, total, len(ids) + 1, sum(i == unk for i in ids))
                for text, total, ids in zip(sentences, totals, encoded)]

    def _log_probs(self, encoded: Sequence[List[int]]) -> List[float]:
        """Σ_t log P(y<t> | y<1..t-1>) of each id sequence (then ``<eos>``), read in chunks of time steps.

        The model is unidirectional, so the padding after a short row changes none of its own positions."""
        vocabulary = self.vocabulary
        inputs, targets, _ = collate_sentences([torch.tensor(ids, dtype=torch.long) for ids in encoded],
                                               self.start_id, vocabulary.eos_id, vocabulary.pad_id)
        steps = max(1, LOGIT_BUDGET // (inputs.size(0) * len(vocabulary)))
        totals = torch.zeros(inputs.size(0), device=self.device)
        state: Optional[State] = None
        for start in range(0, inputs.size(1), steps):
            hidden, state = self.network.features(inputs[:, start:start + steps].to(self.device), state)
            gold = targets[:, start:start + steps].to(self.device)
            log_probs = self.network.token_log_probs(hidden, gold)
            totals += log_probs.masked_fill(gold == vocabulary.pad_id, 0.0).sum(dim=1)
        return totals.tolist()

    def example_texts(self) -> List[str]:
        hp = self.hparams
        return self.generate(num_samples=hp.num_samples, max_length=hp.sample_length,
                             temperature=hp.sample_temperature, seed=self.current_epoch, stop_at_eos=False)


def _check_output(output: str, tie_weights: bool, counts: Optional[Sequence[int]], vocab_size: int,
                  cutoffs: List[int], div_value: float, hidden_size: int) -> None:
    """``task.output`` is one of OUTPUTS; the hierarchical and adaptive softmaxes are untied and have a count for
    every id; the adaptive softmax's layout is sound (:func:`~seqmodels.nn.adaptive_softmax.layout_problem`)."""
    check_choice("task.output", output, OUTPUTS)
    if output not in COUNTED_OUTPUTS:
        return
    if tie_weights:
        raise ConfigError(f"task.tie_weights=true with task.output={output}: its vectors are not one per word, so "
                          "there is no output word matrix to share with the embedding; set task.tie_weights=false")
    if counts is None or len(counts) != vocab_size:
        raise ConfigError(f"task.output={output} is built from the training counts of the {vocab_size} vocabulary "
                          f"ids, got {'none' if counts is None else len(counts)} (the language-model data gives "
                          "them)")
    problem = layout_problem(vocab_size, hidden_size, cutoffs, div_value) if output == "adaptive_softmax" else None
    if problem:
        raise ConfigError(f"task.output=adaptive_softmax with task.cutoffs={cutoffs}, task.div_value={div_value} "
                          f"and model.hidden_size={hidden_size}: {problem}")


def _repeat(state: State, rows: int) -> State:
    """A (layers, 1, hidden) state (or a pair of them) repeated for ``rows`` rows."""
    return state.repeat(1, rows, 1) if isinstance(state, Tensor) else tuple(s.repeat(1, rows, 1) for s in state)


def _shorten(text: str, limit: int = 60) -> str:
    """``text`` itself, or its first ``limit`` characters and an ellipsis (an error message stays one line)."""
    return text if len(text) <= limit else text[:limit] + "…"


def _detach(state: State) -> State:
    return state.detach() if isinstance(state, Tensor) else tuple(s.detach() for s in state)


def _batch_of(state: State) -> int:
    return (state if isinstance(state, Tensor) else state[0]).size(1)
