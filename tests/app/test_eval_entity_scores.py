"""eval.py on a tagger: precision, recall and F1 of every entity type, printed and written to metrics.json, equal to
the span scores of the checkpoint's own predictions on the test file computed here by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import seqmodels
from seqmodels.metrics.span_f1 import SpanF1
from tests.app.hydra_helpers import TINY_NER, train
from tests.app.test_eval import SIZES, evaluate, tagged

# a few epochs of the whole training file at a high rate: a tagger that finds some entities, not none
LEARNING = ["trainer.max_epochs=4", "trainer.limit_train_batches=null", "task.optimizer.lr=0.03",
            "model.hidden_size=32"]


def test_eval_writes_each_entity_type_s_precision_recall_and_f1(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    files = {split: tmp_path / f"{split}.txt" for split in SIZES}
    for split, path in files.items():
        path.write_text("\n".join(tagged(split)) + "\n", encoding="utf-8")
    train(tmp_path / "run", ["data.corpus=files", *(f"++data.files.{s}={p}" for s, p in files.items()), *LEARNING],
          tiny=TINY_NER)
    ckpt = tmp_path / "run" / "checkpoints" / "last.ckpt"
    output = tmp_path / "eval.json"
    metrics = evaluate(tmp_path, [f"ckpt_path={ckpt}", f"data.files.test={files['test']}", f"output={output}"])
    printed = capsys.readouterr().out

    task = seqmodels.load(str(ckpt))
    sentences = [[line.split() for line in sentence.strip().splitlines()] for sentence in tagged("test")]
    predicted = task.tag([[token for token, _ in sentence] for sentence in sentences])
    by_hand = SpanF1(task.entity_types)
    by_hand.update([[tag for _, tag in sentence] for sentence in predicted],
                   [[tag for _, tag in sentence] for sentence in sentences])
    expected = {f"test/{name.replace('/', '_')}": float(value) for name, value in by_hand.compute().items()}

    types = ["PER", "LOC", "ORG"]
    assert sorted(task.entity_types) == sorted(types)
    keys = [f"test/{score}_{kind}" for kind in types for score in ("precision", "recall", "f1")]
    assert {key: metrics[key] for key in keys} == pytest.approx({key: expected[key] for key in keys}, abs=1e-6)
    assert any(0 < metrics[key] < 1 for key in keys)  # not all 0 or 1: the comparison tells something
    assert json.loads(output.read_text(encoding="utf-8"))["test/recall_PER"] == metrics["test/recall_PER"]
    assert all(f'"{key}"' in printed for key in keys)
