"""The catalogue of bad input (``docs/bad-input/*.md``) as data: each table row is a command a user might type,
whether it must fail or be accepted, and what seqmodels answers. ``run_case`` runs one row in this process the
way a shell would run it — ``train.py`` through its Hydra main, the commands through their ``main`` — and
returns the exit status and everything printed."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

import pytest

from seqmodels import cli

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "bad-input"
FIXTURES = ROOT / "tests" / "fixtures" / "bad_input"
SCRIPTS = ("train.py", "eval.py")  # run through their Hydra main, in this process
COMMANDS = {f"seqmodels-{name}": f"seqmodels.cli.{name}" for name in cli.COMMANDS}
_ROW = re.compile(r"^\|\s*(?P<id>[a-z]+-\d+)\s*\|(?P<case>.*)\|\s*`(?P<command>.+)`\s*\|\s*(?P<exit>error|ok)\s*\|"
                  r"\s*`(?P<says>.+)`\s*\|\s*$")


@dataclass(frozen=True)
class Case:
    id: str
    case: str
    command: str
    exit: str   # "error": a non-zero exit, one line saying ``says``; "ok": exit 0, ``says`` printed somewhere
    says: str
    source: str  # the catalogue file and line


def read_catalogue(folder: Path = CATALOGUE) -> List[Case]:
    """Every row of every ``*.md`` table in ``folder``; a line that starts like a row but does not parse fails."""
    cases: List[Case] = []
    for path in sorted(folder.glob("*.md")):
        if path.name == "README.md":  # the index: its example row is not a case
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not re.match(r"^\|\s*[a-z]+-\d+\s*\|", line):
                continue
            match = _ROW.match(line)
            assert match, f"{path.name}, line {number}: a row must be | id | case | `command` | exit | `says` |"
            cases.append(Case(match["id"], match["case"].strip(), match["command"].replace("\\|", "|"),
                              match["exit"], match["says"].replace("\\|", "|"), f"{path.name}:{number}"))
    return cases


def expand(text: str, placeholders: Mapping[str, str], tmp: Path) -> str:
    """``{file:REL}`` -> tests/fixtures/bad_input/REL, ``{tmp}`` -> the case's folder, ``{name}`` -> placeholders."""
    text = re.sub(r"\{file:([^}]+)\}", lambda m: str(FIXTURES / m[1]), text)
    text = text.replace("{tmp}", str(tmp))
    return re.sub(r"\{([a-z0-9_]+)\}", lambda m: placeholders[m[1]], text)


def split_command(command: str) -> Tuple[Dict[str, str], List[str], Optional[str]]:
    """(environment settings, argv, stdin file) of a shell-like command line."""
    words = shlex.split(command)
    environment: Dict[str, str] = {}
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        name, value = words.pop(0).split("=", 1)
        environment[name] = value
    stdin = None
    if len(words) >= 2 and words[-2] == "<":
        stdin = words.pop()
        words.pop()
    return environment, words, stdin


def _script(filename: str) -> ModuleType:
    """A script of the repository root (``SCRIPTS``) as a module (loaded once), so that its Hydra main finds
    configs/ beside it."""
    name = f"seqmodels_script_{Path(filename).stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / filename)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        # Hydra looks for configs/ beside the file of a task function run as a script (module "__main__")
        module.main.__wrapped__.__module__ = "__main__"
    return sys.modules[name]


@contextlib.contextmanager
def _stdin(path: Optional[str]) -> Iterator[None]:
    data = Path(path).read_bytes() if path else b""
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = saved


def run_case(argv: List[str], stdin: Optional[str], monkeypatch: pytest.MonkeyPatch,
             capfd: pytest.CaptureFixture[str]) -> Tuple[int, str, str]:
    """(exit status, stdout, stderr + the warnings raised) of ``argv`` run in this process."""
    from hydra.core.global_hydra import GlobalHydra

    from seqmodels.run_folder import forget_run_folders

    program, arguments = argv[0], argv[1:]
    status = 0
    with warnings.catch_warnings(record=True) as caught, _stdin(stdin):
        warnings.simplefilter("always")
        try:
            if program in SCRIPTS:
                GlobalHydra.instance().clear()
                forget_run_folders()
                monkeypatch.setattr(sys, "argv", [program, *arguments])
                _script(program).main()
            else:
                importlib.import_module(COMMANDS[program]).main(arguments)
        except SystemExit as exit_:
            code = exit_.code
            if isinstance(code, str):  # sys.exit("error: ...") prints the message and exits 1
                print(code, file=sys.stderr)
                status = 1
            else:
                status = int(code or 0)
    out, err = capfd.readouterr()
    return status, out, err + "".join(f"\n{w.category.__name__}: {w.message}" for w in caught)
