"""docs/ARCHITECTURE.md's three walkthroughs, run as written: a cell, a task and a corpus of a user's own.

Every file a walkthrough shows (``<!-- walkthrough NAME file: PATH -->`` and the fenced block after it) is
written into an empty folder, and every command of its run block (``<!-- walkthrough NAME run -->``) is run
there through the real ``train.py``, with only settings that make it a few batches long appended. Nothing
inside seqmodels is edited: what the page says is enough is enough.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import torch

from seqmodels.checkpoints import read_checkpoint

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
PREFIX = ["PYTHONPATH=.", "python", "$SEQMODELS/train.py"]
# A few batches of a small model: the walkthrough's command is run as written, then these.
SHORT = ["trainer.max_epochs=1", "trainer.limit_train_batches=3", "trainer.limit_val_batches=2",
         "trainer.limit_test_batches=2", "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false",
         "+trainer.enable_model_summary=false", "model.hidden_size=8", "model.embedding_size=8"]
SONNET = """Shall I compare thee to a summer's day?
Thou art more lovely and more temperate:
Rough winds do shake the darling buds of May,
And summer's lease hath all too short a date;
Sometime too hot the eye of heaven shines,
And often is his gold complexion dimm'd;
And every fair from fair sometime declines,
By chance or nature's changing course untrimm'd;
"""


def walkthrough(name: str) -> Tuple[Dict[str, str], List[List[str]]]:
    """({path: text} of the files, [argument list of every train.py command]) of walkthrough ``name``."""
    text = DOC.read_text(encoding="utf-8")
    files = {path: body for path, body in re.findall(
        rf"<!-- walkthrough {name} file: (\S+) -->\n```\w*\n(.*?)```", text, re.S)}
    runs = re.findall(rf"<!-- walkthrough {name} run -->\n```bash\n(.*?)```", text, re.S)
    assert files and len(runs) == 1, f"ARCHITECTURE.md: walkthrough {name!r} needs files and one run block"
    commands = []
    for line in runs[0].strip().splitlines():
        words = shlex.split(line)
        assert words[:3] == PREFIX, f"ARCHITECTURE.md: {line!r} does not start with {' '.join(PREFIX)}"
        commands.append(words[3:])
    return files, commands


def run_walkthrough(name: str, folder: Path) -> List[Path]:
    """Write the walkthrough's files into ``folder``, run its commands there; the run folders, in order."""
    files, commands = walkthrough(name)
    for path, body in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(body, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": ".", "SEQMODELS_LOG_DIR": str(folder / "logs")}
    run_folders = []
    for arguments in commands:
        before = set((folder / "logs").glob("*/runs/*"))
        done = subprocess.run([sys.executable, str(ROOT / "train.py"), *arguments, *SHORT], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(arguments)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        (new,) = set((folder / "logs").glob("*/runs/*")) - before
        run_folders.append(new)
    return run_folders


def best_checkpoint(run_folder: Path) -> Path:
    (path,) = (run_folder / "checkpoints").glob("best-*.ckpt")
    return path


def test_add_a_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    language_model, tagger = run_walkthrough("cell", tmp_path)
    for run_folder in (language_model, tagger):
        checkpoint = read_checkpoint(best_checkpoint(run_folder))
        assert checkpoint["hyper_parameters"]["model"]["cell"] == "mgu_cell.MGUCell"
        weights = checkpoint["state_dict"]
        recurrent = [key for key in weights if key.endswith("cells.l0.W_aa") and "char" not in key]
        assert recurrent and all(tuple(weights[key].shape) == (2 * 8, 8) for key in recurrent)  # [f, ã] rows
    assert tagger.parent.parent.name == "ner" and "network.recurrent.cells.l0_reverse.W_aa" in weights
    monkeypatch.syspath_prepend(str(tmp_path))
    from seqmodels.nn import Recurrent, cell_class

    mgu = cell_class("mgu_cell.MGUCell")  # imports the module, which registers the name
    assert cell_class("mgu") is mgu
    layer = Recurrent("mgu", 3, 4)
    assert layer.resolved_backend() == "reference"  # a new cell declares no kernel
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    layer = layer.double()
    outputs, final = layer(x)
    a = torch.zeros(2, 4, dtype=torch.float64)
    cell = layer.cells["l0"]
    for t in range(5):  # the docstring's equations, by hand
        H = 4
        f = torch.sigmoid(x[:, t] @ cell.W_ax[:H].t() + cell.b[:H] + a @ cell.W_aa[:H].t())
        a_tilde = torch.tanh(x[:, t] @ cell.W_ax[H:].t() + cell.b[H:] + (f * a) @ cell.W_aa[H:].t())
        a = (1 - f) * a + f * a_tilde
    torch.testing.assert_close(final[0], a)


def test_add_a_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (run_folder,) = run_walkthrough("task", tmp_path)
    assert run_folder.parent.parent.name == "majority"
    metrics = json.loads((run_folder / "metrics.json").read_text())
    assert {"val/accuracy", "test/accuracy", "val/loss"} <= set(metrics)
    assert "optimized_mode: max" in (run_folder / "config.yaml").read_text()  # from main_metrics, not the config
    monkeypatch.syspath_prepend(str(tmp_path))
    import seqmodels

    task = seqmodels.load(best_checkpoint(run_folder))  # imports majority_task, which the checkpoint names
    assert type(task).__name__ == "MajorityTask" and type(task).__module__ == "majority_task"
    assert not task.training
    bits = torch.tensor([[1.0] * 11, [0.0] * 11])
    assert task.network(bits).shape == (2,)


def test_add_a_corpus(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "sonnets"
    folder.mkdir(parents=True)
    lines = SONNET.splitlines(keepends=True)
    (folder / "train.txt").write_text("".join(lines[:6]) * 20, encoding="utf-8")
    (folder / "valid.txt").write_text("".join(lines[6:]) * 5, encoding="utf-8")
    language_model, word2vec = run_walkthrough("corpus", tmp_path)
    characters = json.loads((language_model / "vocab.json").read_text())["tokens"]
    assert set(characters) - set(SONNET) <= {token for token in characters if len(token) > 1}  # specials only
    words = json.loads((word2vec / "vocab.json").read_text())["tokens"]
    assert "summer's" in words or "summer" in words
    assert "test/ppl" not in json.loads((language_model / "metrics.json").read_text())  # no test.txt: no test
