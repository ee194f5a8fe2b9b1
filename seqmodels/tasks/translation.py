"""Sequence to sequence (Tx ≠ Ty) as a LightningModule: translation, dates to ISO, any text -> text task.

Loss: the mean token negative log-likelihood of the target, -(1/N) Σ_t' log P(y<t'> | y<1..t'-1>, x), with
teacher forcing (or scheduled sampling: ``teacher_forcing`` < 1, optionally moving to
``teacher_forcing_final`` over ``teacher_forcing_epochs``). Every validation epoch decodes the validation
set (greedy, or beam search with ``decoding.beam_size``) and logs:

- ``val/loss`` = log ``val/ppl`` (teacher-forced perplexity of the target) and ``val/token_accuracy``;
- ``val/exact_match``: the share of outputs equal to the reference token for token;
- ``val/bleu``: corpus BLEU by sacrebleu on the detokenised outputs against the raw references, with its
  signature in TensorBoard's TEXT tab and in the log.

``translate()`` is the Python API; ``seqmodels-translate`` the command line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
import torch.nn.functional as F
from pytorch_lightning.utilities import rank_zero_info
from torch import Tensor
from torchmetrics import MeanMetric

from seqmodels.data.batching.translation import TranslationBatch, collate_pairs
from seqmodels.data.corpora.parallel_text import SentenceCodec
from seqmodels.data.encoding.subwords import SubwordModel
from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.decoding import Hypothesis
from seqmodels.errors import ConfigError, check_choice
from seqmodels.metrics.bleu import BleuResult, corpus_bleu
from seqmodels.metrics.perplexity import Perplexity
from seqmodels.models.seq2seq import Seq2Seq
from seqmodels.plots import AttentionExample
from seqmodels.tasks.base import MAX, MIN, SequenceTask
from seqmodels.tasks.evaluation import evaluation_mode

EVALUATED = ("val", "test")
SPLITS = {"val": "valid", "test": "test"}
DECODING = {"beam_size": 1, "length_penalty": 0.0, "max_length": None, "max_length_ratio": 1.5, "max_length_offset": 10,
            "max_length_cap": 512}
MAX_BEAM_SIZE = 256  # a wider beam costs its width in memory and time per step, and does not translate better


@dataclass
class Translation:
    source: str
    source_tokens: List[str]
    tokens: List[str]                 # the output tokens (no <bos>/<eos>)
    text: str                         # detokenised
    log_prob: float                   # log P(output | source), <eos> included when finished
    finished: bool                    # ended with <eos> (False: cut at the maximum length)
    attention: Optional[Tensor]       # α (output steps incl. <eos>, source tokens), without attention None
    capped: bool = False              # cut at task.decoding.max_length_cap (the source is too long for its limit)


class TranslationTask(SequenceTask):
    """Translates source token sequences into target token sequences.

    Args:
        vocabularies: {"source": Vocabulary.to_dict(), "target": ..., "subwords": {side: SubwordModel.to_dict()}
            for the subword sides} from the data.
        source_level, target_level, lowercase: how the data was tokenised (prediction does the same, with the
            subword models of ``vocabularies`` for a "subword" side).
        model: the ``model`` config (cell, sizes, backend, attention, attention_style, input_feeding, ...).
        teacher_forcing: the probability of reading the true y<t-1> (1.0: teacher forcing);
            teacher_forcing_final, teacher_forcing_epochs: move it linearly to this value over these epochs.
        decoding: beam_size (1 = greedy), length_penalty (GNMT α), max_length (null: each sentence's
            ceil(max_length_ratio · Tx) + max_length_offset, so a sentence decodes the same in any batch),
            max_length_cap: the most output tokens of any sentence, whatever its length (default 512), so that
            decoding an over-long source costs at most max_length_cap steps.
        monitor: the main validation metric: bleu, exact_match, token_accuracy, ppl or loss.
        optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`.
        num_examples: validation sentences shown translated (and their attention maps) in TensorBoard.
    """

    main_metrics = {"val/bleu": MAX, "val/exact_match": MAX, "val/token_accuracy": MAX, "val/ppl": MIN,
                    "val/loss": MIN}
    export_kind = "seq2seq"
    next_commands = ("seqmodels translate --ckpt {ckpt} --input your_sentences.txt --output translations.txt",
                     "python eval.py ckpt_path={ckpt}", "seqmodels export --ckpt {ckpt} --output exported/")

    def __init__(
        self,
        vocabularies: Mapping[str, Any],
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        lr_decay: Optional[Mapping[str, Any]] = None,
        source_level: str = "word",
        target_level: str = "word",
        lowercase: bool = True,
        teacher_forcing: float = 1.0,
        teacher_forcing_final: Optional[float] = None,
        teacher_forcing_epochs: int = 10,
        decoding: Optional[Mapping[str, Any]] = None,
        monitor: str = "bleu",
        num_examples: int = 4,
    ) -> None:
        super().__init__(optimizer, lr_decay)
        self.save_hyperparameters(logger=False)
        check_choice("task.monitor", monitor, [metric.split("/", 1)[1] for metric in self.main_metrics])
        for option, value in (("teacher_forcing", teacher_forcing), ("teacher_forcing_final", teacher_forcing_final)):
            if value is not None and not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"task.{option}={value!r}: a probability in [0, 1]")
        unknown = sorted(set(decoding or {}) - set(DECODING))
        if unknown:
            raise ConfigError(f"task.decoding has unknown options {unknown}; choose from {sorted(DECODING)}")
        self.decoding = {**DECODING, **dict(decoding or {})}
        check_decoding(self.decoding)
        self.main_metric = f"val/{monitor}"
        self.source_vocabulary = Vocabulary.from_dict(vocabularies["source"])
        self.target_vocabulary = Vocabulary.from_dict(vocabularies["target"])
        self.lowercase = lowercase
        subwords = {side: SubwordModel.from_dict(saved) for side, saved in vocabularies.get("subwords", {}).items()}
        self.source_codec = SentenceCodec(source_level, lowercase, subwords.get("source"), "source_level")
        self.target_codec = SentenceCodec(target_level, lowercase, subwords.get("target"), "target_level")
        self.num_examples = num_examples
        self.network: Seq2Seq = self.build_network(  # type: ignore[assignment]
            Seq2Seq, model, source_vocab_size=len(self.source_vocabulary),
            target_vocab_size=len(self.target_vocabulary), source_pad_id=self.source_vocabulary.pad_id,
            target_pad_id=self.target_vocabulary.pad_id,
        )
        self.perplexity = torch.nn.ModuleDict({s: Perplexity() for s in EVALUATED})
        self.token_accuracy = torch.nn.ModuleDict({s: MeanMetric() for s in EVALUATED})
        self.exact_match = torch.nn.ModuleDict({s: MeanMetric() for s in EVALUATED})
        self._outputs: Dict[str, List[Tuple[int, str]]] = {s: [] for s in EVALUATED}  # (index in split, text)
        self._examples: List[Tuple[int, Translation, bool]] = []                       # (index, output, exact?)
        self.bleu: Dict[str, BleuResult] = {}

    # -- training ----------------------------------------------------------------------------------------

    def teacher_forcing_ratio(self) -> float:
        """The scheduled-sampling probability of the current epoch."""
        start, final = float(self.hparams.teacher_forcing), self.hparams.teacher_forcing_final
        if final is None:
            return start
        progress = min(1.0, self.current_epoch / max(1, int(self.hparams.teacher_forcing_epochs)))
        return start + (float(final) - start) * progress

    def forward(self, batch: TranslationBatch, teacher_forcing: float = 1.0) -> Tuple[Tensor, Optional[Tensor]]:
        """(logits (B, Ty+1, V), α or None) of y<1..Ty> <eos> given <bos> y<1..Ty>."""
        return self.network(batch.source, batch.source_lengths, batch.target[:, :-1], teacher_forcing)

    def _step(self, batch: TranslationBatch, stage: str) -> Tensor:
        ratio = self.teacher_forcing_ratio() if stage == "train" else 1.0
        logits, _ = self(batch, ratio)
        gold = batch.target[:, 1:]
        pad = self.target_vocabulary.pad_id
        nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), gold.reshape(-1), ignore_index=pad,
                              reduction="sum")
        tokens = int((gold != pad).sum())
        loss = nll / tokens                                                     # -(1/N) Σ log P(y<t'> | ...)
        if stage == "train":
            self.log_loss(stage, loss, tokens)
            self.log("train/teacher_forcing", ratio, on_step=False, on_epoch=True)
            return loss                       # val/loss and test/loss: log(ppl) over the split, at the epoch end
        real = gold != pad
        self.perplexity[stage].update(nll, tokens)
        self.token_accuracy[stage].update((logits.argmax(-1) == gold)[real].float())
        self._decode_batch(batch, stage)
        return loss

    def _decode_batch(self, batch: TranslationBatch, stage: str) -> None:
        hypotheses = self.decode(batch.source, batch.source_lengths)
        gold_rows = batch.target[:, 1:].tolist()
        for row, (hypothesis, index) in enumerate(zip(hypotheses, batch.index.tolist())):
            gold = gold_rows[row][:int(batch.target_lengths[row]) - 1]           # y<1..Ty> without <eos>
            exact = hypothesis.finished and hypothesis.tokens == gold
            self.exact_match[stage].update(float(exact))
            text = self._detokenize(hypothesis.tokens)
            self._outputs[stage].append((index, text))
            if stage == "val" and len(self._examples) < self.num_examples:
                source = batch.source[row, :int(batch.source_lengths[row])].tolist()
                self._examples.append((index, self._translation(source, hypothesis), exact))

    # -- epoch ends ------------------------------------------------------------------------------------

    def on_validation_epoch_start(self) -> None:
        self._outputs["val"], self._examples = [], []

    def on_test_epoch_start(self) -> None:
        self._outputs["test"] = []

    def on_validation_epoch_end(self) -> None:
        scores = self._epoch_scores("val")
        for name, value in scores.items():
            if f"val/{name}" != self.main_metric:
                self.log(f"val/{name}", value)
        self.log_main_metric(scores[self.main_metric.split("/", 1)[1]])

    def on_test_epoch_end(self) -> None:
        for name, value in self._epoch_scores("test").items():
            self.log(f"test/{name}", value)
        if "test" in self.bleu:
            rank_zero_info(f"test BLEU {self.bleu['test']}")

    def _epoch_scores(self, stage: str) -> Dict[str, Tensor]:
        scores = {"ppl": self.perplexity[stage].compute(), "token_accuracy": self.token_accuracy[stage].compute(),
                  "exact_match": self.exact_match[stage].compute()}
        for metric in (self.perplexity[stage], self.token_accuracy[stage], self.exact_match[stage]):
            metric.reset()
        scores["loss"] = torch.log(scores["ppl"])
        self.bleu[stage] = self._corpus_bleu(stage)
        scores["bleu"] = torch.tensor(self.bleu[stage].score)
        return scores

    def _corpus_bleu(self, stage: str) -> BleuResult:
        """sacrebleu over every process's outputs, in split order, against the raw references."""
        outputs = self._outputs[stage]
        if dist.is_available() and dist.is_initialized():
            gathered: List[Any] = [None] * dist.get_world_size()
            dist.all_gather_object(gathered, outputs)
            outputs = [pair for part in gathered for pair in part]
        outputs = sorted(dict(outputs).items())
        references = self.trainer.datamodule.references(SPLITS[stage])
        return corpus_bleu([text for _, text in outputs], [references[index] for index, _ in outputs],
                           lowercase=self.lowercase)

    # -- TensorBoard -----------------------------------------------------------------------------------

    def example_texts(self) -> List[str]:
        lines = []
        references = self.trainer.datamodule.references("valid")
        for index, translation, exact in self._examples:
            verdict = "exact" if exact else f"reference: {references[index]}"
            lines.append(f"{translation.source}\n→ {translation.text}\n({verdict})")
        return lines

    def attention_examples(self) -> List[AttentionExample]:
        """The validation examples' attention maps α (output tokens × source tokens); [] without attention."""
        return [AttentionExample(t.source_tokens, [*t.tokens, "<eos>"][:t.attention.size(0)], t.attention)
                for _, t, _ in self._examples if t.attention is not None]

    def text_reports(self) -> Dict[str, str]:
        if "val" not in self.bleu:
            return {}
        return {"bleu": f"validation BLEU {self.bleu['val'].score:.2f}  \nsacrebleu signature: "
                        f"`{self.bleu['val'].signature}`"}

    def embedding_words(self) -> List[str]:
        return list(self.source_vocabulary.tokens)

    def word_embedding(self) -> torch.nn.Embedding:
        return self.network.source_embedding

    # -- decoding -------------------------------------------------------------------------------------------

    def decode(self, source: Tensor, source_lengths: Tensor, beam_size: Optional[int] = None,
               length_penalty: Optional[float] = None, max_length: Optional[int] = None) -> List[Hypothesis]:
        """The decoder's output for a batch of source ids, with ``task.decoding``'s settings by default.

        Raises:
            ConfigError: beam_size outside [1, MAX_BEAM_SIZE], length_penalty negative or not finite,
                max_length < 1 or above ``task.decoding.max_length_cap``.
        """
        options = self.decoding
        beam_size = int(beam_size or options["beam_size"])
        length_penalty = float(options["length_penalty"] if length_penalty is None else length_penalty)
        check_decoding({**options, "beam_size": beam_size, "length_penalty": length_penalty,
                        "max_length": max_length or options["max_length"]}, prefix="")
        limits = [self.output_limit(length, max_length)[0] for length in source_lengths.tolist()]
        vocabulary = self.target_vocabulary
        return self.network.translate(source, source_lengths, vocabulary.bos_id, vocabulary.eos_id, limits,
                                      beam_size, length_penalty)

    def output_limit(self, source_length: int, max_length: Optional[int] = None) -> Tuple[int, bool]:
        """(the most output tokens of a source of ``source_length`` tokens, whether max_length_cap set it):
        ``max_length``, else ``task.decoding.max_length``, else ceil(ratio · Tx) + offset, never above the cap."""
        options = self.decoding
        wanted = int(max_length or options["max_length"] or math.ceil(options["max_length_ratio"] * source_length)
                     + int(options["max_length_offset"]))
        cap = int(options["max_length_cap"])
        return min(wanted, cap), wanted > cap

    def _detokenize(self, ids: Sequence[int]) -> str:
        return self.target_codec.text(self.target_vocabulary.decode(ids))

    def _translation(self, source_ids: Sequence[int], hypothesis: Hypothesis, text: Optional[str] = None,
                     source_tokens: Optional[List[str]] = None) -> Translation:
        source_tokens = source_tokens or self.source_vocabulary.decode(source_ids)
        source_text = text if text is not None else self.source_codec.text(source_tokens)
        tokens = self.target_vocabulary.decode(hypothesis.tokens)
        attention = None
        if hypothesis.attention is not None:                                         # the batch's padding cut off
            attention = hypothesis.attention[:, :len(source_tokens)].cpu()
        return Translation(source_text, source_tokens, tokens, self._detokenize(hypothesis.tokens),
                           hypothesis.log_prob, hypothesis.finished, attention)

    @torch.no_grad()
    def evaluation_extras(self, test_again: Callable[[], Dict[str, float]]) -> Dict[str, Union[float, str]]:
        """The sacrebleu signature of ``test/bleu``; when the task decodes with a beam, also greedy decoding's
        BLEU and exact match (``test/greedy_bleu``, ``test/greedy_exact_match``), tested again with beam 1."""
        extras: Dict[str, Union[float, str]] = {"test/bleu_signature": self.bleu["test"].signature}
        if self.decoding["beam_size"] > 1:
            beam = self.decoding
            self.decoding = {**beam, "beam_size": 1}
            try:
                greedy = test_again()
            finally:
                self.decoding = beam
            extras.update({name.replace("test/", "test/greedy_", 1): greedy[name]
                           for name in ("test/bleu", "test/exact_match")})
        return extras

    def translate(self, sentences: Sequence[str], beam_size: Optional[int] = None,
                  length_penalty: Optional[float] = None, max_length: Optional[int] = None,
                  batch_size: int = 64) -> List[Translation]:
        """The translation of each sentence (stripped and tokenised as the training data was), greedy or beam
        search; an empty sentence is a DataError.

        A source longer than any the model trained on is read whole (the encoder is recurrent, attention
        covers every position); the output stops at ``max_length`` (default ratio·Tx + offset), and never
        goes past ``task.decoding.max_length_cap`` tokens: an output cut there has ``capped`` set (documented
        truncation; ``seqmodels-translate`` warns about it), so an over-long source costs bounded time."""
        results: List[Translation] = []
        with evaluation_mode(self):
            for start in range(0, len(sentences), batch_size):
                chunk = list(sentences[start:start + batch_size])
                tokens = [self.source_codec.tokens(text.strip()) for text in chunk]
                batch = collate_pairs(tokens, None, self.source_vocabulary, self.target_vocabulary,
                                      range(len(chunk)))
                hypotheses = self.decode(batch.source.to(self.device), batch.source_lengths, beam_size,
                                         length_penalty, max_length)
                for text, source, hypothesis in zip(chunk, tokens, hypotheses):
                    translation = self._translation([], hypothesis, text, source)
                    translation.capped = not translation.finished and self.output_limit(len(source), max_length)[1]
                    results.append(translation)
        return results


def check_decoding(options: Mapping[str, Any], prefix: str = "task.decoding.") -> None:
    """ConfigError naming the first decoding option (``<prefix><name>``) that cannot run: beam_size outside
    [1, MAX_BEAM_SIZE], length_penalty negative or not finite, max_length_ratio not a finite number > 0,
    max_length_offset < 0, max_length_cap < 1, max_length < 1 or above max_length_cap."""
    def number(name: str) -> float:
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{prefix}{name}={value!r}: must be a number")
        return float(value)

    def whole(name: str, minimum: int, maximum: Optional[int] = None, why: str = "") -> None:
        value = number(name)
        if value != int(value) or value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum:,}" if maximum is not None else f">= {minimum}"
            raise ConfigError(f"{prefix}{name}={options[name]!r}: must be a whole number {bound}{why}")

    cap = options["max_length_cap"]
    whole("max_length_cap", 1)
    whole("beam_size", 1, MAX_BEAM_SIZE, " (a wider beam costs its width in memory and time)")
    if options["max_length"] is not None:
        whole("max_length", 1, int(cap), f" (max_length_cap is {int(cap)})")
    whole("max_length_offset", 0)
    for name, minimum, strict in (("length_penalty", 0.0, False), ("max_length_ratio", 0.0, True)):
        value = number(name)
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise ConfigError(f"{prefix}{name}={options[name]!r}: must be a finite number "
                              f"{'>' if strict else '>='} {minimum:g}")
