"""The ``seqmodels`` command: ``seqmodels COMMAND ARGS`` is the command's own ``main(ARGS)`` (``seqmodels-COMMAND
ARGS``), ``--help`` lists the six commands, and every console script of pyproject.toml names a function."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import pytest

from seqmodels import cli

ROOT = Path(__file__).resolve().parents[1]


def exit_code(run: Callable[[], None]) -> int:
    with pytest.raises(SystemExit) as done:
        run()
    return int(done.value.code or 0)


def test_help_lists_every_command_with_the_first_line_of_its_docstring(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(lambda: cli.main(["--help"])) == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    for name in cli.COMMANDS:
        summary = " ".join(cli.command_module(name).__doc__.strip().split("\n")[0].split())
        assert f"{name} {summary}" in shown


@pytest.mark.parametrize("name", cli.COMMANDS)
def test_a_subcommand_is_the_command_itself(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown: List[str] = []
    for run in (lambda: cli.main([name, "--help"]), lambda: cli.command_module(name).main(["--help"])):
        assert exit_code(run) == 0
        shown.append(capsys.readouterr().out)
    assert shown[0] == shown[1] and shown[0].startswith(f"usage: seqmodels {name} ")


def test_a_subcommand_passes_its_arguments_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vectors = tmp_path / "nope.txt"
    assert exit_code(lambda: cli.main(["neighbours", "--vectors", str(vectors), "kingg"])) == 2
    err = capsys.readouterr().err
    assert err == f"seqmodels neighbours: error: --vectors {vectors}: no such vectors file\n"


@pytest.mark.parametrize("argv", [[], ["tagg"], ["--ckpt", "x.ckpt"]])
def test_no_command_or_an_unknown_one_is_an_error_naming_the_commands(argv: List[str],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(lambda: cli.main(argv)) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("seqmodels: error: ") and "COMMAND" in error


def test_every_console_script_names_a_command_main() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"seqmodels": "seqmodels.cli:main",
                       **{f"seqmodels-{name}": f"seqmodels.cli.{name}:main" for name in cli.COMMANDS}}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function))


def test_python_dash_m_seqmodels_is_the_seqmodels_command() -> None:
    shown = subprocess.run([sys.executable, "-m", "seqmodels", "--help"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0 and shown.stdout.startswith("usage: seqmodels ")
