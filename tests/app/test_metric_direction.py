"""The direction of the main metric is declared once, by the task, and everything follows it: the checkpoint kept
(and tested), the saved config's optimized_mode, Optuna's direction. An override that contradicts it is an error.

seq2seq with task.monitor=ppl used to keep the HIGHEST-perplexity checkpoint (configs/task/seq2seq.yaml said
optimized_mode: max whatever the monitor)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from seqmodels.errors import ConfigError
from tests.app.hydra_helpers import CONFIGS, TINY_SEQ2SEQ, compose_train, train

EPOCHS = 3
QUICK = ["trainer.limit_val_batches=1", "callbacks.attention_maps=null", "callbacks.text_samples=null",
         "callbacks.embedding_projector=null"]  # the figures and the projector cost more than the training


def validation_history(run_folder: Path, metric: str) -> list:
    events = EventAccumulator(str(run_folder / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    return [event.value for event in events.Scalars(metric)]


def test_a_seq2seq_run_monitoring_perplexity_keeps_the_lowest_perplexity_checkpoint(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["task.monitor=ppl", f"trainer.max_epochs={EPOCHS}", "task.optimizer.lr=0.01", *QUICK],
                    tiny=TINY_SEQ2SEQ)
    history = validation_history(tmp_path, "val/ppl")
    assert len(history) == EPOCHS and len(set(history)) > 1
    assert OmegaConf.load(tmp_path / "config.yaml").optimized_mode == "min"
    (best,) = (tmp_path / "checkpoints").glob("best-*.ckpt")
    best_epoch = int(best.stem.removeprefix("best-epoch"))
    assert history[best_epoch] == min(history)
    saved = torch.load(best, weights_only=True)
    (key, state), = [(key, value) for key, value in saved["callbacks"].items() if key.startswith("BestCheckpoint")]
    assert "'mode': 'min'" in key
    assert float(state["best_model_score"]) == pytest.approx(min(history))
    assert metrics["hp/best"] == pytest.approx(min(history))


@pytest.mark.parametrize(("monitor", "mode", "direction"), [("ppl", "min", "minimize"), ("loss", "min", "minimize"),
                                                            ("bleu", "max", "maximize"),
                                                            ("exact_match", "max", "maximize")])
def test_the_seq2seq_optuna_search_goes_the_way_of_the_monitored_metric(monitor: str, mode: str,
                                                                        direction: str) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper", reason="needs the sweep extra")
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("train", overrides=["hparams_search=seq2seq_optuna", f"task.monitor={monitor}"],
                      return_hydra_config=True)
    assert cfg.optimized_metric == f"val/{monitor}" and cfg.optimized_mode == mode
    assert cfg.hydra.sweeper.direction == direction


@pytest.mark.parametrize("task", ["lm", "ner", "sentiment", "word2vec", "glove", "seq2seq", "agreement", "adding",
                                  "copy_memory"])
def test_every_task_config_gets_its_checkpoint_mode_from_the_task(tmp_path: Path, task: str) -> None:
    cfg = compose_train(tmp_path, [f"task={task}"], tiny=[])
    expected = {"lm": "min", "word2vec": "min", "glove": "min", "adding": "min"}.get(task, "max")
    assert cfg.optimized_mode == expected and cfg.callbacks.model_checkpoint.mode == expected


def test_an_optimized_mode_that_contradicts_the_task_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        train(tmp_path, ["task.monitor=ppl", "optimized_mode=max"], tiny=TINY_SEQ2SEQ)
    message = str(caught.value)
    assert message.startswith("optimized_mode=max, but val/ppl is better when lower (min)") and "\n" not in message
    assert not (tmp_path / "checkpoints").exists()
