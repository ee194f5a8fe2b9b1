"""Every command that reads texts has the same --input/--output/--batch-size, answers line for line (a blank line
in gives a blank line out, whatever the batch size), writes plain text by default, and shows a progress bar on a
terminal; the tagger writes a CoNLL file's own tag scheme and scores its gold column."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqmodels.cli import classify, neighbours, sample, score, tag, translate
from seqmodels.cli.lines import batches
from seqmodels.data.encoding.tag_schemes import spans, validate
from seqmodels.metrics.span_f1 import SpanF1

LINE_COMMANDS = {"sample": sample, "score": score, "tag": tag, "classify": classify, "translate": translate,
                 "neighbours": neighbours}
# per command: the checkpoint option, and three input lines it can answer
INPUTS = {
    "sample": (["--ckpt", "lm"], ["The ", "import ", "def "]),
    "score": (["--ckpt", "lm"], ["The apple.", "x = 1", "import os"]),
    "tag": (["--ckpt", "ner"], ["Harry Potter met Hermione Granger.", "London", "He went to Paris ."]),
    "classify": (["--ckpt", "sentiment"], ["the food was good", "awful", "not bad at all"]),
    "translate": (["--ckpt", "seq2seq"], ["the 3rd of march 1998", "1/2/99", "Tue 17 Jun 2003"]),
    "neighbours": (["--vectors", "vectors"], [None, None, None]),  # words of the trained vocabulary
}
EXTRA = {"sample": ["--seed", "5", "--max-length", "20", "-n", "2"], "neighbours": ["-k", "3"]}


def option(parser: argparse.ArgumentParser, name: str) -> argparse.Action:
    return next(action for action in parser._actions if name in action.option_strings)


@pytest.mark.parametrize("name", ["--input", "--output", "--batch-size"])
def test_every_command_has_the_same_line_options(name: str) -> None:
    actions = [option(module.build_parser(), name) for module in LINE_COMMANDS.values()]
    first = actions[0]
    for action in actions[1:]:
        assert (action.option_strings, action.default, action.metavar, action.type) == \
               (first.option_strings, first.default, first.metavar, first.type)
    helps = {action.help.replace("prompt", "X").replace("sentence", "X").replace("text", "X").replace("word", "X")
             for action in actions}
    assert len(helps) == 1, helps


def words_of(vectors: str) -> List[str]:
    lines = Path(vectors).read_text(encoding="utf-8").splitlines()[1:]
    return [line.split()[0] for line in lines[5:8]]


def run(module: ModuleType, argv: List[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    module.main(argv)


@pytest.mark.parametrize("command", sorted(LINE_COMMANDS))
def test_a_blank_line_in_gives_a_blank_line_out_whatever_the_batch(command: str, command_checkpoints: Dict[str, str],
                                                                   tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (flag, key), texts = INPUTS[command]
    if command == "neighbours":
        texts = words_of(command_checkpoints["vectors"])
    base = [flag, command_checkpoints[key], *EXTRA.get(command, [])]
    lines = [texts[0], "", texts[1], "   ", "", texts[2]]
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    module = LINE_COMMANDS[command]
    run(module, [*base, "--input", str(source), "--output", str(output), "--batch-size", "2"], monkeypatch)
    written = output.read_text(encoding="utf-8").split("\n")
    assert written[-1] == "" and len(written) == len(lines) + 1
    answers = written[:-1]
    assert [bool(answer) for answer in answers] == [bool(line.strip()) for line in lines]
    capsys.readouterr()
    run(module, [*base, "--input", "-"], monkeypatch, stdin="\n".join(lines))  # stdin, one batch: the same answers
    assert capsys.readouterr().out.split("\n")[:-1] == answers
    for text, answer in zip(texts, [answers[0], answers[2], answers[5]]):  # each line alone: the same answer
        run(module, [*base, "--input", "-"], monkeypatch, stdin=text + "\n")
        assert capsys.readouterr().out == answer + "\n"


def test_plain_text_by_default_and_scores_on_request(command_checkpoints: Dict[str, str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    translate.main(["--ckpt", command_checkpoints["seq2seq"], "1/2/99"])
    plain = capsys.readouterr().out
    translate.main(["--ckpt", command_checkpoints["seq2seq"], "1/2/99", "--scores", "--source"])
    source, text, log_prob = capsys.readouterr().out.rstrip("\n").split("\t")
    assert "\t" not in plain and plain == text + "\n" and source == "1/2/99" and float(log_prob) <= 0
    classify.main(["--ckpt", command_checkpoints["sentiment"], "good food"])
    label = capsys.readouterr().out.rstrip("\n")
    classify.main(["--ckpt", command_checkpoints["sentiment"], "good food", "--scores"])
    assert capsys.readouterr().out.rstrip("\n").split("\t")[0] == label


def test_a_progress_bar_counts_the_lines_on_a_terminal(command_checkpoints: Dict[str, str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    source = tmp_path / "in.txt"
    source.write_text("good\nbad\n\nfine\n", encoding="utf-8")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    classify.main(["--ckpt", command_checkpoints["sentiment"], "--input", str(source), "--output",
                   str(tmp_path / "out.txt"), "--batch-size", "1"])
    assert "seqmodels classify" in terminal.getvalue() and "4/4" in terminal.getvalue()


CONLL_IOB1 = ("-DOCSTART- -X- O O\n\nHarry NNP I-NP I-PER\nPotter NNP I-NP I-PER\nmet VBD I-VP O\nHermione NNP I-NP "
              "I-PER\nGranger NNP I-NP I-PER\nin IN I-PP O\nLondon NNP I-NP I-LOC\n. . O O\n\nParis NNP I-NP I-LOC\n\n")


@pytest.mark.parametrize("scheme", [None, "iob2", "bioes"])
def test_a_conll_file_comes_back_line_for_line_in_its_own_scheme_and_scored(
        scheme: str, command_checkpoints: Dict[str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    source, output = tmp_path / "in.conll", tmp_path / "out.conll"
    source.write_text(CONLL_IOB1, encoding="utf-8")
    tag.main(["--ckpt", command_checkpoints["ner"], "--conll", "--input", str(source), "--output", str(output),
              "--batch-size", "1", *(["--tag-scheme", scheme] if scheme else [])])
    lines, written = CONLL_IOB1.split("\n"), output.read_text(encoding="utf-8").split("\n")
    assert len(written) == len(lines)
    sentences: List[List[str]] = [[]]
    gold: List[List[str]] = [[]]
    for line, out in zip(lines, written):
        if not line.strip() or line.startswith("-DOCSTART-"):
            assert out == line
            if sentences[-1]:
                sentences.append([])
                gold.append([])
            continue
        assert out.startswith(line + " ") and len(out.split()) == len(line.split()) + 1
        sentences[-1].append(out.split()[-1])
        gold[-1].append(line.split()[-1])
    predicted, gold = sentences[:-1], gold[:-1]
    assert all(validate(tags, scheme or "iob1") for tags in predicted)  # the file's scheme unless asked otherwise
    types = sorted({kind for tags in [*gold, *predicted] for kind, _, _ in spans(tags)})
    err = capsys.readouterr().err
    assert "2 sentences, 9 tokens" in err
    if types:  # the stderr table is conlleval's F1 of the file written
        metric = SpanF1(types)
        metric.update(predicted, gold)
        overall = next(line for line in err.splitlines() if line.strip().startswith("overall")).split()
        assert float(overall[3]) == pytest.approx(100 * float(metric.compute()["f1"]), abs=0.006)


def test_raw_text_is_tagged_in_the_models_scheme_or_the_one_asked(command_checkpoints: Dict[str, str],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    sentence = "Harry Potter met Hermione Granger in London ."
    tag.main(["--ckpt", command_checkpoints["ner"], sentence])
    pairs = capsys.readouterr().out.split()
    assert [pair.rsplit("/", 1)[0] for pair in pairs] == sentence.split()
    assert validate([pair.rsplit("/", 1)[1] for pair in pairs], "bioes")
    tag.main(["--ckpt", command_checkpoints["ner"], sentence, "--tag-scheme", "iob1", "--entities"])
    line = capsys.readouterr().out.rstrip("\n")
    found = [(field.split(" ", 1)[0], field.split(" ", 1)[1]) for field in line.split("\t")] if line else []
    tags = [pair.rsplit("/", 1)[1] for pair in pairs]
    assert found == [(kind, " ".join(sentence.split()[start:end])) for kind, start, end in spans(tags)]


@given(st.lists(st.sampled_from(["a", "", " "]), max_size=30), st.integers(1, 5))
def test_batches_cover_every_line_in_order_with_full_batches(lines: List[str], batch_size: int) -> None:
    runs = list(batches(lines, batch_size))
    assert [index for run in runs for index in run] == list(range(len(lines)))
    filled = [sum(bool(lines[index].strip()) for index in run) for run in runs]
    assert all(count == batch_size for count in filled[:-1]) and (not filled or filled[-1] <= batch_size)
