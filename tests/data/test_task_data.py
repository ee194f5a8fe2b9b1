"""The contract every DataModule keeps with train.py (seqmodels.data.modules.base.TaskData), checked on every
config of configs/data that needs no downloaded corpus: what it saves restores the same encoding, and what it
writes beside the checkpoints is JSON."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from seqmodels.data.modules.base import TaskData
from tests.app.hydra_helpers import CONFIGS

SMALL = {"train": 40, "valid": 10, "test": 10}
# the configs/data files that read nothing from paths.data_dir, at sizes that set up in a moment
OFFLINE: Dict[str, Dict[str, Any]] = {
    "pydoc_chars": {"data_dir": None},
    "word2vec_pydoc": {"data_dir": None},
    "glove_pydoc": {"data_dir": None},
    "names": {"num_sentences": SMALL},
    "reviews": {"num_examples": SMALL},
    "agreement": {"num_examples": SMALL, "distance": 3},
    "dates": {"num_examples": SMALL},
    "adding": {"num_examples": SMALL, "length": 6},
    "copy_memory": {"num_examples": SMALL, "length": 6},
}


def _build(name: str) -> TaskData:
    config = OmegaConf.merge(OmegaConf.load(CONFIGS / "data" / f"{name}.yaml"), OFFLINE[name])
    return instantiate(config, _convert_="all")


@pytest.mark.parametrize("name", sorted(OFFLINE))
def test_the_saved_encoding_restores_the_same_task_arguments(name: str) -> None:
    trained = _build(name)
    assert isinstance(trained, TaskData)
    trained.setup("fit")
    arguments = trained.task_arguments()
    resumed = _build(name)
    resumed.restore_encoding(arguments[resumed.encoding_hparam])  # what train.py does with a checkpoint
    resumed.setup("fit")
    assert resumed.task_arguments() == arguments and resumed.has_test


@pytest.mark.parametrize("name", sorted(OFFLINE))
def test_the_encoding_files_are_json(name: str) -> None:
    data = _build(name)
    data.setup("fit")
    files = data.encoding_files()
    assert json.loads(json.dumps(files)) == files
    assert all(isinstance(value, (dict, list)) for value in files.values())
