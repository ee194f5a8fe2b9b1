import random
import warnings

import pytest
import torch

from seqmodels.data.encoding.tag_schemes import from_spans, spans
from seqmodels.errors import DataError
from seqmodels.metrics.span_f1 import SpanF1, format_table

# Hand-worked example (IOB2), spans as (type, start, end exclusive):
#   sentence 0  gold PER(0,2) LOC(3,4)   predicted PER(0,2) ok,  ORG(3,4) wrong type
#   sentence 1  gold ORG(0,3) PER(4,5)   predicted ORG(0,2) wrong end,  PER(4,5) ok
#   sentence 2  gold LOC(2,3)            predicted LOC(0,1) spurious,  LOC(2,3) ok
# predicted: PER 2, LOC 2, ORG 2 (6)   gold: PER 2, LOC 2, ORG 1 (5)   correct: PER 2, LOC 1, ORG 0 (3)
GOLD = [
    ["B-PER", "I-PER", "O", "B-LOC", "O"],
    ["B-ORG", "I-ORG", "I-ORG", "O", "B-PER"],
    ["O", "O", "B-LOC"],
]
PREDICTED = [
    ["B-PER", "I-PER", "O", "B-ORG", "O"],
    ["B-ORG", "I-ORG", "O", "O", "B-PER"],
    ["B-LOC", "O", "B-LOC"],
]
TYPES = ["PER", "LOC", "ORG", "MISC"]


def expected_hand_scores() -> dict:
    precision, recall = 3 / 6, 3 / 5
    return {
        "precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall),  # 6/11
        "precision/PER": 1.0, "recall/PER": 1.0, "f1/PER": 1.0,
        "precision/LOC": 1 / 2, "recall/LOC": 1 / 2, "f1/LOC": 1 / 2,
        "precision/ORG": 0 / 2, "recall/ORG": 0 / 1, "f1/ORG": 0.0,
        "precision/MISC": 0.0, "recall/MISC": 0.0, "f1/MISC": 0.0,  # never seen: undefined -> 0
    }


def as_floats(scores: dict) -> dict:
    return {key: float(value) for key, value in scores.items()}


def test_hand_worked_example() -> None:
    metric = SpanF1(TYPES)
    metric.update(PREDICTED, GOLD)
    scores = metric.compute()
    assert set(scores) == set(expected_hand_scores())
    assert as_floats(scores) == pytest.approx(expected_hand_scores())
    assert scores["f1"].dtype == torch.float32 and scores["f1"].shape == ()
    assert metric.true_positives.tolist() == [2, 1, 0, 0]
    assert metric.predicted.tolist() == [2, 2, 2, 0]
    assert metric.gold.tolist() == [2, 2, 1, 0]


def test_accumulates_over_updates_and_resets() -> None:
    metric = SpanF1(TYPES)
    for predicted, gold in zip(PREDICTED, GOLD):
        metric.update([predicted], [gold])
    assert as_floats(metric.compute()) == pytest.approx(expected_hand_scores())
    metric.reset()
    assert metric.gold.tolist() == [0, 0, 0, 0] and metric.gold.dtype == torch.long
    metric.update([["B-PER"]], [["B-PER"]])
    scores = as_floats(metric.compute())
    assert scores["f1"] == 1.0 and scores["f1/PER"] == 1.0 and scores["f1/LOC"] == 0.0


def test_states_sum_across_processes() -> None:
    # what DDP does at compute(): each state summed over the processes' copies
    whole, first, second = SpanF1(TYPES), SpanF1(TYPES), SpanF1(TYPES)
    whole.update(PREDICTED, GOLD)
    first.update(PREDICTED[:1], GOLD[:1])
    second.update(PREDICTED[1:], GOLD[1:])
    assert all(first._reductions[name] is not None for name in ("true_positives", "predicted", "gold"))
    first.merge_state(second)
    assert as_floats(first.compute()) == pytest.approx(as_floats(whole.compute()))


def test_other_schemes_and_exact_boundaries() -> None:
    metric = SpanF1(["PER", "LOC"])
    # IOB1 gold against BIOES predictions: same spans except the LOC, whose end differs
    metric.update([["B-PER", "E-PER", "S-PER", "O", "B-LOC", "E-LOC", "O"]],
                  [["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-LOC", "I-LOC"]])
    scores = as_floats(metric.compute())
    assert scores["f1/PER"] == 1.0 and scores["f1/LOC"] == 0.0
    assert scores["precision"] == pytest.approx(2 / 3) and scores["recall"] == pytest.approx(2 / 3)


