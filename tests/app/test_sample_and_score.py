"""The sampling and scoring command-line entries, on a model trained through train.py."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from seqmodels.cli import sample, score
from tests.app.hydra_helpers import train


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_folder = tmp_path_factory.mktemp("lm")
    train(run_folder, ["callbacks.ngram_baseline=null", "test=false"])
    return run_folder / "checkpoints" / "last.ckpt"


def test_sample_prints_seeded_continuations_of_the_prompt(checkpoint: Path, capsys: pytest.CaptureFixture) -> None:
    arguments = ["--ckpt", str(checkpoint), "--prompt", "The ", "-n", "3", "--max-length", "40", "--seed", "7",
                 "--top-k", "5", "--temperature", "0.8"]
    sample.main(arguments)
    first = capsys.readouterr().out
    sample.main(arguments)
    assert capsys.readouterr().out == first
    lines = first.splitlines()
    assert len(lines) >= 3 and lines[0].startswith("The ")


def test_score_prints_one_row_per_sentence(checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("The apple and pear salad.\n\nThe apple and pair salad.\n", encoding="utf-8")
    score.main(["--ckpt", str(checkpoint), "--input", str(sentences), "--source"])
    rows = capsys.readouterr().out.splitlines()
    assert [row.split("\t")[0] for row in rows] == ["The apple and pear salad.", "", "The apple and pair salad."]
    for row in (rows[0], rows[2]):
        text, log_prob, perplexity, tokens, unknown = row.split("\t")
        assert float(log_prob) < 0 and int(tokens) == len(text) + 1 and int(unknown) == 0
        assert float(perplexity) == pytest.approx(math.exp(-float(log_prob) / int(tokens)), rel=1e-3)


def test_sample_continues_each_line_of_a_prompt_file(checkpoint: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    """Output line i holds the -n samples of prompt line i; a blank line stays blank; with --seed a line's samples
    are those --prompt gives for it alone."""
    prompts, output = tmp_path / "prompts.txt", tmp_path / "samples.txt"
    prompts.write_text("The \n\nimport \n", encoding="utf-8")
    options = ["-n", "2", "--max-length", "30", "--seed", "3"]
    sample.main(["--ckpt", str(checkpoint), "--input", str(prompts), "--output", str(output), *options])
    lines = output.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[3] == ""
    first, second = lines[0].split("\t"), lines[2].split("\t")
    assert len(first) == 2 and all(text.startswith("The ") for text in first)
    assert len(second) == 2 and all(text.startswith("import ") for text in second)
    capsys.readouterr()
    sample.main(["--ckpt", str(checkpoint), "--prompt", "import ", *options])
    assert capsys.readouterr().out.splitlines() == second


@pytest.mark.parametrize(
    ("entry", "arguments", "message"),
    [
        (sample, ["--prompt", "€€€"], "no character the model knows"),
        (sample, ["--temperature", "-1"], "temperature must be >= 0"),
        (sample, ["--top-k", "0"], "top_k must be >= 1"),
        (score, ["--batch-size", "0", "x"], "--batch-size 0: must be at least 1"),
        (score, ["--input", "missing.txt"], "--input missing.txt: no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(checkpoint: Path, capsys: pytest.CaptureFixture, entry,
                                               arguments: list, message: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["--ckpt", str(checkpoint), *arguments])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1


def test_a_file_that_is_not_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bogus = tmp_path / "model.ckpt"
    bogus.write_bytes(b"not a checkpoint at all")
    with pytest.raises(SystemExit):
        sample.main(["--ckpt", str(bogus)])
    assert "model.ckpt: not a checkpoint written by seqmodels" in capsys.readouterr().err
