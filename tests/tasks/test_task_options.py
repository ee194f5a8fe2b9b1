"""A bad task option is a one-line ConfigError naming ``task.<option>`` (checked by the task before its network is
built, never reported as a ``model:`` option); translation logs val/loss and test/loss once per epoch."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import numpy as np
import pytest

from seqmodels.errors import ConfigError
from seqmodels.tasks.translation import TranslationTask
from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, train


@pytest.mark.parametrize(("tiny", "override", "message"), [
    (TINY_NER, "task.output=maxent", "task.output='maxent': choose one of ['crf', 'softmax', 'sigmoid']"),
    (TINY_SENTIMENT, "task.encoder=cnn", "task.encoder='cnn': choose one of ['mean', 'rnn']"),
    (TINY_SENTIMENT, "task.pooling=sum", "task.pooling='sum': choose one of ['last', 'max', 'mean', 'max_mean']"),
    (TINY_SEQ2SEQ, "task.monitor=f1", "task.monitor='f1': choose one of ['bleu', 'exact_match', 'token_accuracy', "
                                      "'ppl', 'loss']"),
    (TINY, "task.tie_weights=true", "task.tie_weights=true shares the embedding with the output layer, so "
                                    "model.embedding_size (8) must equal model.hidden_size (16)"),
])
def test_a_bad_task_option_names_the_task_option(tmp_path: Path, tiny: List[str], override: str,
                                                 message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        train(tmp_path, [override], tiny=tiny)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_translation_logs_its_evaluation_loss_once_per_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logged: List[str] = []
    log = TranslationTask.log

    def recording_log(self: TranslationTask, name: str, value: Any, *args: Any, **kwargs: Any) -> None:
        logged.append(name)
        log(self, name, value, *args, **kwargs)

    monkeypatch.setattr(TranslationTask, "log", recording_log)
    metrics = train(tmp_path, ["task.monitor=bleu", "trainer.limit_val_batches=1", "callbacks.attention_maps=null",
                               "callbacks.text_samples=null", "callbacks.embedding_projector=null"], tiny=TINY_SEQ2SEQ)
    for stage in ("val", "test"):
        assert logged.count(f"{stage}/loss") == logged.count(f"{stage}/ppl") >= 1  # once per epoch, with ppl
    assert metrics["val/loss"] == pytest.approx(np.log(metrics["val/ppl"]), rel=1e-5)
