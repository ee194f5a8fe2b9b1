"""Every bad input to the command-line tools is one line on stderr and exit code 2, never a traceback:
option values, checkpoint and data paths, output paths, sentences from the arguments and from stdin."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional

import pytest
import torch

from seqmodels.cli import classify, neighbours, sample, score, tag, translate
from seqmodels.cli.common import read_stdin, resolve_device
from seqmodels.decoding import beam_search, greedy_search, next_token_distribution
from seqmodels.errors import ConfigError, DataError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bad_input" / "commands"


@pytest.fixture
def ckpt(command_checkpoints: Dict[str, str]) -> Dict[str, str]:
    """A tiny trained checkpoint of every task, and word2vec's vectors.txt (tests/app/conftest.py)."""
    return command_checkpoints


def run(entry: ModuleType, argv: List[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        stdin: Optional[bytes] = None) -> int:
    """``entry.main(argv)`` with ``stdin`` (bytes) as standard input; its exit code (0 when it returns)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin or b"")))
    capsys.readouterr()
    try:
        entry.main(argv)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def fails(entry: ModuleType, argv: List[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
          stdin: Optional[bytes] = None) -> str:
    """The one-line error of ``entry.main(argv)``, after checking exit code 2 and that nothing else was printed."""
    code = run(entry, argv, capsys, monkeypatch, stdin)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and ": error: " in err, err
    return err


# -- sample ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("arguments,message", [
    (["-n", "0"], "-n 0: must be at least 1"),
    (["-n", "-2"], "-n -2: must be at least 1"),
    (["-n", "1000000"], "-n 1000000: must be at most 10,000"),
    (["--temperature", "nan"], "--temperature nan: the temperature must be >= 0 and finite"),
    (["--temperature", "inf"], "--temperature inf: the temperature must be >= 0 and finite"),
    (["--temperature", "-0.5"], "--temperature -0.5: the temperature must be >= 0"),
    (["--top-k", "0"], "--top-k 0: top_k must be >= 1"),
    (["--max-length", "0"], "--max-length 0: must be at least 1"),
    (["--max-length", "100001"], "--max-length 100001: must be at most 100,000"),
    (["--seed", "-1"], "--seed -1: must be at least 0"),
    (["--seed", str(2**63)], f"--seed {2**63}: must be at most"),
    (["--device", "nope"], "--device nope: not a device"),
    (["--device", "meta"], "--device meta: the commands run on cpu, cuda, cuda:N or mps"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_bad_sampling_options_name_the_option(ckpt, capsys, monkeypatch, arguments: List[str], message: str) -> None:
    assert message in fails(sample, ["--ckpt", ckpt["lm"], *arguments], capsys, monkeypatch)


def test_option_values_are_checked_before_the_checkpoint_is_read(tmp_path, capsys, monkeypatch) -> None:
    assert "-n 0: must be at least 1" in fails(sample, ["--ckpt", str(tmp_path / "nope.ckpt"), "-n", "0"], capsys,
                                               monkeypatch)


def test_extreme_temperatures_and_a_top_k_past_the_vocabulary_still_sample(ckpt, capsys, monkeypatch) -> None:
    for temperature in ("1e-300", "1e300"):
        code = run(sample, ["--ckpt", ckpt["lm"], "--temperature", temperature, "--top-k", "100000",
                            "--max-length", "5", "--seed", "0"], capsys, monkeypatch)
        out, err = capsys.readouterr()
        assert code == 0 and err == "" and 1 <= len(out.strip("\n")) <= 5


def test_next_token_distribution_has_no_nan_at_extreme_temperatures() -> None:
    logits = torch.tensor([[1.0, 2.0, 3.0, -1.0]])
    for temperature in (1e-300, 1e-45, 1e-10):
        assert next_token_distribution(logits, temperature, banned_ids=[3]).tolist() == [[0.0, 0.0, 1.0, 0.0]]
    flat = next_token_distribution(logits, 1e300, banned_ids=[3])
    torch.testing.assert_close(flat, torch.tensor([[1 / 3, 1 / 3, 1 / 3, 0.0]]))


# -- checkpoints and devices, every task command ----------------------------------------------------------------

COMMANDS = {"sample": (sample, []), "score": (score, ["the cat"]), "tag": (tag, ["Harry"]),
            "classify": (classify, ["good food"]), "translate": (translate, ["1/2/99"])}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_checkpoint_paths_name_what_is_wrong(command: str, tmp_path, capsys, monkeypatch) -> None:
    entry, sentences = COMMANDS[command]
    folder = fails(entry, ["--ckpt", str(tmp_path), *sentences], capsys, monkeypatch)
    assert f"--ckpt {tmp_path}: is a folder, not a file" in folder
    missing = fails(entry, ["--ckpt", str(tmp_path / "nope.ckpt"), *sentences], capsys, monkeypatch)
    assert f"{tmp_path / 'nope.ckpt'}: no such checkpoint file" in missing
    empty = FIXTURES / "empty.ckpt"
    assert str(empty) in fails(entry, ["--ckpt", str(empty), *sentences], capsys, monkeypatch)
    assert str(FIXTURES / "truncated.ckpt") in fails(entry, ["--ckpt", str(FIXTURES / "truncated.ckpt"), *sentences],
                                                     capsys, monkeypatch)


@pytest.mark.parametrize("command,other", [("sample", "ner"), ("score", "sentiment"), ("tag", "lm"),
                                           ("classify", "seq2seq"), ("translate", "lm")])
def test_a_checkpoint_of_another_task_is_one_line_naming_it(ckpt, capsys, monkeypatch, command: str,
                                                            other: str) -> None:
    entry, sentences = COMMANDS[command]
    assert ckpt[other] in fails(entry, ["--ckpt", ckpt[other], *sentences], capsys, monkeypatch)


def test_devices_that_are_not_there_are_named() -> None:
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match="--device cuda:99: "):
        resolve_device("cuda:99")
    with pytest.raises(ConfigError, match="--device xyz: not a device"):
        resolve_device("xyz")


# -- sentences: arguments and stdin -------------------------------------------------------------------------------

READERS = {"tag": (tag, "ner", "sentence"), "classify": (classify, "sentiment", "text"),
           "translate": (translate, "seq2seq", "sentence")}


@pytest.mark.parametrize("command", sorted(READERS))
def test_an_empty_or_blank_argument_is_an_error_naming_it(ckpt, capsys, monkeypatch, command: str) -> None:
    entry, task, noun = READERS[command]
    assert f"{noun} argument 1 is empty: give some text to {command}" in fails(
        entry, ["--ckpt", ckpt[task], ""], capsys, monkeypatch)
    assert f"{noun} argument 2 is blank" in fails(entry, ["--ckpt", ckpt[task], "one", " \t"], capsys, monkeypatch)


def test_score_rejects_an_empty_argument_too(ckpt, capsys, monkeypatch) -> None:
    assert "sentence argument 1 is empty: give some text to score" in fails(score, ["--ckpt", ckpt["lm"], ""],
                                                                            capsys, monkeypatch)


@pytest.mark.parametrize("command", sorted(READERS))
@pytest.mark.parametrize("data,message", [
    (b"fine\nalso fine\nbut ca\xe9\n", "stdin, line 3: byte 0xe9 is not UTF-8 (column 7)"),
    (b"d\xc3\xa9j\xc3\xa0 \xff", "stdin, line 1: byte 0xff is not UTF-8 (column 6)"),  # "déjà " counts 5
    (b"Harry\x00Potter\n", "stdin, line 1: a NUL byte"),
    (b"", "no text to"),
    (b"  \n\n\t\n", "no text to"),
], ids=["latin1-line3", "after-utf8", "nul", "empty", "blank"])
def test_stdin_is_strict_utf8_and_not_empty(ckpt, capsys, monkeypatch, command: str, data: bytes,
                                            message: str) -> None:
    entry, task, _ = READERS[command]
    assert message in fails(entry, ["--ckpt", ckpt[task]], capsys, monkeypatch, stdin=data)


def test_stdin_lines_are_read_like_an_editor_shows_them(ckpt, capsys, monkeypatch) -> None:
    """A byte-order mark and CRLF line ends are accepted; a blank line gives a blank line."""
    code = run(translate, ["--ckpt", ckpt["seq2seq"], "--source"], capsys, monkeypatch,
               stdin=b"\xef\xbb\xbfthe 3rd of march 1998\r\n\r\n1/2/99\r\n")
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and [line.split("\t")[0] for line in lines] == ["the 3rd of march 1998", "", "1/2/99"]


def test_stdin_is_decoded_as_the_data_files_are(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfa\r\nb\n\nc")))
    assert read_stdin() == ["a", "b", "", "c"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x\n\xc3\xa9\xc3\xa9\x80")))
    with pytest.raises(DataError, match=r"^stdin, line 2: byte 0x80 is not UTF-8 \(column 3\)"):
        read_stdin()


# -- files given to the commands -----------------------------------------------------------------------------------


def test_folders_given_for_files_say_so(ckpt, capsys, monkeypatch) -> None:
    folder = str(FIXTURES / "a_folder")
    for entry, argv in ((score, ["--ckpt", ckpt["lm"], "--input", folder]),
                        (tag, ["--ckpt", ckpt["ner"], "--conll", "--input", folder]),
                        (classify, ["--ckpt", ckpt["sentiment"], "--output", folder]),
                        (neighbours, ["--vectors", folder, "king"]),
                        (neighbours, ["--ckpt", folder, "king"])):
        assert f"{folder}: is a folder, not a file" in fails(entry, argv, capsys, monkeypatch)


def test_tag_output_paths_are_checked_before_tagging(ckpt, tmp_path, capsys, monkeypatch) -> None:
    conll = str(FIXTURES / "tagged.conll")
    base = ["--ckpt", ckpt["ner"], "--conll", "--input", conll]
    assert "--output /proc/nope/x: cannot write the file, its folder /proc/nope does not exist" in fails(
        tag, [*base, "--output", "/proc/nope/x"], capsys, monkeypatch)
    assert "--output /proc/x: cannot write the file (" in fails(tag, [*base, "--output", "/proc/x"], capsys,
                                                                monkeypatch)
    assert f"--output {tmp_path}: is a folder, not a file" in fails(tag, [*base, "--output", str(tmp_path)], capsys,
                                                                    monkeypatch)
    assert "--input " + conll + ": give texts as arguments or with --input, not both" in fails(
        tag, [*base, "Harry"], capsys, monkeypatch)
    assert "--conll reads CoNLL columns from --input FILE or stdin, not sentence arguments ('Harry')" in fails(
        tag, ["--ckpt", ckpt["ner"], "--conll", "Harry"], capsys, monkeypatch)
    assert run(tag, [*base, "--output", str(tmp_path / "out.conll")], capsys, monkeypatch) == 0
    assert (tmp_path / "out.conll").read_text(encoding="utf-8").startswith("Harry B-PER ")


@pytest.mark.parametrize("arguments,message", [
    (["--length-penalty", "nan"], "--length-penalty nan: the length penalty α must be a finite number >= 0"),
    (["--length-penalty", "inf"], "--length-penalty inf: the length penalty α must be a finite number >= 0"),
    (["--length-penalty", "-1"], "--length-penalty -1.0: the length penalty α must be a finite number >= 0"),
    (["--beam", "0"], "--beam 0: the beam size must be at least 1"),
    (["--beam", "257"], "--beam 257: the beam size must be at most 256"),
    (["--max-length", "-1"], "--max-length -1: must be at least 1"),
    (["--max-length", "513"], "--max-length 513: must be at most 512 (this model's task.decoding.max_length_cap"),
    (["--attention-png", "/proc/nope"], "--attention-png /proc/nope: cannot create the folder"),
    (["--attention-png", str(FIXTURES / "sentences.txt")], "sentences.txt: is a file, not a folder"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_bad_translation_options_name_the_option(ckpt, capsys, monkeypatch, arguments: List[str],
                                                 message: str) -> None:
    assert message in fails(translate, ["--ckpt", ckpt["seq2seq"], *arguments, "1/2/99"], capsys, monkeypatch)


def test_neighbours_empty_and_missing_files(ckpt, tmp_path, capsys, monkeypatch) -> None:
    assert "empty.ckpt: not a checkpoint written by seqmodels (the file is empty)" in fails(
        neighbours, ["--ckpt", str(FIXTURES / "empty.ckpt"), "king"], capsys, monkeypatch)
    assert "empty.txt is empty" in fails(neighbours, ["--vectors", str(FIXTURES / "empty.txt"), "king"], capsys,
                                         monkeypatch)
    assert f"--vectors {tmp_path / 'nope.txt'}: no such vectors file" in fails(
        neighbours, ["--vectors", str(tmp_path / "nope.txt"), "king"], capsys, monkeypatch)
    assert "no word vocabulary found" in fails(neighbours, ["--ckpt", ckpt["seq2seq"], "the"], capsys, monkeypatch)


def test_neighbours_prints_nothing_for_an_unknown_word(ckpt, capsys, monkeypatch) -> None:
    code = run(neighbours, ["--vectors", ckpt["vectors"], "nosuchword"], capsys, monkeypatch)
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "the word 'nosuchword' is not in the vocabulary" in err


def test_a_closed_output_pipe_ends_the_command_quietly(ckpt, capsys, monkeypatch) -> None:
    def closed(*_: object, **__: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("os.dup2", lambda *_: None)  # keep pytest's own stdout
    monkeypatch.setattr("builtins.print", closed)
    assert run(sample, ["--ckpt", ckpt["lm"], "--max-length", "3"], capsys, monkeypatch) == 0


# -- beam search keeps the attention of each hypothesis -------------------------------------------------------------


def test_beam_search_of_width_one_keeps_greedy_attention() -> None:
    """The attention history is gathered by following the rows back; with k = 1 it must be greedy's."""
    torch.manual_seed(0)
    table = torch.randn(6, 6).log_softmax(dim=1)             # log P(next | previous token), 6 tokens
    weights = torch.softmax(torch.randn(6, 4), dim=1)          # α<t> over 4 source positions, by previous token

    def step(tokens: torch.Tensor, state: torch.Tensor):
        return table[tokens], state, weights[tokens]

    state = torch.zeros(2)
    greedy = greedy_search(step, state, 2, bos_id=0, eos_id=5, max_length=7)
    beam = beam_search(step, state, 2, bos_id=0, eos_id=5, max_length=7, beam_size=1)
    for ours, theirs in zip(beam, greedy):
        assert ours.tokens == theirs.tokens
        torch.testing.assert_close(ours.attention, theirs.attention)
