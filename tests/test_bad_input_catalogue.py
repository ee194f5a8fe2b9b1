"""docs/bad-input/*.md kept true: every bad input a user might give gets the answer the catalogue promises —
a non-zero exit with one line saying what is wrong and no traceback, or (``ok`` rows) documented handling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

import pytest

from seqmodels.checkpoints import read_checkpoint
from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, TINY_WORD2VEC, train
from tests.bad_input_catalogue import (
    CATALOGUE,
    COMMANDS,
    ROOT,
    SCRIPTS,
    Case,
    expand,
    read_catalogue,
    run_case,
    split_command,
)

CASES = read_catalogue()
TRAINED = {"lm": TINY, "ner": TINY_NER, "sentiment": TINY_SENTIMENT, "seq2seq": TINY_SEQ2SEQ,
           "word2vec": TINY_WORD2VEC}


@pytest.fixture(scope="module")
def placeholders(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """A tiny trained checkpoint of every task ({lm}, {ner} ...), word2vec's vectors.txt ({vectors}), and the LM's
    checkpoint with 64 bytes flipped inside its weights ({lm_corrupted}) or cut short ({lm_truncated})."""
    found: Dict[str, str] = {}
    for task, tiny in TRAINED.items():
        folder = tmp_path_factory.mktemp(task)
        train(folder, tiny=tiny)
        found[task] = str(folder / "checkpoints" / "last.ckpt")
        if task == "word2vec":
            found["vectors"] = str(folder / "vectors.txt")
    data = Path(found["lm"]).read_bytes()
    weights = read_checkpoint(found["lm"])["state_dict"]
    largest = max(weights.values(), key=lambda tensor: tensor.numel())
    start = data.find(largest.numpy().tobytes()[:128])
    assert start > 0
    corrupted = bytearray(data)
    for offset in range(start, start + 64):
        corrupted[offset] ^= 0x55
    damaged = tmp_path_factory.mktemp("damaged")
    (damaged / "corrupted.ckpt").write_bytes(bytes(corrupted))
    (damaged / "truncated.ckpt").write_bytes(data[: len(data) // 2])
    found["lm_corrupted"] = str(damaged / "corrupted.ckpt")
    found["lm_truncated"] = str(damaged / "truncated.ckpt")
    return found


def test_the_catalogue_holds_at_least_150_distinct_cases() -> None:
    assert len(CASES) >= 150
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
    assert all(split_command(case.command)[1][0] in (*SCRIPTS, *COMMANDS) for case in CASES)


def test_the_counts_the_docs_give_are_true() -> None:
    index = (CATALOGUE / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \[(\w+\.md)\]\(\1\) \|.*\| (\d+) \|$", index, flags=re.M)
    assert {name for name, _ in listed} == {path.name for path in CATALOGUE.glob("*.md")} - {"README.md"}
    for name, count in listed:
        assert sum(case.source.startswith(f"{name}:") for case in CASES) == int(count), name
    assert f"lists {len(CASES)} bad inputs" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_the_answer_the_catalogue_gives(case: Case, placeholders: Dict[str, str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    environment, argv, stdin = split_command(expand(case.command, placeholders, tmp_path))
    monkeypatch.setenv("SEQMODELS_LOG_DIR", str(tmp_path / "logs"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    says = expand(case.says, placeholders, tmp_path)
    status, out, err = run_case(argv, stdin, monkeypatch, capfd)
    where = f"{case.source} ({case.id}: {case.case})\n--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}"
    assert "Traceback" not in out + err, where
    if case.exit == "error":
        assert status != 0, where
        assert any(says in line for line in err.splitlines()), where
    else:
        assert status == 0, where
        assert says in out + err, where
