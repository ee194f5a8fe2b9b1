"""Metrics as torchmetrics ``Metric`` objects (summed states, so they reduce across processes)."""

from seqmodels.metrics.perplexity import Perplexity

__all__ = ["Perplexity"]
