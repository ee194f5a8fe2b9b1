"""train.py as a user runs it (a subprocess), and its clear errors for bad options (sweeps: test_sweeps.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from seqmodels.errors import DataError, SeqmodelsError
from tests.app.hydra_helpers import ROOT, TINY, train


def train_py(*overrides: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "train.py"), *overrides], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_unknown_config_group_option_lists_the_choices(tmp_path: Path) -> None:
    result = train_py("model=lstmx", f"hydra.run.dir={tmp_path}")
    assert result.returncode != 0
    assert "model/lstmx" in result.stderr and "lstm" in result.stderr and "gru" in result.stderr


def test_a_bad_option_ends_train_py_with_one_clear_line(tmp_path: Path) -> None:
    result = train_py(*TINY, "model.num_layers=0", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: ") and "num_layers" in last_line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.num_layers=0", "num_layers must be an int >= 1"),
        ("model.dropout=1.5", "dropout must be in"),
        ("model.backend=cudnn", "unknown backend"),
        ("+model.peephole=true", "peephole"),  # a GRU has no peephole
        ("model.bidirectional=true", "model.bidirectional"),
        ("task.tie_weights=true", "tie_weights"),
        ("data.level=bytes", "data.level"),
        ("data.bptt=0", "data.bptt"),
        ("task.optimizer.name=adagrad9", "task.optimizer.name"),
    ],
)
def test_bad_option_is_a_clear_error_naming_it(tmp_path: Path, override: str, message: str) -> None:
    overrides = ["model=gru", override] if "peephole" in override else [override]
    with pytest.raises(SeqmodelsError, match=re.escape(message)):
        train(tmp_path, overrides)


def test_missing_corpus_says_where_to_put_it_and_how_to_download(tmp_path: Path) -> None:
    with pytest.raises(DataError) as error:
        train(tmp_path, ["data=wikitext2", f"paths.data_dir={tmp_path / 'nothing'}"])
    assert str(tmp_path / "nothing" / "wikitext-2") in str(error.value) and "data.download=true" in str(error.value)


def test_an_empty_corpus_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("some text\n")
    (tmp_path / "valid.txt").write_text("\n")
    files = [f"data.files.train={tmp_path / 'train.txt'}", f"data.files.valid={tmp_path / 'valid.txt'}"]
    with pytest.raises(DataError, match=r"valid\.txt: the file is empty"):
        train(tmp_path, ["data=text_files", *files])


def test_resuming_from_a_missing_or_foreign_checkpoint_names_it(tmp_path: Path) -> None:
    with pytest.raises(SeqmodelsError, match="ckpt_path=.*no such checkpoint"):
        train(tmp_path, [f"ckpt_path={tmp_path / 'last.ckpt'}"])
    (tmp_path / "other.ckpt").write_bytes(b"garbage")
    with pytest.raises(SeqmodelsError, match="ckpt_path=.*not a checkpoint written by seqmodels"):
        train(tmp_path, [f"ckpt_path={tmp_path / 'other.ckpt'}"])

