"""Checkpoints the command-line tests share: one tiny trained model of each task, trained once a session."""

from __future__ import annotations

from typing import Dict

import pytest

from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, TINY_WORD2VEC, train

# the tagger writes BIOES, so that writing a file's IOB1 or IOB2 is a real conversion
COMMAND_TASKS = {"lm": (TINY, ["callbacks.ngram_baseline=null"]), "ner": (TINY_NER, ["data.scheme=bioes"]),
                 "sentiment": (TINY_SENTIMENT, []), "seq2seq": (TINY_SEQ2SEQ, []), "word2vec": (TINY_WORD2VEC, [])}


@pytest.fixture(scope="session")
def command_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """``last.ckpt`` of a tiny model of every task by its task name, and word2vec's ``vectors.txt`` as "vectors"."""
    paths = {}
    for name, (tiny, overrides) in COMMAND_TASKS.items():
        folder = tmp_path_factory.mktemp(name)
        train(folder, [*overrides, "test=false"], tiny=tiny)
        paths[name] = str(folder / "checkpoints" / "last.ckpt")
        if name == "word2vec":
            paths["vectors"] = str(folder / "vectors.txt")
    return paths
