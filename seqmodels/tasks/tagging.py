"""Named-entity tagging (many-to-many, Tx = Ty) as a LightningModule: the loss of the chosen output
(CRF, softmax or the course's one-class sigmoid), token accuracy and entity-level precision /
recall / F1 with the conlleval definition (micro, and per entity type). Validation F1 is the main
metric. ``tag()`` labels new sentences from Python; ``seqmodels-tag`` does it from the command line.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics import MeanMetric

from seqmodels.data.batching.tagging import CASES, IGNORE, TaggingBatch, TaggingEncoder
from seqmodels.data.corpora.conll import tokenize
from seqmodels.data.encoding.tag_schemes import SCHEMES, allowed_transitions, convert, entity_type, spans
from seqmodels.errors import ConfigError, check_choice
from seqmodels.metrics.span_f1 import SpanF1, format_table
from seqmodels.models.tagger import OUTPUTS, Tagger
from seqmodels.nn.word_dropout import checked_probability
from seqmodels.tasks.base import MAX, SequenceTask
from seqmodels.tasks.evaluation import evaluation_mode

EVALUATED = ("val", "test")  # training batches are not decoded
Entity = Tuple[str, int, int, str]  # (type, start, end exclusive, the words)


class TaggingTask(SequenceTask):
    """Tags every token of a sentence.

    Args:
        encoder: ``TaggingEncoder.to_dict()``: word / character vocabularies, the tags, lowercasing.
        scheme: the tags' scheme, "iob1", "iob2" or "bioes" (the CRF's allowed transitions follow it).
        model: the ``model`` config (cell, sizes, backend, cell options).
        output: "crf", "softmax" or "sigmoid" (one entity type only: is this token part of a name?).
        features: token features: ``case_embedding_size`` (capitalisation; 0 for none),
            ``char_embedding_size`` / ``char_hidden_size`` (the character encoder, when the data has characters),
            ``word_dropout`` (while training, the probability that a word's embedding is <unk>'s),
            ``singleton_unk`` (the same for a word seen once in the training data; Lample et al. 2016: 0.5).
        singletons_from: the first word id of the words seen once in the training data (the data's
            ``task_arguments()``; None: no singletons known, as in checkpoints from before it).
        pretrained_vectors: a word2vec/GloVe file to start the word embeddings from; freeze_embeddings: keep them.
        optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`.
        num_examples: validation sentences shown tagged in TensorBoard.
    """

    main_metrics = {"val/f1": MAX}
    export_kind = "tagger"
    next_commands = ("seqmodels tag --ckpt {ckpt} 'Harry Potter met Hermione Granger in London.'",
                     "seqmodels tag --ckpt {ckpt} --conll --input your_test.conll --output tagged.conll",
                     "python eval.py ckpt_path={ckpt}", "seqmodels export --ckpt {ckpt} --output exported/")
    reload_overrides = {"pretrained_vectors": None}  # a trained model's embeddings are in its checkpoint

    def __init__(
        self,
        encoder: Mapping[str, Any],
        scheme: str,
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        singletons_from: Optional[int] = None,
        lr_decay: Optional[Mapping[str, Any]] = None,
        output: str = "crf",
        features: Optional[Mapping[str, Any]] = None,
        pretrained_vectors: Optional[str] = None,
        freeze_embeddings: bool = False,
        num_examples: int = 3,
    ) -> None:
        super().__init__(optimizer, lr_decay)
        self.save_hyperparameters(logger=False)
        check_choice("task.scheme", scheme, SCHEMES)
        check_choice("task.output", output, OUTPUTS)
        self.encoder = TaggingEncoder.from_dict(encoder)
        self.scheme, self.output_kind, self.num_examples = scheme, output, num_examples
        self.entity_types = sorted({entity_type(tag) for tag in self.encoder.tags} - {None})
        if output == "sigmoid" and len(self.entity_types) != 1:
            raise ConfigError(f"task.output=sigmoid answers one question (is this token part of a name?), but the "
                              f"data has {len(self.entity_types)} entity types {self.entity_types}; use crf or softmax")
        features = dict(features or {})
        try:
            for name in ("word_dropout", "singleton_unk"):
                checked_probability(features.get(name, 0.0), name)
        except ValueError as error:
            raise ConfigError(f"task.features.{error}") from error
        chars = self.encoder.chars
        start, moves, end = allowed_transitions(self.encoder.tags, scheme)
        self.network: Tagger = self.build_network(  # type: ignore[assignment]
            Tagger, model, vocab_size=len(self.encoder.words),
            num_tags=1 if output == "sigmoid" else len(self.encoder.tags), output=output,
            pad_id=self.encoder.words.pad_id, unk_id=self.encoder.words.unk_id, num_cases=len(CASES),
            num_chars=len(chars) if chars else 0,
            allowed_start=start, allowed_transitions=moves, allowed_end=end, singletons_from=singletons_from,
            **features,
        )
        self.load_word_vectors(self.network, self.encoder.words, pretrained_vectors, freeze_embeddings)
        self.accuracy = torch.nn.ModuleDict({stage: MeanMetric() for stage in EVALUATED})  # token accuracy
        self.span_f1 = torch.nn.ModuleDict({stage: SpanF1(self.entity_types) for stage in EVALUATED})
        self._examples: List[Tuple[List[str], List[str]]] = []
        self._last_scores: Dict[str, float] = {}  # the last validation's scores, for the per-type table

    # -- training and evaluation -------------------------------------------------------------

    def forward(self, batch: TaggingBatch) -> Tensor:
        return self.network(batch.words, batch.lengths, batch.cases, batch.chars)

    def loss(self, emissions: Tensor, batch: TaggingBatch) -> Tensor:
        """Mean over tokens of -log P(y | x): the CRF's sequence likelihood, or per-token softmax / sigmoid."""
        mask = batch.tags != IGNORE
        tokens = mask.sum().clamp(min=1)
        if self.output_kind == "crf":
            return -self.network.crf(emissions, batch.tags.clamp(min=0), mask).sum() / tokens
        if self.output_kind == "softmax":
            return F.cross_entropy(emissions.flatten(0, 1), batch.tags.flatten(), ignore_index=IGNORE,
                                   reduction="sum") / tokens
        inside = (batch.tags != self.encoder.tag_ids["O"]).to(emissions.dtype)  # y<t> = 1 inside a name
        return F.binary_cross_entropy_with_logits(emissions.squeeze(-1)[mask], inside[mask], reduction="sum") / tokens

    def decode(self, emissions: Tensor, lengths: Tensor) -> List[List[str]]:
        """The predicted tags of each sentence (Viterbi for the CRF, the argmax / threshold otherwise)."""
        mask = torch.arange(emissions.size(1), device=emissions.device) < lengths.to(emissions.device).unsqueeze(1)
        if self.output_kind == "crf":
            ids, _ = self.network.crf.decode(emissions, mask)
        elif self.output_kind == "softmax":
            ids = emissions.argmax(dim=-1)
        else:
            return [self._names_from_bits(row[:length].tolist())
                    for row, length in zip(emissions.squeeze(-1) > 0, lengths.tolist())]
        return [[self.encoder.tags[i] for i in row[:length]] for row, length in zip(ids.tolist(), lengths.tolist())]

    def _names_from_bits(self, inside: Sequence[bool]) -> List[str]:
        """σ(e<t>) > 0.5 marks name tokens; each run of them is one name, written in the task's scheme."""
        name = self.entity_types[0]
        iob2 = ["O" if not bit else (f"I-{name}" if position and inside[position - 1] else f"B-{name}")
                for position, bit in enumerate(inside)]
        return convert(iob2, "iob2", self.scheme)

    def _step(self, batch: TaggingBatch, stage: str) -> Tensor:
        emissions = self(batch)
        loss = self.loss(emissions, batch)
        self.log_loss(stage, loss, int(batch.lengths.sum()))
        if stage == "train":
            return loss  # decoding every training batch would cost a Viterbi pass for a metric nobody reads
        predicted = self.decode(emissions, batch.lengths)
        gold = [[self.encoder.tags[i] for i in row[:length]]
                for row, length in zip(batch.tags.tolist(), batch.lengths.tolist())]
        correct = [p == g for pred, gold_row in zip(predicted, gold) for p, g in zip(pred, gold_row)]
        self.accuracy[stage].update(torch.tensor(correct, dtype=torch.float32, device=self.device))
        self.span_f1[stage].update(predicted, gold)
        if stage == "val" and len(self._examples) < self.num_examples:
            words = batch.words.tolist()
            for row, (pred, gold_row) in enumerate(zip(predicted, gold)):
                if len(self._examples) < self.num_examples:
                    tokens = self.encoder.words.decode(words[row][:len(pred)])
                    self._examples.append((tokens, [f"{p}" if p == g else f"{p} (gold {g})"
                                                    for p, g in zip(pred, gold_row)]))
        return loss

    def on_validation_epoch_start(self) -> None:
        self._examples = []

    def _log_scores(self, stage: str) -> Dict[str, Tensor]:
        scores = self.span_f1[stage].compute()
        self.log(f"{stage}/accuracy", self.accuracy[stage].compute())
        for name in ("precision", "recall"):
            self.log(f"{stage}/{name}", scores[name])
        for entity in self.entity_types:  # {stage}/precision_PER, recall_PER, f1_PER ...
            for name in ("precision", "recall", "f1"):
                self.log(f"{stage}/{name}_{entity}", scores[f"{name}/{entity}"])
        self.span_f1[stage].reset()
        self.accuracy[stage].reset()
        return scores

    def on_validation_epoch_end(self) -> None:
        scores = self._log_scores("val")
        self._last_scores = {name: float(value) for name, value in scores.items()}
        self.log_main_metric(scores["f1"])

    def on_test_epoch_end(self) -> None:
        self.log("test/f1", self._log_scores("test")["f1"])

    def embedding_words(self) -> List[str]:
        return list(self.encoder.words.tokens)

    def text_reports(self) -> Dict[str, str]:
        return {"entity_scores": format_table(self._last_scores)} if self._last_scores else {}

    def example_texts(self) -> List[str]:
        return ["\n".join(f"{token:<20} {tag}" for token, tag in zip(tokens, tags)) for tokens, tags in self._examples]

    # -- prediction ----------------------------------------------------------------------------

    @torch.no_grad()
    def tag(self, sentences: Sequence[Union[str, Sequence[str]]], batch_size: int = 64) -> List[List[Tuple[str, str]]]:
        """(token, tag) pairs for each sentence: a string (tokenised by ``seqmodels.data.corpora.conll.tokenize``)
        or a list of tokens. An empty sentence gives an empty list."""
        token_lists = [tokenize(s) if isinstance(s, str) else list(s) for s in sentences]
        tagged: List[List[Tuple[str, str]]] = [[] for _ in token_lists]
        present = [index for index, tokens in enumerate(token_lists) if tokens]
        with evaluation_mode(self):
            for start in range(0, len(present), batch_size):
                chunk = present[start:start + batch_size]
                batch = self.encoder.collate([token_lists[i] for i in chunk])
                batch = TaggingBatch(*(t.to(self.device) if isinstance(t, Tensor) else t for t in batch))
                for index, tags in zip(chunk, self.decode(self(batch), batch.lengths)):
                    tagged[index] = list(zip(token_lists[index], tags))
        return tagged

    def entities(self, tagged: Sequence[Tuple[str, str]]) -> List[Entity]:
        """The entity spans of one tagged sentence: (type, start, end exclusive, "the words")."""
        tokens = [token for token, _ in tagged]
        return [(kind, start, end, " ".join(tokens[start:end])) for kind, start, end in spans([t for _, t in tagged])]
