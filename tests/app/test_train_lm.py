"""End to end through Hydra: each model family trains the LM a few steps, writes its run folder,
resumes from ``ckpt_path``, and gives the same predictions after reloading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from seqmodels.tasks.language_modeling import LanguageModelTask
from tests.app.hydra_helpers import SHARED_DATA, train

FAMILIES = {
    "rnn": [],
    "gru": [],
    "gru_reset_after": ["model.reset_after=true"],
    "lstm": [],
    "lstm_peephole": ["model.peephole=true"],
}


def family_overrides(family: str) -> list[str]:
    return [f"model={family.split('_')[0]}", *FAMILIES[family]]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_trains_checkpoints_resumes_and_reloads(tmp_path: Path, family: str) -> None:
    first = tmp_path / "first"
    metrics = train(first, family_overrides(family))
    assert 1.0 < metrics["val/ppl"] < 1000 and 1.0 < metrics["test/ppl"] < 1000
    first_val_ppl = metrics["val/ppl"]
    assert metrics["baseline/val_ppl_1gram"] > metrics["baseline/val_ppl_2gram"]

    # the run folder: resolved config, checkpoints + vocabulary JSON, TensorBoard events
    assert yaml.safe_load((first / "config.yaml").read_text())["model"]["cell"] == family.split("_")[0]
    checkpoints = first / "checkpoints"
    last = checkpoints / "last.ckpt"
    assert last.is_file() and list(checkpoints.glob("best-*.ckpt"))
    tokens = json.loads((first / "vocab.json").read_text(encoding="utf-8"))["tokens"]
    assert tokens[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"] and "e" in tokens
    events = EventAccumulator(str(first / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"train/loss_epoch", "val/ppl", "test/ppl", "hp/best", "lr-Adam", "baseline/val_ppl_1gram"} <= scalars
    assert events.Tensors("samples/text_summary")  # generated text, after each validation
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")

    # resume the run for a second epoch from last.ckpt
    resumed = tmp_path / "resumed"
    metrics = train(resumed, [*family_overrides(family), "trainer.max_epochs=2", f"ckpt_path={last}"])
    reloaded = torch.load(resumed / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert reloaded["epoch"] == 1
    assert reloaded["best_score"] == pytest.approx(min(metrics["val/ppl"], first_val_ppl))

    # the vocabulary travels inside the checkpoint: a reloaded model predicts exactly the same
    task = LanguageModelTask.load(last)
    sentences = ["The assert statement", "Zzz qq"]
    again = LanguageModelTask.load(last)
    assert [s.log_prob for s in task.score(sentences)] == [s.log_prob for s in again.score(sentences)]
    assert task.vocabulary.tokens == tokens
    assert task.generate("The ", max_length=30, seed=3) == again.generate("The ", max_length=30, seed=3)


def test_per_sentence_batching_and_word_level(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["data.batching=sentences", "data.level=word", "data.min_freq=2", "model=gru"])
    assert metrics["val/ppl"] > 1
    task = LanguageModelTask.load(tmp_path / "checkpoints" / "last.ckpt")
    assert not task.carry_state and task.start_id == task.vocabulary.bos_id
    assert task.vocabulary.level == "word"


def test_test_metric_comes_from_the_best_checkpoint(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["trainer.max_epochs=2"])
    best = next((tmp_path / "checkpoints").glob("best-*.ckpt"))
    # evaluating the best checkpoint again gives the test perplexity run() reported
    from seqmodels.train import run
    from tests.app.hydra_helpers import compose_train

    cfg = compose_train(tmp_path / "eval", ["train=false", f"ckpt_path={best}"])
    again = run(cfg)
    assert again["test/ppl"] == pytest.approx(metrics["test/ppl"], rel=1e-5)


@pytest.mark.skipif(not (SHARED_DATA / "ptb").is_dir(), reason="needs ../shared/data/ptb (SEQMODELS_DATA_DIR)")
def test_a_slice_of_penn_treebank(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["data=ptb", f"paths.data_dir={SHARED_DATA}", "data.bptt=10"])
    vocabulary = json.loads((tmp_path / "vocab.json").read_text())["tokens"]
    assert len(vocabulary) == 10_002  # PTB's 10,000 types (with <unk> and <eos>) plus <pad> and <bos>
    assert metrics["val/ppl"] > 1
