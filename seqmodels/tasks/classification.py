"""Text classification (many-to-one) as a LightningModule: sentiment and any other text -> label task.

Loss: cross-entropy of softmax(W h + b) against the label; metrics: accuracy (the main one, on
validation) and macro-F1. ``classify()`` labels new texts from Python; ``seqmodels-classify`` does it
from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from seqmodels.data.batching.classification import TextBatch, collate_texts
from seqmodels.data.corpora.labelled_text import tokenize_text
from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.errors import ConfigError, check_choice
from seqmodels.models.classifier import ENCODERS, POOLINGS, Classifier
from seqmodels.nn.word_dropout import checked_probability
from seqmodels.tasks.base import MAX, SequenceTask
from seqmodels.tasks.evaluation import evaluation_mode

EVALUATED = ("val", "test")


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probability: float                # of the predicted label
    probabilities: Dict[str, float]   # of every label


class ClassificationTask(SequenceTask):
    """Classifies whole texts.

    Args:
        vocabulary: ``Vocabulary.to_dict()`` of the words; labels: the label names (a label's id is its index).
        lowercase: how the texts were tokenised (prediction does the same).
        model: the ``model`` config (cell, sizes, backend, cell options).
        encoder: "mean" (averaged embeddings) or "rnn"; pooling: "last", "max", "mean" or "max_mean".
        pretrained_vectors, freeze_embeddings: start the embeddings from a word2vec/GloVe file; keep them.
        word_dropout: while training, the probability that a word is read as <unk> (0: never).
        optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`.
        num_examples: validation texts shown with their predictions in TensorBoard.
    """

    main_metrics = {"val/accuracy": MAX}
    export_kind = "classifier"
    next_commands = ("seqmodels classify --ckpt {ckpt} --all 'the food was not good'",
                     "seqmodels classify --ckpt {ckpt} --input your_texts.txt --output labels.txt",
                     "python eval.py ckpt_path={ckpt}", "seqmodels export --ckpt {ckpt} --output exported/")
    reload_overrides = {"pretrained_vectors": None}  # a trained model's embeddings are in its checkpoint

    def __init__(
        self,
        vocabulary: Mapping[str, Any],
        labels: Sequence[str],
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        lr_decay: Optional[Mapping[str, Any]] = None,
        lowercase: bool = True,
        encoder: str = "rnn",
        pooling: str = "last",
        pretrained_vectors: Optional[str] = None,
        freeze_embeddings: bool = False,
        word_dropout: float = 0.0,
        num_examples: int = 5,
    ) -> None:
        super().__init__(optimizer, lr_decay)
        self.save_hyperparameters(logger=False)
        check_choice("task.encoder", encoder, ENCODERS)
        check_choice("task.pooling", pooling, POOLINGS)
        try:
            checked_probability(word_dropout)
        except ValueError as error:
            raise ConfigError(f"task.{error}") from error
        self.vocabulary = Vocabulary.from_dict(vocabulary)
        self.labels, self.lowercase, self.num_examples = list(labels), lowercase, num_examples
        self.network: Classifier = self.build_network(  # type: ignore[assignment]
            Classifier, model, vocab_size=len(self.vocabulary), num_classes=len(self.labels), encoder=encoder,
            pooling=pooling, pad_id=self.vocabulary.pad_id, unk_id=self.vocabulary.unk_id, word_dropout=word_dropout,
        )
        self.load_word_vectors(self.network, self.vocabulary, pretrained_vectors, freeze_embeddings)
        classes = max(len(self.labels), 2)
        self.accuracy = torch.nn.ModuleDict({s: MulticlassAccuracy(classes, average="micro") for s in EVALUATED})
        self.macro_f1 = torch.nn.ModuleDict({s: MulticlassF1Score(classes, average="macro") for s in EVALUATED})
        self._examples: List[str] = []

    def forward(self, batch: TextBatch) -> Tensor:
        return self.network(batch.words, batch.lengths)

    def _step(self, batch: TextBatch, stage: str) -> Tensor:
        logits = self(batch)
        loss = F.cross_entropy(logits, batch.labels)
        self.log_loss(stage, loss, batch.labels.numel())
        if stage in EVALUATED:
            predicted = logits.argmax(dim=-1)
            self.accuracy[stage].update(predicted, batch.labels)
            self.macro_f1[stage].update(predicted, batch.labels)
            if stage == "val" and len(self._examples) < self.num_examples:
                self._remember_examples(batch, predicted)
        return loss

    def _remember_examples(self, batch: TextBatch, predicted: Tensor) -> None:
        for words, length, guess, gold in zip(batch.words.tolist(), batch.lengths.tolist(), predicted.tolist(),
                                              batch.labels.tolist()):
            if len(self._examples) < self.num_examples:
                text = " ".join(self.vocabulary.decode(words[:length]))
                verdict = "right" if guess == gold else f"wrong, gold {self.labels[gold]}"
                self._examples.append(f"{self.labels[guess]} ({verdict}): {text}")

    def on_validation_epoch_start(self) -> None:
        self._examples = []

    def _log_scores(self, stage: str) -> Tensor:
        accuracy = self.accuracy[stage].compute()
        self.log(f"{stage}/macro_f1", self.macro_f1[stage].compute())
        self.accuracy[stage].reset()
        self.macro_f1[stage].reset()
        return accuracy

    def on_validation_epoch_end(self) -> None:
        self.log_main_metric(self._log_scores("val"))

    def on_test_epoch_end(self) -> None:
        self.log("test/accuracy", self._log_scores("test"))

    def example_texts(self) -> List[str]:
        return list(self._examples)

    def embedding_words(self) -> List[str]:
        """The words of the embedding matrix's rows (for TensorBoard's projector)."""
        return list(self.vocabulary.tokens)

    # -- prediction ----------------------------------------------------------------------------

    @torch.no_grad()
    def classify(self, texts: Sequence[str], batch_size: int = 128) -> List[Prediction]:
        """The label and probabilities of each text (tokenised as the training texts were)."""
        predictions: List[Prediction] = []
        with evaluation_mode(self):
            for start in range(0, len(texts), batch_size):
                chunk = list(texts[start:start + batch_size])
                batch = collate_texts([tokenize_text(text, self.lowercase) for text in chunk], self.vocabulary)
                logits = self.network(batch.words.to(self.device), batch.lengths)
                for text, row in zip(chunk, torch.softmax(logits, dim=-1).cpu().tolist()):
                    best = max(range(len(row)), key=row.__getitem__)
                    predictions.append(Prediction(text, self.labels[best], row[best], dict(zip(self.labels, row))))
        return predictions
