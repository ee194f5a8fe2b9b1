"""End to end through Hydra: word2vec (skip-gram / CBOW, negative sampling / softmax) trains a few steps on
the embedded corpus, writes vectors.txt that the vectors reader and the neighbours command read back."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from seqmodels.cli.neighbours import main as neighbours_main
from seqmodels.nn.embedding import read_vectors
from seqmodels.tasks.word2vec import Word2VecTask
from tests.app.hydra_helpers import SHARED_DATA, TINY_WORD2VEC, train

# what the softmaxes need (plain SGD on the summed loss is negative sampling's)
ADAM = ["task.optimizer.name=adam", "task.optimizer.lr=0.01", "task.lr_decay=null"]
VARIANTS = {"skipgram_negative_sampling": [], "cbow_negative_sampling": ["data.architecture=cbow"],
            "skipgram_softmax": ["data.negatives=0", *ADAM],
            "cbow_hierarchical_softmax": ["data.architecture=cbow", "data.negatives=0", *ADAM,
                                          "task.output=hierarchical_softmax"]}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_word2vec_trains_and_exports_vectors_that_read_back(tmp_path: Path, variant: str) -> None:
    metrics = train(tmp_path, VARIANTS[variant], tiny=TINY_WORD2VEC)
    assert metrics["val/loss"] > 0 and "test/loss" in metrics
    words, vectors = read_vectors(tmp_path / "vectors.txt")
    task = Word2VecTask.load(tmp_path / "checkpoints" / "last.ckpt")
    assert words == task.vocabulary.tokens[4:] and vectors.shape == (len(words), 8)
    torch.testing.assert_close(vectors, task.network.vectors()[4:])  # exactly the trained E, special rows left out
    assert task.network.loss_name == variant.split("_", 1)[1]
    assert task.network.architecture == variant.split("_")[0]


def test_the_hierarchical_softmax_learns(tmp_path: Path) -> None:
    """At the start (v_n = 0) every branch is 1/2: the loss is the mean path length times log 2, whatever E is
    (the Huffman tree's own guess, close to the unigram entropy). Training brings the validation loss below it
    (without subsampling, which would train on another distribution of words than validation's)."""
    from seqmodels.data.modules.word2vec import Word2VecData

    overrides = ["data.negatives=0", "data.subsample=0", "task.output=hierarchical_softmax", *ADAM]
    train(tmp_path, [*overrides, "trainer.limit_train_batches=200"], tiny=TINY_WORD2VEC)
    network = Word2VecTask.load(tmp_path / "checkpoints" / "last.ckpt").network
    data = Word2VecData(negatives=0, subsample=0, batch_size=64, eval_batch_size=256)
    data.setup()
    batch = next(iter(data.val_dataloader()))
    with torch.no_grad():
        trained = network.loss(batch.tokens, batch.weights).mean().item()
        network.output_embedding.weight.zero_()
        start = network.loss(batch.tokens, batch.weights).mean().item()
    window = batch.weights.size(-1) // 2
    targets = batch.tokens[:, window:-window]                       # the centre words, each with its pairs' ω
    depths = network.output_embedding.tree.lengths[targets].double() * batch.weights.sum(dim=-1).double()
    assert start == pytest.approx(depths.sum().item() / batch.weights.sum().item() * math.log(2), rel=1e-5)
    assert trained < start - 0.03


def test_neighbours_of_a_trained_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train(tmp_path, [], tiny=TINY_WORD2VEC)
    word = Word2VecTask.load(tmp_path / "checkpoints" / "last.ckpt").vocabulary.tokens[4]
    capsys.readouterr()  # the training's own output
    neighbours_main(["--ckpt", str(tmp_path / "checkpoints" / "last.ckpt"), word, "-k", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and len(lines[0].split()) == 3 and word not in lines[0].split()


@pytest.mark.skipif(not (SHARED_DATA / "wikitext-2").is_dir(), reason="needs ../shared/data/wikitext-2")
def test_the_wikitext2_experiment_composes_and_trains_a_few_steps(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=word2vec_wikitext2", f"paths.data_dir={SHARED_DATA}",
                               "model.embedding_size=8", "trainer.limit_train_batches=2"], tiny=TINY_WORD2VEC)
    assert metrics["val/loss"] > 0


def test_the_validation_loss_is_the_same_for_the_same_weights(tmp_path: Path) -> None:
    """Validation draws fixed noise words, so val/loss changes only when the vectors do."""
    from seqmodels.data.modules.word2vec import Word2VecData

    data = Word2VecData(min_freq=5, batch_size=64, eval_batch_size=256)
    data.setup()
    first, second = next(iter(data.val_dataloader())), next(iter(data.val_dataloader()))
    assert torch.equal(first.negatives, second.negatives) and first.negatives.shape[-1] == 30  # P, a pool per run


@pytest.mark.parametrize("override, message", [
    ("data.architecture=glove", "data.architecture='glove'"),
    ("data.window=0", "data.window=0: must be an integer >= 1"),
    ("data.negatives_per_run=0", "data.negatives_per_run=0: must be an integer >= 1"),
    ("task.output=tree", r"task.output='tree': choose one of \['negative_sampling', 'softmax', 'hierarchical_"),
    ("task.output=hierarchical_softmax", "task.output=hierarchical_softmax with data.negatives=5: negative sampling"),
    ("data.negatives=0", "task.output=softmax with task.optimizer.name=sgd: every example moves the shared output"),
])
def test_bad_options_are_clear_errors_naming_them(tmp_path: Path, override: str, message: str) -> None:
    from seqmodels.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        train(tmp_path, [override], tiny=TINY_WORD2VEC)