@pytest.mark.filterwarnings("ignore:The ``compute`` method of metric SpanF1 was called before")
def test_nothing_seen_gives_zeros() -> None:
    assert all(float(value) == 0.0 for value in SpanF1(["PER"]).compute().values())


def test_bad_input() -> None:
    metric = SpanF1(["PER", "LOC"])
    with pytest.raises(ValueError, match="sentence 1 has 2 predicted tags but 3 target tags"):
        metric.update([["O"], ["O", "O"]], [["O"], ["O", "O", "O"]])
    with pytest.raises(ValueError, match="1 predicted sentences but 2 targets"):
        metric.update([["O"]], [["O"], ["O"]])
    with pytest.raises(DataError, match="'ORG'"):
        metric.update([["O", "B-ORG"]], [["O", "O"]])
    with pytest.raises(DataError, match="malformed tag 'PER'"):
        metric.update([["PER"]], [["O"]])
    assert metric.gold.tolist() == [0, 0]  # a rejected batch adds nothing
    with pytest.raises(ValueError, match="distinct"):
        SpanF1(["PER", "PER"])
    with pytest.raises(ValueError, match="distinct"):
        SpanF1([])


def test_format_table() -> None:
    metric = SpanF1(["PER", "LOC"])
    metric.update([["B-PER", "O", "B-LOC"]], [["B-PER", "O", "O"]])
    scores = metric.compute()
    table = format_table(scores)
    assert table.splitlines() == [
        "| Type | Precision | Recall | F1 |",
        "|---|---:|---:|---:|",
        "| PER | 1.0000 | 1.0000 | 1.0000 |",
        "| LOC | 0.0000 | 0.0000 | 0.0000 |",
        "| **micro** | 0.5000 | 1.0000 | 0.6667 |",
    ]
    with_support = format_table({**scores, "support/PER": metric.gold[0], "support/LOC": 0, "support": 1})
    assert with_support.splitlines()[0] == "| Type | Precision | Recall | F1 | Support |"
    assert with_support.splitlines()[2] == "| PER | 1.0000 | 1.0000 | 1.0000 | 1 |"
    assert with_support.splitlines()[-1] == "| **micro** | 0.5000 | 1.0000 | 0.6667 | 1 |"


# --- cross-check with seqeval (default mode = conlleval chunking) ----------------------------------------------------


def random_corpus(rng: random.Random, sentences: int) -> tuple:
    """Gold: well-formed sequences of a random scheme or random tags; predictions: gold with tags corrupted."""
    types = ["PER", "LOC", "ORG"]
    every_tag = ["O"] + [f"{prefix}-{t}" for prefix in "BIES" for t in types]
    gold, predicted = [], []
    for _ in range(sentences):
        length = rng.randint(1, 15)
        if rng.random() < 0.5:
            entities, position = [], rng.randrange(3)
            while position < length:
                end = min(length, position + rng.randint(1, 3))
                entities.append((rng.choice(types), position, end))
                position = end + rng.choice((0, 1, 2))
            tags = from_spans(entities, length, rng.choice(("iob1", "iob2", "bioes")))
        else:  # ill-formed: any tag anywhere
            tags = [rng.choice(every_tag) for _ in range(length)]
        noise = rng.choice((0.0, 0.1, 0.3))
        gold.append(tags)
        predicted.append([rng.choice(every_tag) if rng.random() < noise else tag for tag in tags])
    return predicted, gold


def test_matches_seqeval_default_mode() -> None:
    pytest.importorskip("seqeval")
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from seqeval.metrics.sequence_labeling import get_entities

    rng = random.Random(3)
    predicted, gold = random_corpus(rng, 400)
    for sentence in predicted + gold:
        assert spans(sentence) == [(t, start, end + 1) for t, start, end in get_entities(sentence)], sentence

    metric = SpanF1(["PER", "LOC", "ORG"])
    for k in range(0, len(gold), 64):
        metric.update(predicted[k:k + 64], gold[k:k + 64])
    scores = as_floats(metric.compute())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval's zero-division warnings
        assert scores["precision"] == pytest.approx(precision_score(gold, predicted), abs=1e-6)
        assert scores["recall"] == pytest.approx(recall_score(gold, predicted), abs=1e-6)
        assert scores["f1"] == pytest.approx(f1_score(gold, predicted), abs=1e-6)
        report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    for type_ in ("PER", "LOC", "ORG"):
        for ours, theirs in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            assert scores[f"{ours}/{type_}"] == pytest.approx(report[type_][theirs], abs=1e-6), (ours, type_)
    assert 0.2 < scores["f1"] < 0.9  # the corpus exercises both hits and misses
