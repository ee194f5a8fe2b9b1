"""Line-aligned input and output, the same for every command that reads texts (sample, score, tag, classify,
translate, neighbours).

The texts come from the arguments, from ``--input FILE`` (``-``: stdin) or, with neither, from stdin; all are
read as strict UTF-8. Output line ``i`` answers input line ``i``: a blank line in gives a blank line out, so
``paste input.txt output.txt`` lines them up. Results are plain text (scores only on request) and are written
to ``--output FILE`` (default stdout) a batch at a time, as soon as ``--batch-size`` inputs have run through the
model together, so an interrupted run keeps what it finished; a progress bar counts the lines on stderr when
stderr is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, List, Sequence, TextIO

from tqdm import tqdm

from seqmodels.cli.common import input_file, output_file, read_stdin, require_int, write_failed
from seqmodels.errors import ConfigError, DataError
from seqmodels.text_files import read_lines

DEFAULT_BATCH_SIZE = 64
MAX_BATCH_SIZE = 65_536

Predict = Callable[[List[str]], List[str]]  # non-blank input lines -> one output line each


@dataclass(frozen=True)
class Inputs:
    """The input lines and where they came from (``source`` names them in messages: ``--input a.txt``,
    ``stdin``, ``the arguments``)."""

    lines: List[str]
    source: str


def add_line_arguments(parser: argparse.ArgumentParser, noun: str, positional: bool = True) -> None:
    """``[TEXTS ...]`` (when ``positional``; named after ``noun``), ``--input``, ``--output`` and
    ``--batch-size``: the options every text-reading command has, with the same meaning and help."""
    if positional:
        parser.add_argument("texts", nargs="*", metavar=noun.upper(),
                            help=f"{noun}s to read (default: --input, else one {noun} a line from stdin)")
    else:
        parser.set_defaults(texts=[])
    parser.add_argument("--input", "-i", metavar="FILE",
                        help=f"read one {noun} a line from FILE, UTF-8 ('-': stdin); output line i answers line i")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the results to FILE, one line per input line (default: stdout)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                        help=f"inputs run through the model together (default: {DEFAULT_BATCH_SIZE})")


def check_line_arguments(arguments: argparse.Namespace) -> None:
    """ConfigError for a batch size out of range or texts given twice; DataError for an ``--input`` or
    ``--output`` path that cannot be used. Called before the model is loaded."""
    require_int("--batch-size", arguments.batch_size, 1, MAX_BATCH_SIZE, why="a batch is held in memory at once")
    if arguments.input and arguments.texts:
        raise ConfigError(f"--input {arguments.input}: give texts as arguments or with --input, not both")
    if arguments.input and arguments.input != "-":
        input_file("--input", arguments.input)
    if arguments.output:
        output_file("--output", arguments.output)


def read_inputs(arguments: argparse.Namespace, verb: str, noun: str) -> Inputs:
    """The input lines: the arguments (none may be blank), else ``--input FILE``, else stdin.

    Raises:
        ConfigError: an argument is empty or blank.
        DataError: the file or stdin is not UTF-8, or holds no text at all.
    """
    texts: List[str] = arguments.texts
    for number, text in enumerate(texts, 1):
        if not text.strip():
            raise ConfigError(f"{noun} argument {number} is {'blank' if text else 'empty'}: give some text to "
                              f"{verb}, or no {noun} argument at all to read one {noun} a line from stdin")
    if texts:
        return Inputs(texts, "the arguments")
    if arguments.input and arguments.input != "-":
        return Inputs(read_lines(arguments.input), f"--input {arguments.input}")
    lines = read_stdin()
    if not any(line.strip() for line in lines):
        raise DataError(f"stdin: no text to {verb} (it is empty or blank); give {noun}s as arguments, with "
                        f"--input FILE or one a line on stdin")
    return Inputs(lines, "stdin")


def batches(lines: Sequence[str], batch_size: int) -> Iterator[List[int]]:
    """Consecutive runs of line indexes, each holding ``batch_size`` non-blank lines (the last may hold fewer),
    together covering every line in order; blank lines ride along with the batch they fall in."""
    run: List[int] = []
    filled = 0
    for index, line in enumerate(lines):
        run.append(index)
        filled += bool(line.strip())
        if filled == batch_size:
            yield run
            run, filled = [], 0
    if run:
        yield run


def answer_lines(inputs: Inputs, predict: Predict, batch_size: int, multiline: bool = False) -> Iterator[str]:
    """One output line per input line, ``predict`` called on ``batch_size`` non-blank lines at a time; a blank
    input line gives ``""``. Unless ``multiline`` (output for reading, such as attention matrices under each
    line), an answer holding a line break is an error: it would shift every later line."""
    for run in batches(inputs.lines, batch_size):
        texts = [inputs.lines[i] for i in run if inputs.lines[i].strip()]
        answers = iter(predict(texts) if texts else [])
        for index in run:
            answer = next(answers) if inputs.lines[index].strip() else ""
            if not multiline and ("\n" in answer or "\r" in answer):
                raise DataError(f"{inputs.source}: the answer to line {index + 1} spans several lines; it cannot be "
                                "written line-aligned")
            yield answer


@contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    """``path`` opened for writing (UTF-8, ``\\n`` line ends), or stdout; a failed write names the file."""
    if not path:
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
    except OSError as error:
        raise write_failed("--output", path, error) from None


def progress_bar(total: int, unit: str, prog: str) -> tqdm:
    """A progress bar counting ``total`` items (``unit`` names them) on stderr, shown only when stderr is a terminal."""
    return tqdm(total=total, unit=unit, desc=prog, file=sys.stderr, disable=not sys.stderr.isatty())


def write_answers(arguments: argparse.Namespace, inputs: Inputs, predict: Predict, prog: str,
                  multiline: bool = False) -> None:
    """Write :func:`answer_lines` to ``--output`` (or stdout), each line flushed as it comes, with a progress bar
    of the input lines on stderr when it is a terminal."""
    with output_stream(arguments.output) as stream, progress_bar(len(inputs.lines), "line", prog) as progress:
        for answer in answer_lines(inputs, predict, arguments.batch_size, multiline):
            stream.write(answer + "\n")
            stream.flush()
            progress.update(1)
