"""The option lists a user reads name exactly the configs there are: the comments of configs/train.yaml's defaults
(``- model: lstm  # rnn | gru | ...``) and the rows of README.md's table of config groups, each against the files
in ``configs/<group>/``. A config added or removed without its lists fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
LISTED_IN_TRAIN_YAML = ("model", "task", "trainer", "launcher", "logger", "debug")
LISTED_IN_README = ("task", "model", "trainer", "experiment", "hparams_search", "launcher", "logger", "debug")


def options(group: str) -> List[str]:
    """The options of a config group: the names of ``configs/<group>/*.yaml``, less a ``default.yaml`` that the
    others extend (``defaults: [default]``: trainer/cpu.yaml ...), which is their shared part, not a choice."""
    folder = CONFIGS / group
    extended = any(re.search(r"^\s*- default\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
                   for path in folder.glob("*.yaml"))
    return sorted(path.stem for path in folder.glob("*.yaml") if not (extended and path.stem == "default"))


def train_yaml_lists() -> Dict[str, List[str]]:
    """group -> the options its line of ``defaults:`` lists: the names joined by " | " in its comment."""
    lists = {}
    for line in (CONFIGS / "train.yaml").read_text(encoding="utf-8").splitlines():
        entry = re.match(r"\s*- (\w+): \S+\s+#(.*)", line)
        names = re.search(r"\w+(?: \| \w+)+", entry[2]) if entry else None
        if entry and names:
            lists[entry[1]] = names[0].split(" | ")
    return lists


def readme_lists() -> Dict[str, List[str]]:
    """group -> the options in backticks of its row (``| `model` | `rnn`, `gru` ... |``) in README.md's tables."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| `(\w+)` \| (.*?) \|", line)
        if row:
            rows[row[1]] = re.findall(r"`(\w+)`", row[2])
    return rows


@pytest.mark.parametrize("group", LISTED_IN_TRAIN_YAML)
def test_train_yaml_lists_every_option_of_the_group(group: str) -> None:
    listed = train_yaml_lists()
    assert group in listed, f"configs/train.yaml: no 'a | b | ...' list in the comment of '- {group}: ...'"
    assert sorted(listed[group]) == options(group)


@pytest.mark.parametrize("group", LISTED_IN_README)
def test_the_readme_table_lists_every_option_of_the_group(group: str) -> None:
    listed = readme_lists()
    assert group in listed, f"README.md: no table row | `{group}` | `option`, ... |"
    assert sorted(listed[group]) == options(group)
