"""A corpus defined outside seqmodels, as a user would write one: importing this module registers it, so that a
config reaches it as ``data.corpus=tests.data.toy_corpus:echoes``."""

from __future__ import annotations

from typing import Any, List, Mapping

from seqmodels.data.corpora.corpus import LABELLED, GeneratedCorpus
from seqmodels.data.corpora.labelled_text import LabelledText
from seqmodels.data.corpora.registry import register_corpus

WORDS = ("red", "green", "blue")


def echoes(count: int, seed: int, options: Mapping[str, Any]) -> List[LabelledText]:
    """"red green blue" -> "blue": three words in turn, labelled with the last one."""
    return [LabelledText(" ".join(WORDS[(seed + i + j) % 3] for j in range(3)), WORDS[(seed + i + 2) % 3])
            for i in range(count)]


ECHOES = register_corpus(GeneratedCorpus("echoes", LABELLED, echoes, "echoes"))
