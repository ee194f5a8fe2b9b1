"""Entity-level (span) precision, recall and F1, as conlleval and seqeval's default mode compute them.

A predicted entity counts as correct only when its type, first token and last token all equal those
of a gold entity. Entities are read from tag sequences by :func:`seqmodels.data.encoding.tag_schemes.spans`,
which understands IOB1, IOB2 and BIOES alike.

    precision = correct / predicted,   recall = correct / gold,   F1 = 2·P·R / (P + R)

"micro" scores pool the counts of all types; per-type scores use that type's counts; 0 where the
denominator is 0.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Union

import torch
from torch import Tensor
from torchmetrics import Metric

from seqmodels.data.encoding.tag_schemes import spans
from seqmodels.errors import DataError


def _ratio(numerator: Tensor, denominator: Tensor) -> Tensor:
    numerator, denominator = numerator.to(torch.float64), denominator.to(torch.float64)
    return torch.where(denominator > 0, numerator / denominator.clamp(min=1), torch.zeros_like(numerator))


def _f1(precision: Tensor, recall: Tensor) -> Tensor:
    total = precision + recall
    return torch.where(total > 0, 2 * precision * recall / torch.where(total > 0, total, 1.0), torch.zeros_like(total))


class SpanF1(Metric):
    """``update(predictions, targets)`` with lists of tag sequences; ``compute()`` -> dict of scores.

    Keys: ``precision``, ``recall``, ``f1`` (micro, fractions in 0..1) and ``precision/<TYPE>``,
    ``recall/<TYPE>``, ``f1/<TYPE>`` for every type in ``entity_types``. The states are per-type counts
    (``true_positives``, ``predicted``, ``gold``) summed across processes.
    """

    full_state_update = False
    higher_is_better = True
    is_differentiable = False

    def __init__(self, entity_types: Sequence[str]) -> None:
        super().__init__()
        types = list(entity_types)
        if not types or len(set(types)) != len(types) or not all(isinstance(t, str) and t for t in types):
            raise ValueError(f"SpanF1: entity_types must be distinct non-empty strings, got {types!r}")
        self.entity_types = types
        self._index = {name: i for i, name in enumerate(types)}
        for name in ("true_positives", "predicted", "gold"):
            self.add_state(name, default=torch.zeros(len(types), dtype=torch.long), dist_reduce_fx="sum")

    def _count(self, entities: Sequence[tuple], counts: List[int], sentence: int, side: str) -> None:
        for type_, _, _ in entities:
            if type_ not in self._index:
                raise DataError(f"SpanF1: {side} sentence {sentence} has entity type {type_!r}, "
                                f"which is not one of entity_types {self.entity_types!r}")
            counts[self._index[type_]] += 1

    def update(self, predictions: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> None:
        """Add a batch: ``predictions[k]`` and ``targets[k]`` are the tags of sentence ``k`` (same length)."""
        if len(predictions) != len(targets):
            raise ValueError(f"SpanF1.update: {len(predictions)} predicted sentences but {len(targets)} targets")
        size = len(self.entity_types)
        true_positives, predicted, gold = [0] * size, [0] * size, [0] * size
        for k, (predicted_tags, gold_tags) in enumerate(zip(predictions, targets)):
            if len(predicted_tags) != len(gold_tags):
                raise ValueError(f"SpanF1.update: sentence {k} has {len(predicted_tags)} predicted tags "
                                 f"but {len(gold_tags)} target tags")
            predicted_spans, gold_spans = spans(predicted_tags), spans(gold_tags)
            self._count(predicted_spans, predicted, k, "predicted")
            self._count(gold_spans, gold, k, "target")
            self._count(set(predicted_spans) & set(gold_spans), true_positives, k, "predicted")
        device = self.gold.device
        self.true_positives += torch.tensor(true_positives, dtype=torch.long, device=device)
        self.predicted += torch.tensor(predicted, dtype=torch.long, device=device)
        self.gold += torch.tensor(gold, dtype=torch.long, device=device)

    def compute(self) -> Dict[str, Tensor]:
        """Micro and per-type precision, recall and F1 as float32 scalars."""
        precision = _ratio(self.true_positives.sum(), self.predicted.sum())
        recall = _ratio(self.true_positives.sum(), self.gold.sum())
        scores = {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}
        type_precision = _ratio(self.true_positives, self.predicted)
        type_recall = _ratio(self.true_positives, self.gold)
        type_f1 = _f1(type_precision, type_recall)
        for i, name in enumerate(self.entity_types):
            scores[f"precision/{name}"] = type_precision[i]
            scores[f"recall/{name}"] = type_recall[i]
            scores[f"f1/{name}"] = type_f1[i]
        return {key: value.to(torch.float32) for key, value in scores.items()}


def format_table(scores: Mapping[str, Union[float, Tensor]]) -> str:
    """A Markdown table of :meth:`SpanF1.compute`'s scores (for TensorBoard's text tab).

    One row per type found as ``f1/<TYPE>`` (in the mapping's order), then a ``micro`` row from the
    ``precision``/``recall``/``f1`` keys when present. A Support column is added when the mapping also
    holds ``support/<TYPE>`` entries (e.g. from ``SpanF1.gold``). Scores are fractions, 4 decimals.
    """

    def value(key: str) -> str:
        if key not in scores:
            return ""
        number = float(scores[key])
        return str(int(number)) if key.startswith("support") else f"{number:.4f}"

    types = [key[len("f1/"):] for key in scores if key.startswith("f1/")]
    with_support = any(key.startswith("support/") for key in scores)
    header = ["Type", "Precision", "Recall", "F1"] + (["Support"] if with_support else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    rows = [(name.replace("|", "\\|"), f"/{name}") for name in types]
    if "f1" in scores:
        rows.append(("**micro**", ""))
    for label, suffix in rows:
        cells = [label, value("precision" + suffix), value("recall" + suffix), value("f1" + suffix)]
        if with_support:
            cells.append(value("support" + suffix))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
