"""seqmodels: recurrent sequence models (RNN, GRU, LSTM) in PyTorch.

``seqmodels.load(path)`` returns the trained task in any checkpoint ``train.py`` wrote (a TaggingTask, a
LanguageModelTask, ... or a user's own task). The public names below are imported on first use, so that
``import seqmodels`` stays light (no torch until one is used): the tasks, the recurrent layer and its cells with
the registries that extend them (``register_cell``, ``register_task``, ``register_corpus``; docs/ARCHITECTURE.md),
word vectors, and the errors.
"""

from importlib import import_module
from typing import Any, List

__version__ = "0.1.0"

_PUBLIC = {  # name -> the module that defines it
    "load": "seqmodels.tasks.registry",
    "SequenceTask": "seqmodels.tasks.base",
    "ClassificationTask": "seqmodels.tasks.classification",
    "GloVeTask": "seqmodels.tasks.glove",
    "LanguageModelTask": "seqmodels.tasks.language_modeling",
    "MemoryProblemTask": "seqmodels.tasks.memory_problem",
    "TaggingTask": "seqmodels.tasks.tagging",
    "TranslationTask": "seqmodels.tasks.translation",
    "Word2VecTask": "seqmodels.tasks.word2vec",
    "register_task": "seqmodels.tasks.registry",
    "RecurrentCell": "seqmodels.nn.recurrent_cell",
    "Recurrent": "seqmodels.nn.recurrent",
    "RecurrentOptions": "seqmodels.nn.recurrent_options",
    "register_cell": "seqmodels.nn.cell_registry",
    "register_corpus": "seqmodels.data.corpora.registry",
    "WordVectors": "seqmodels.similarity",
    "SeqmodelsError": "seqmodels.errors",
    "ConfigError": "seqmodels.errors",
    "DataError": "seqmodels.errors",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """``seqmodels.<name>`` for the public names, imported from their module on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'seqmodels' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> List[str]:
    return sorted({*globals(), *_PUBLIC})
