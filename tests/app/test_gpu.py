"""On a CUDA GPU (skipped without one): ``trainer=gpu`` (bf16-mixed, fused cuDNN layers through backend=auto)
trains every task end to end and writes its checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
import torch

from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, TINY_WORD2VEC, train

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


@pytest.mark.parametrize("tiny,metric", [(TINY, "val/ppl"), (TINY_NER, "val/f1"), (TINY_SENTIMENT, "val/accuracy"),
                                         (TINY_WORD2VEC, "val/loss"), (TINY_SEQ2SEQ, "val/exact_match")])
@pytest.mark.parametrize("model", ["gru", "lstm"])
def test_trainer_gpu_trains_every_task_in_bf16(tmp_path: Path, tiny: List[str], metric: str, model: str) -> None:
    extra = ["model.reset_after=true"] if model == "gru" else []
    metrics = train(tmp_path, ["trainer=gpu", f"model={model}", *extra], tiny=tiny)
    assert metric in metrics and metrics[metric] == metrics[metric]              # finished, and not NaN
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()
