"""The standard evaluations of a task's word vectors after training (:mod:`seqmodels.word_evaluations`): Google's
analogies, WordSim-353 and SimLex-999, logged as ``vectors/analogy_accuracy``, ``vectors/analogy_coverage``,
``vectors/wordsim353_spearman``, ``vectors/simlex999_spearman`` (TensorBoard's SCALARS tab, ``metrics.json``, the
summary printed at the end).

The files come from the paths given, else from an installed gensim's wheel. They are read when fitting starts, so a
missing or malformed file given by path stops the run before any training; without gensim and without paths the
evaluations are skipped with one line saying how to get them.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional

import pytorch_lightning as pl
from pytorch_lightning.utilities import rank_zero_info, rank_zero_only

from seqmodels.callbacks.results import ResultsCallback
from seqmodels.errors import DataError
from seqmodels.similarity import WordVectors
from seqmodels.tasks.base import SequenceTask
from seqmodels.word_evaluations import (
    ANALOGIES,
    RESTRICT_VOCAB,
    SIMLEX,
    WORDSIM,
    Pair,
    Section,
    evaluate_analogies,
    evaluate_word_pairs,
    evaluation_file,
    read_analogies,
    read_word_pairs,
)

OPTION = "callbacks.word_vector_evaluations"
PAIR_SETS = (("wordsim", WORDSIM, "wordsim353"), ("simlex", SIMLEX, "simlex999"))  # option, file, metric name


class WordVectorEvaluations(ResultsCallback):
    """Evaluates ``pl_module.word_embedding()`` (its rows named by ``embedding_words()``) when training ends.

    Args:
        analogies, wordsim, simlex: the paths of questions-words.txt, wordsim353.tsv and simlex999.txt (None:
            gensim's copies).
        restrict_vocab: analogy answers and known words among the first (most frequent) words only, as gensim.
    """

    def __init__(self, analogies: Optional[str] = None, wordsim: Optional[str] = None, simlex: Optional[str] = None,
                 restrict_vocab: int = RESTRICT_VOCAB) -> None:
        super().__init__()
        self.paths = {"analogies": analogies, "wordsim": wordsim, "simlex": simlex}
        self.restrict_vocab = restrict_vocab
        self.sections: List[Section] = []
        self.pairs: Dict[str, List[Pair]] = {}

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Read the files: DataError for a path given that cannot be read; without gensim and paths, skip."""
        try:
            files = {key: evaluation_file(name, self.paths[key], f"{OPTION}.{key}")
                     for key, name in (("analogies", ANALOGIES), *((key, name) for key, name, _ in PAIR_SETS))}
        except DataError:
            if any(self.paths.values()):
                raise
            rank_zero_info("word-vector evaluations skipped: pip install gensim (its wheel has the files) or give "
                           f"{OPTION}.analogies/wordsim/simlex=PATH")
            return
        self.sections = read_analogies(files["analogies"])
        self.pairs = {key: read_word_pairs(files[key]) for key, _, _ in PAIR_SETS}

    @rank_zero_only
    def on_train_end(self, trainer: pl.Trainer, pl_module: SequenceTask) -> None:  # type: ignore[override]
        words = pl_module.embedding_words()
        if not words or not self.sections:
            return
        vectors = WordVectors(words, pl_module.word_embedding().weight.detach().float().cpu())
        scores = self.evaluate(vectors)
        rank_zero_info("word vectors: " + ", ".join(f"{name} {value:.4f}" for name, value in scores.items()))
        self.results.update({name: value for name, value in scores.items() if math.isfinite(value)})
        for logger in trainer.loggers:
            logger.log_metrics(self.results, step=trainer.global_step)

    def evaluate(self, vectors: WordVectors) -> Dict[str, float]:
        """The four numbers for ``vectors``: analogy accuracy (of the covered questions) and coverage, and the two
        Spearman correlations; NaN where nothing is known (no question covered, fewer than two pairs): those are
        printed but not logged."""
        total = evaluate_analogies(vectors, self.sections, self.restrict_vocab).total
        scores = {"vectors/analogy_accuracy": total.accuracy, "vectors/analogy_coverage": total.coverage}
        for key, _, name in PAIR_SETS:
            scores[f"vectors/{name}_spearman"] = evaluate_word_pairs(vectors, self.pairs[key],
                                                                     self.restrict_vocab).spearman
        return scores
