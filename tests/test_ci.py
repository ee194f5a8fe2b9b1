"""What CI runs (.ci/run: README.md's install block, then its test block) lints as well as tests, with the ruff
that the ``test`` extra installs and the rules that pyproject.toml declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_block(marker: str) -> str:
    """The first fenced code block after ``marker`` in README.md, as .ci/run reads it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(re.escape(marker) + r"\s*```\w*\n(.*?)```", text, re.DOTALL)
    assert block, f"README.md: no fenced block after {marker}"
    return block[1].strip()


def test_the_test_command_lints_then_tests_in_one_line() -> None:
    command = readme_block("<!-- ci:test -->")
    assert "\n" not in command
    assert re.fullmatch(r"ruff check && python -m pytest\b.*", command)


def test_the_install_command_brings_ruff_and_pyproject_declares_the_rules() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert ".[test" in readme_block("<!-- ci:install -->")
    assert any(re.match(r"ruff\b", requirement) for requirement in project["project"]["optional-dependencies"]["test"])
    assert project["tool"]["ruff"]["lint"]["select"] == ["E", "F", "W", "I"]
    assert project["tool"]["ruff"]["line-length"] == 120
