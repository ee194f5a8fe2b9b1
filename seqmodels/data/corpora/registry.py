"""The corpus registry: ``data.corpus=<name>`` (``data.problem=<name>`` for the memory problems) finds its
corpus here, among the corpora of the kind the DataModule reads.

The built-in corpora are in :mod:`seqmodels.data.corpora.builtin`; a new one is one call in a module of yours,
say ``my_corpora.py``::

    register_corpus(GeneratedCorpus("echoes", LABELLED, make_echoes, "echoes"))

after which ``python train.py task=sentiment data.corpus=my_corpora:echoes`` imports ``my_corpora`` and reads the
corpus (``data.corpus=echoes`` once the module is imported). Names are unique within a kind; kinds may share a
name (every kind has its ``files``).
"""

from __future__ import annotations

import importlib
from typing import Dict, List, Tuple

from seqmodels.data.corpora.builtin import BUILTIN
from seqmodels.data.corpora.corpus import Corpus
from seqmodels.errors import ConfigError

CORPORA: Dict[Tuple[str, str], Corpus] = {(corpus.kind, corpus.name): corpus for corpus in BUILTIN}


def register_corpus(corpus: Corpus) -> Corpus:
    """Make ``corpus`` reachable by its name from every DataModule that reads its kind; returns it. A name
    the kind already has is a ``ConfigError`` (a corpus is never replaced behind a config's back)."""
    key = (corpus.kind, corpus.name)
    if key in CORPORA:
        raise ConfigError(f"a corpus of {corpus.kind} named {corpus.name!r} is already registered")
    CORPORA[key] = corpus
    return corpus


def corpus_names(kind: str) -> List[str]:
    """The names of the corpora of ``kind``, in the order they were registered."""
    return [name for corpus_kind, name in CORPORA if corpus_kind == kind]


def find_corpus(name: str, kind: str, option: str = "corpus") -> Corpus:
    """The corpus of ``kind`` named ``name``, or, for ``"<module>:<name>"``, named ``name`` once ``module`` (which
    registers it) is imported; a ``ConfigError`` naming ``data.<option>`` lists the known ones (and says which kind
    holds ``name`` when another kind does)."""
    if isinstance(name, str) and ":" in name:
        module, name = name.split(":", 1)
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigError(f"data.{option}={module}:{name}: cannot import {module} ({error})") from None
    if isinstance(name, str) and (kind, name) in CORPORA:
        return CORPORA[(kind, name)]
    elsewhere = [corpus_kind for corpus_kind, corpus_name in CORPORA if corpus_name == name]
    hint = f" ({name!r} holds {elsewhere[0]}, not {kind})" if elsewhere else ""
    raise ConfigError(f"data.{option}={name!r} is not a {option} seqmodels knows; choose one of "
                      f"{corpus_names(kind)}{hint}")
