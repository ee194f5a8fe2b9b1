"""End to end through Hydra: task=glove counts the embedded corpus's co-occurrences, trains a few steps with
AdaGrad, and writes vectors.txt = W + W̃ of the trained checkpoint, evaluated like word2vec's vectors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from seqmodels.cli.neighbours import checkpoint_vectors
from seqmodels.errors import ConfigError
from seqmodels.nn.embedding import read_vectors
from seqmodels.tasks.glove import GloVeTask
from tests.app.hydra_helpers import SHARED_DATA, TINY_GLOVE, train


def test_glove_trains_and_exports_w_plus_w_tilde(tmp_path: Path) -> None:
    metrics = train(tmp_path, [], tiny=TINY_GLOVE)
    assert metrics["val/loss"] > 0 and metrics["test/loss"] > 0 and metrics["train/loss"] > 0
    if importlib.util.find_spec("gensim") is not None:  # the evaluation files come with gensim's wheel (else skipped)
        assert {"vectors/analogy_coverage", "vectors/wordsim353_spearman"} <= metrics.keys()
    words, vectors = read_vectors(tmp_path / "vectors.txt")
    task = GloVeTask.load(tmp_path / "checkpoints" / "last.ckpt")
    network = task.network
    assert words == task.vocabulary.tokens[4:] and vectors.shape == (len(words), 8)
    w_plus_w_tilde = network.word_vectors.weight + network.context_vectors.weight
    torch.testing.assert_close(vectors, w_plus_w_tilde.detach()[4:])  # the trained W + W̃, special rows left out
    assert not torch.equal(network.word_vectors.weight, network.context_vectors.weight)
    torch.testing.assert_close(task.word_embedding().weight, w_plus_w_tilde.detach())
    assert isinstance(task.configure_optimizers()["optimizer"], torch.optim.Adagrad)  # the GloVe tool's optimiser
    from_checkpoint = checkpoint_vectors(tmp_path / "checkpoints" / "last.ckpt")  # what neighbours --ckpt reads
    torch.testing.assert_close(from_checkpoint.vectors, w_plus_w_tilde.detach())


def test_training_lowers_the_validation_loss(tmp_path: Path) -> None:
    short = train(tmp_path / "short", ["trainer.limit_train_batches=1"], tiny=TINY_GLOVE)
    longer = train(tmp_path / "longer", ["trainer.limit_train_batches=30"], tiny=TINY_GLOVE)
    assert longer["val/loss"] < short["val/loss"]


@pytest.mark.skipif(not (SHARED_DATA / "wikitext-2").is_dir(), reason="needs ../shared/data/wikitext-2")
def test_the_wikitext2_experiment_composes_and_trains_a_few_steps(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=glove_wikitext2", f"paths.data_dir={SHARED_DATA}",
                               "model.embedding_size=8", "trainer.limit_train_batches=2"], tiny=TINY_GLOVE)
    assert metrics["val/loss"] > 0


@pytest.mark.parametrize("override, message", [
    ("data.window=0", "data.window=0: must be an integer >= 1"),
    ("data.chunk_tokens=0", "data.chunk_tokens=0: must be an integer >= 1"),
    ("task.x_max=0", "task.x_max=0: must be a finite number > 0"),
    ("task.alpha=-1", "task.alpha=-1: must be a finite number >= 0"),
    ("model.embedding_size=0", "model.embedding_size=0: must be an integer >= 1"),
    ("task.optimizer.name=adadelta", r"task.optimizer.name='adadelta': choose one of"),
])
def test_bad_options_are_clear_errors_naming_them(tmp_path: Path, override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        train(tmp_path, [override], tiny=TINY_GLOVE)
