"""Learning word vectors with GloVe (:mod:`seqmodels.models.glove`) as a LightningModule.

Every optimiser step minimises the sum of J_ij over a batch of co-occurrence entries (one update per entry, as the
GloVe tool's AdaGrad does; ``task.optimizer.name: adagrad``); ``train/loss`` is the mean J_ij per entry. The main
metric ``val/loss`` is the mean J_ij over the valid split's own co-occurrence entries (counted with the training
vocabulary, the same window and weights). The vectors users keep are W + W̃: written as ``vectors.txt``, shown in
TensorBoard's projector, evaluated on analogies and word similarities, and queried with ``seqmodels neighbours``.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

from torch import Tensor

from seqmodels.data.batching.cooccurrence import CooccurrenceBatch
from seqmodels.models.glove import GloVe
from seqmodels.tasks.word_vectors import WordVectorsTask, vector_size


class GloVeTask(WordVectorsTask):
    """Trains W, W̃, b and b̃ so that w_iᵀ w̃_j + b_i + b̃_j fits log X_ij, weighted by f(X_ij).

    Args:
        vocabulary: ``Vocabulary.to_dict()`` (the data's ``task_arguments()``).
        model: the ``model`` config; only ``embedding_size`` (the size of each word vector) applies here.
        optimizer, lr_decay: see :mod:`seqmodels.tasks.optimization` (GloVe's: adagrad, lr 0.05).
        x_max, alpha: of the weighting f(x) = min(1, (x / x_max)^α).
        probe_words: words whose nearest neighbours are shown in TensorBoard after each validation
            (default: a few frequent words).
    """

    def __init__(
        self,
        vocabulary: Mapping[str, Any],
        model: Mapping[str, Any],
        optimizer: Mapping[str, Any],
        lr_decay: Optional[Mapping[str, Any]] = None,
        x_max: float = 100.0,
        alpha: float = 0.75,
        probe_words: Optional[List[str]] = None,
    ) -> None:
        super().__init__(vocabulary, optimizer, lr_decay, probe_words)
        self.save_hyperparameters(logger=False)
        self.network = GloVe(len(self.vocabulary), vector_size(model), x_max, alpha)  # vectors(): W + W̃

    def _step(self, batch: CooccurrenceBatch, stage: str) -> Tensor:
        losses = self.network.losses(batch.rows, batch.cols, batch.counts)  # J_ij (B,)
        if stage == "val":  # logged once per epoch, with hp/best, by on_validation_epoch_end
            self.val_loss.update(losses.mean(), weight=losses.numel())
        else:
            self.log_loss(stage, losses.mean(), losses.numel())
        return losses.sum()                                                   # Σ_batch J_ij
