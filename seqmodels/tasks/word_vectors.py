"""What the tasks that learn word vectors (word2vec, GloVe) share: the vocabulary, the validation loss as the main
metric, and the vectors themselves — as :class:`~seqmodels.similarity.WordVectors`, as the embedding the callbacks
export, evaluate and project, and as the probe words' neighbours that TensorBoard shows after each validation."""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Protocol

from torch import Tensor, nn
from torchmetrics import MeanMetric

from seqmodels.data.encoding.vocabulary import SPECIALS, Vocabulary
from seqmodels.errors import ConfigError
from seqmodels.similarity import WordVectors
from seqmodels.tasks.base import MIN, SequenceTask


def vector_size(model: Mapping[str, Any]) -> Any:
    """``model.embedding_size``, the size of each word vector (the only ``model`` option word vectors use), which
    must be set."""
    if model.get("embedding_size") is None:
        raise ConfigError("model.embedding_size is not set: it is the size of the word vectors")
    return model["embedding_size"]


class VectorModel(Protocol):
    """A network that learns word vectors: row w of ``vectors()`` (V, D) is the vector of id w."""

    def vectors(self) -> Tensor:
        ...


class WordVectorsTask(SequenceTask):
    """Base of the word-vector tasks: a subclass builds ``self.network`` (a :class:`VectorModel`) and feeds
    ``self.val_loss`` (the mean validation loss per example) from its validation steps.

    Args:
        vocabulary: ``Vocabulary.to_dict()``. optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`.
        probe_words: words whose nearest neighbours are shown in TensorBoard after each validation
            (default: a few frequent words).
    """

    main_metrics = {"val/loss": MIN}
    next_commands = ("seqmodels neighbours --ckpt {ckpt} -k 5 <word>",)
    network: VectorModel  # type: ignore[assignment]

    def __init__(self, vocabulary: Mapping[str, Any], optimizer: Mapping[str, Any],
                 lr_decay: Optional[Mapping[str, Any]] = None, probe_words: Optional[List[str]] = None) -> None:
        super().__init__(optimizer, lr_decay)
        self.vocabulary = Vocabulary.from_dict(vocabulary)
        self.probe_words = probe_words or self.vocabulary.tokens[len(SPECIALS):len(SPECIALS) + 5]
        self.val_loss = MeanMetric()  # val/loss, weighted by examples

    def on_validation_epoch_end(self) -> None:
        self.log_main_metric(self.val_loss.compute())
        self.val_loss.reset()

    def word_vectors(self) -> WordVectors:
        """The learnt vectors with their words, for neighbours and analogies."""
        return WordVectors(self.vocabulary.tokens, self.network.vectors().cpu())

    def word_embedding(self) -> nn.Embedding:
        """The learnt vectors as an embedding (a copy): what the callbacks export, evaluate and project."""
        return nn.Embedding.from_pretrained(self.network.vectors())

    def embedding_words(self) -> List[str]:
        return list(self.vocabulary.tokens)

    def example_texts(self) -> List[str]:
        vectors = self.word_vectors()
        return [f"{word}: " + ", ".join(f"{near} ({score:.2f})" for near, score in vectors.neighbours(word, k=8))
                for word in self.probe_words if word in vectors]
