"""Learning word embeddings (word2vec: skip-gram or CBOW; negative sampling, the full softmax or the
hierarchical softmax) as a LightningModule. The main metric is the validation loss; after training, the
embedding matrix E is what users keep: written as ``vectors.txt`` (word2vec text format, see
``callbacks.ExportVectors``), shown in TensorBoard's projector, and queried with ``seqmodels neighbours``.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence

from torch import Tensor, nn

from seqmodels.data.batching.word2vec import Word2VecBatch
from seqmodels.errors import ConfigError, check_choice
from seqmodels.models.word2vec import LOSSES, Word2Vec
from seqmodels.tasks.word_vectors import WordVectorsTask, vector_size


class Word2VecTask(WordVectorsTask):
    """Trains E so that words that share contexts get close vectors.

    Args:
        vocabulary: ``Vocabulary.to_dict()``; architecture: "skipgram" or "cbow"; negatives: K noise words
            per example (0: none); counts: the training counts of the words (the data's ``task_arguments()``).
        output: "negative_sampling" (needs negatives > 0), "softmax" or "hierarchical_softmax" (both need
            negatives = 0); None: negative sampling when negatives > 0, else the softmax.
        model: the ``model`` config; only ``embedding_size`` (the size of each word vector) applies here.
        optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization`.
        probe_words: words whose nearest neighbours are shown in TensorBoard after each validation
            (default: a few frequent words).
    """

    def __init__(
        self,
        vocabulary: Mapping[str, Any],
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        lr_decay: Optional[Mapping[str, Any]] = None,
        architecture: str = "skipgram",
        negatives: int = 5,
        probe_words: Optional[List[str]] = None,
        output: Optional[str] = None,
        counts: Optional[Sequence[int]] = None,
    ) -> None:
        super().__init__(vocabulary, optimizer, lr_decay, probe_words)
        self.save_hyperparameters(logger=False)
        self.network: Word2Vec = self.build_network(  # type: ignore[assignment]
            Word2Vec, vocab_size=len(self.vocabulary), embedding_size=vector_size(model),
            architecture=architecture, loss=output_layer(output, negatives, optimizer), pad_id=self.vocabulary.pad_id,
            counts=counts, negatives_per_pair=negatives,
        )

    def word_embedding(self) -> nn.Embedding:
        """E itself, the vectors word2vec keeps."""
        return self.network.input_embedding

    def _step(self, batch: Word2VecBatch, stage: str) -> Tensor:
        """Logs the loss per example (Σ ω·L / Σ ω) and returns the sum Σ ω·L that the optimiser follows."""
        loss = self.network.loss(batch.tokens, batch.weights, batch.negatives)
        examples = float(loss.weight)
        if stage == "val":  # logged once per epoch, with hp/best, by on_validation_epoch_end
            self.val_loss.update(loss.mean(), weight=examples)
        else:
            self.log_loss(stage, loss.mean().detach(), max(round(examples), 1))
        return loss.total


def output_layer(output: Optional[str], negatives: int, optimizer: Mapping[str, Any]) -> str:
    """``task.output`` checked against ``data.negatives`` (null: negative sampling when K > 0, else the softmax) and
    against the optimiser: plain SGD on the summed loss is word2vec's for negative sampling, where an output
    vector θ_w only moves with the examples that hold w; the softmaxes move every θ (the tree's root) with every
    example, and a batch's sum of those steps diverges — they need an adaptive optimiser (Adam)."""
    chosen = output if output is not None else "negative_sampling" if negatives > 0 else "softmax"
    check_choice("task.output", chosen, LOSSES)
    if (chosen == "negative_sampling") != (negatives > 0):
        raise ConfigError(f"task.output={chosen} with data.negatives={negatives}: negative sampling needs noise words "
                          f"(data.negatives > 0), the softmax and the hierarchical softmax none (data.negatives=0)")
    if chosen != "negative_sampling" and optimizer.get("name", "adam") == "sgd":
        raise ConfigError(f"task.output={chosen} with task.optimizer.name=sgd: every example moves the shared output "
                          "vectors and a batch's summed steps diverge; add task.optimizer.name=adam "
                          "task.optimizer.lr=0.01 task.lr_decay=null")
    return chosen
