"""eval.py: a checkpoint tested on a test file alone (its training files gone) reports the metrics ``trainer.test``
reported for the same checkpoint and data, for each kind of task; the standard corpus's test split without any
data option; and one-line errors for what cannot be evaluated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

from seqmodels.data.corpora.corpus import LABELLED, LINES, PAIRS, TAGGED, CorpusRequest
from seqmodels.data.corpora.registry import find_corpus
from seqmodels.errors import ConfigError, DataError
from seqmodels.evaluate import Metrics, run
from seqmodels.run_folder import forget_run_folders
from tests.app.hydra_helpers import CONFIGS, TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, train

SIZES = {"train": 48, "valid": 16, "test": 24}


def evaluate(tmp_path: Path, overrides: Sequence[str]) -> Metrics:
    """configs/eval.yaml with ``overrides``, run as eval.py runs it."""
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose("eval", overrides=[f"hydra.run.dir={tmp_path}", *overrides], return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    forget_run_folders()
    return run(cfg)


def lines(split: str) -> List[str]:
    return find_corpus("pydoc_topics", LINES).read(CorpusRequest())[split][:SIZES[split]]


def tagged(split: str) -> List[str]:
    sentences = find_corpus("names", TAGGED).read(CorpusRequest(sizes=SIZES))[split]
    return ["\n".join(f"{token} {tag}" for token, tag in zip(s.tokens, s.tags)) + "\n" for s in sentences]


def labelled(split: str) -> List[str]:
    return [f"{e.text}\t{e.label}" for e in find_corpus("reviews", LABELLED).read(CorpusRequest(sizes=SIZES))[split]]


def pairs(split: str) -> List[str]:
    return [f"{p.source}\t{p.target}" for p in find_corpus("dates", PAIRS).read(CorpusRequest(sizes=SIZES))[split]]


# task -> (its tiny settings, the lines of one split of its files in a format training reads)
TASKS: Dict[str, Tuple[List[str], Callable[[str], List[str]]]] = {
    "lm": (TINY, lines), "ner": (TINY_NER, tagged), "sentiment": (TINY_SENTIMENT, labelled),
    "seq2seq": ([*TINY_SEQ2SEQ, "task.decoding.beam_size=2"], pairs)}


def of_test(metrics: Dict[str, float]) -> Dict[str, float]:
    return {name: value for name, value in metrics.items() if name.startswith("test/")}


@pytest.mark.parametrize("task", list(TASKS))
def test_a_checkpoint_on_a_test_file_alone_scores_what_trainer_test_reported(tmp_path: Path, task: str) -> None:
    tiny, split_lines = TASKS[task]
    files = {split: tmp_path / f"{split}.txt" for split in SIZES}
    for split, path in files.items():
        path.write_text("\n".join(split_lines(split)) + "\n", encoding="utf-8")
    trained = train(tmp_path / "run", ["data.corpus=files", *(f"++data.files.{s}={p}" for s, p in files.items())],
                    tiny=tiny)
    own = tmp_path / "own_test.txt"
    shutil.move(files["test"], own)
    for path in files.values():
        path.unlink(missing_ok=True)  # only the test file is read
    output = tmp_path / "eval.json"
    ckpt = next((tmp_path / "run" / "checkpoints").glob("best-*.ckpt"))
    metrics = evaluate(tmp_path, [f"ckpt_path={ckpt}", f"data.files.test={own}", f"output={output}",
                                  "trainer.limit_test_batches=2"])
    numbers = {name: value for name, value in metrics.items() if isinstance(value, float)}
    assert numbers.keys() >= of_test(trained).keys() and of_test(trained)
    assert {name: numbers[name] for name in of_test(trained)} == pytest.approx(of_test(trained), rel=1e-5)
    assert json.loads(output.read_text(encoding="utf-8")) == {"ckpt_path": str(ckpt), **metrics}
    if task == "ner":
        assert {"test/f1_PER", "test/precision", "test/recall"} <= set(metrics)
    if task == "seq2seq":  # decoded with a beam of 2 (what trainer.test reported), and greedily beside it
        assert str(metrics["test/bleu_signature"]).startswith("nrefs:1")
        assert {"test/greedy_bleu", "test/greedy_exact_match"} <= set(metrics)


def test_a_standard_corpus_s_test_split_needs_no_data_option(tmp_path: Path) -> None:
    trained = train(tmp_path, tiny=TINY_SENTIMENT)
    metrics = evaluate(tmp_path, [f"ckpt_path={tmp_path / 'checkpoints' / 'last.ckpt'}",
                                  "trainer.limit_test_batches=2"])
    written = next((tmp_path / "eval").glob("*/metrics.json"))
    assert json.loads(written.read_text(encoding="utf-8"))["test/accuracy"] == pytest.approx(metrics["test/accuracy"])
    assert {"test/accuracy", "test/macro_f1"} <= set(metrics)
    assert set(of_test(trained)) <= set(metrics)


def test_what_cannot_be_evaluated_is_one_line(tmp_path: Path) -> None:
    train(tmp_path, tiny=TINY_NER)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    with pytest.raises(DataError, match=r"^the generated test .*: there are none to evaluate on$"):
        evaluate(tmp_path, [f"ckpt_path={ckpt}", "++data.num_sentences.test=0"])
    with pytest.raises(ConfigError, match=r"^data\.files\.test is not set"):
        evaluate(tmp_path, [f"ckpt_path={ckpt}", "data.corpus=files"])
    (tmp_path / "config.yaml").unlink()
    with pytest.raises(ConfigError, match=r"the run's config\.yaml .*: no such file; .* give run_config="):
        evaluate(tmp_path, [f"ckpt_path={ckpt}"])
