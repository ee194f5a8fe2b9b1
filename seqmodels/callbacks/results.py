"""``ResultsCallback``: a callback whose numbers belong in the run's results (``metrics.json``, the value a sweep
reads, the summary printed at the end) besides the task's logged metrics."""

from __future__ import annotations

from typing import Dict

import pytorch_lightning as pl


class ResultsCallback(pl.Callback):
    """A callback that reports ``results`` (metric name -> value); ``seqmodels.train.run`` adds them to what it
    returns after training and testing."""

    def __init__(self) -> None:
        self.results: Dict[str, float] = {}
