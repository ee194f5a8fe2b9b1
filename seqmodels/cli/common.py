"""What the command-line entries share: checking their options, loading a trained task, reading sentences
from the arguments or from stdin, and reporting user errors as one line (exit code 2) rather than a traceback.

Every check names the option (``-n 0: must be at least 1``), the file (``--conll data/: is a folder, not a
file``) or the line (``stdin: line 3 is not UTF-8 (byte 0xff at column 5)``) and says what to do.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Callable, List, Optional, TypeVar, Union

import torch

from seqmodels.errors import ConfigError, DataError, SeqmodelsError
from seqmodels.text_files import check_not_folder, decode_text, split_lines

TaskT = TypeVar("TaskT")


def add_checkpoint_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt", required=True, metavar="PATH",
                        help="a checkpoint written by train.py, e.g. logs/lm/runs/<date>/checkpoints/last.ckpt")
    parser.add_argument("--device", default="cpu", help="where to run the model (cpu, cuda, cuda:N, mps)")


def run_command(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser,
                argv: Optional[List[str]] = None) -> None:
    """Parse ``argv`` and call ``main``. A SeqmodelsError, or running out of memory, ends the program with one
    line ``<prog>: error: <message>`` and exit code 2; a closed output pipe (``... | head -1``) ends it quietly."""
    arguments = parser.parse_args(argv)
    try:
        main(arguments)
    except SeqmodelsError as error:
        fail(parser.prog, str(error))
    except torch.OutOfMemoryError as error:
        fail(parser.prog, f"out of memory ({first_line(error)}); give shorter or fewer inputs, or another "
                          "--device")
    except BrokenPipeError:
        # the reader went away (e.g. `| head -1`): stop quietly, and keep Python from complaining at exit
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is no file (e.g. captured in-process): nothing is left to flush
            pass
        raise SystemExit(0) from None


def fail(prog: str, message: str) -> None:
    """Print ``<prog>: error: <message>`` on one line of stderr and exit with code 2."""
    print(f"{prog}: error: {' '.join(message.split())}", file=sys.stderr)
    raise SystemExit(2)


def warn(prog: str, message: str) -> None:
    """Print ``<prog>: warning: <message>`` on one line of stderr (the command goes on)."""
    print(f"{prog}: warning: {message}", file=sys.stderr)


def first_line(error: BaseException) -> str:
    """The first non-blank line of ``str(error)``, or the error's type name when it has no message."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[0].strip() if lines else type(error).__name__


# -- option values -----------------------------------------------------------------------------------------


def require_int(option: str, value: Optional[int], minimum: int, maximum: Optional[int] = None,
                what: str = "", why: str = "") -> None:
    """ConfigError ``<option> <value>: [what ]must be at least <minimum>`` (or at most ``maximum``, with ``why``);
    ``None`` (the option left out) passes."""
    if value is None:
        return
    if value < minimum:
        raise ConfigError(f"{option} {value}: {what}must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{option} {value}: {what}must be at most {maximum:,}{f' ({why})' if why else ''}")


def require_finite(option: str, value: Optional[float], minimum: float = 0.0, rule: str = "") -> None:
    """ConfigError when ``value`` is NaN, infinite or below ``minimum``; ``rule`` (default: "must be a finite
    number >= <minimum>") follows ``<option> <value>:`` in the message. ``None`` passes."""
    if value is None or (math.isfinite(value) and value >= minimum):
        return
    raise ConfigError(f"{option} {value}: {rule or f'must be a finite number >= {minimum:g}'}")


def resolve_device(name: str) -> str:
    """``name`` when a model can run there; ConfigError naming ``--device`` otherwise (an unknown device type,
    CUDA or MPS where there is none, a GPU index past the last one)."""
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ConfigError(f"--device {name}: not a device; use cpu, cuda, cuda:N (a GPU's index) or mps") from None
    if device.type == "cpu":
        return name
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ConfigError(f"--device {name}: no CUDA GPU is visible here; use --device cpu")
        if device.index is not None and device.index >= count:
            raise ConfigError(f"--device {name}: there {'is' if count == 1 else 'are'} {count} CUDA GPU"
                              f"{'' if count == 1 else 's'} here (cuda:0..cuda:{count - 1})")
        return name
    if device.type == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError(f"--device {name}: MPS (Apple GPU) is not available here; use --device cpu")
        return name
    raise ConfigError(f"--device {name}: the commands run on cpu, cuda, cuda:N or mps, not on {device.type}")


# -- files ------------------------------------------------------------------------------------------------------


def input_file(option: str, path: Union[str, Path], kind: str = "file") -> Path:
    """``path`` when it is a readable regular file; else DataError ``<option> <path>: ...`` saying why
    (a folder, missing, not a regular file). ``kind`` names what is expected ("checkpoint file", ...)."""
    check_not_folder(path, option)
    path = Path(path)
    if not path.exists():
        raise DataError(f"{option} {path}: no such {kind}")
    if not path.is_file():
        raise DataError(f"{option} {path}: not a regular file; give the path of a {kind}")
    return path


def output_file(option: str, path: Union[str, Path]) -> Path:
    """``path`` when a file can be written there: not a folder, and its folder exists (checked before any work
    is done, so a typo does not cost a whole run)."""
    path = Path(path)
    check_not_folder(path, option)
    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"{option} {path}: cannot write the file, its folder {folder} does not exist; "
                        "create it first or give another path")
    return path


def output_folder(option: str, path: Union[str, Path]) -> Path:
    """``path`` as a folder, created (with its parents) when missing; DataError naming it when it cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DataError(f"{option} {path}: is a file, not a folder; give a folder to write into")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"{option} {path}: cannot create the folder ({error.strerror or first_line(error)}); "
                        "give a folder you can write to") from None
    return path


def write_failed(option: str, path: Union[str, Path], error: OSError) -> DataError:
    """The DataError for a write to ``path`` that failed with ``error`` (disk full, permission, ...)."""
    return DataError(f"{option} {path}: cannot write the file ({error.strerror or first_line(error)})")


# -- loading a task -------------------------------------------------------------------------------------------


def load_task(task_class: Callable[..., TaskT], arguments: argparse.Namespace) -> TaskT:
    """``task_class.load(--ckpt, map_location=--device)``, with the path and the device checked first so
    that a folder, a missing file or a device that is not there is named as such."""
    device = resolve_device(arguments.device)
    path = input_file("--ckpt", arguments.ckpt, "checkpoint file")
    return task_class.load(path, map_location=device)  # type: ignore[attr-defined]


# -- sentences --------------------------------------------------------------------------------------------------


def read_stdin() -> List[str]:
    """The lines of stdin, read as bytes (``sys.stdin.buffer``) and decoded strictly, as the data files are
    (:func:`~seqmodels.text_files.decode_text`: a byte-order mark dropped, ``\r\n`` read as ``\n``, a byte
    that is not UTF-8 or a NUL byte named by line)."""
    return split_lines(decode_text(sys.stdin.buffer.read(), "stdin"))
