from __future__ import annotations

from collections import Counter, defaultdict
from typing import Dict, Set, Tuple

import pytest

from seqmodels.data.corpora.labelled_text import tokenize_text
from seqmodels.data.corpora.reviews import COURSE_EXAMPLE, KINDS, generate, generate_with_kinds
from seqmodels.errors import ConfigError


def test_deterministic_per_seed() -> None:
    assert generate(200, seed=3) == generate(200, seed=3)
    assert generate(200, seed=3) != generate(200, seed=4)
    assert [example for example, _ in generate_with_kinds(50, seed=1)] == generate(50, seed=1)


def test_counts_kinds_and_balanced_labels() -> None:
    pairs = generate_with_kinds(1000, seed=0)
    assert len(pairs) == 1000
    kinds = Counter(kind for _, kind in pairs)
    assert kinds == {kind: 250 for kind in KINDS}
    labels = Counter(example.label for example, _ in pairs)
    assert set(labels) == {"0", "1"} and 400 <= labels["1"] <= 600
    for kind in KINDS:
        assert {example.label for example, k in pairs if k == kind} == {"0", "1"}
    assert len(generate(7, seed=0, kinds=["contrast"])) == 7  # an odd count leaves one contrast unpaired
    assert {kind for _, kind in generate_with_kinds(20, seed=0, kinds=("negation",))} == {"negation"}


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="sarcasm"):
        generate(10, seed=0, kinds=["sarcasm"])
    with pytest.raises(ConfigError):
        generate(-1, seed=0)
    assert generate(0, seed=0) == []


def _bags(kind: str) -> Dict[Tuple[str, ...], Set[str]]:
    bags: Dict[Tuple[str, ...], Set[str]] = defaultdict(set)
    for example, k in generate_with_kinds(1000, seed=0):
        if k == kind:
            bags[tuple(sorted(tokenize_text(example.text)))].add(example.label)
    return bags


def test_order_swapped_pairs_share_a_bag_of_words_with_both_labels() -> None:
    bags = _bags("contrast")
    ambiguous = [bag for bag, labels in bags.items() if labels == {"0", "1"}]
    assert len(ambiguous) >= 100  # 250 contrast reviews, generated as 125 swapped pairs


def test_contrast_clause_after_but_decides() -> None:
    for example, kind in generate_with_kinds(200, seed=5):
        if kind == "contrast":
            first, second = example.text.rstrip(".").split(" but ")
            assert first.lower() != second.lower()
    texts = {example.text: example.label for example in generate(400, seed=2, kinds=["contrast"])}
    swapped = 0
    for text, label in texts.items():
        first, second = text.rstrip(".").split(" but ")
        other = second[0].upper() + second[1:] + " but " + first[0].lower() + first[1:] + "."
        if other in texts:
            swapped += 1
            assert texts[other] != label
    assert swapped >= 300


def test_course_example_and_lacking_kind() -> None:
    assert COURSE_EXAMPLE.label == "0" and tokenize_text(COURSE_EXAMPLE.text).count("good") == 3
    lacking = [example for example, kind in generate_with_kinds(400, seed=0) if kind == "lacking"]
    assert all(" lacking in " in example.text for example in lacking)
    assert {example.label for example in lacking if example.text.startswith("Never")} == {"1"}
    assert {example.label for example in lacking if not example.text.startswith("Never")} == {"0"}


def test_negation_flips_the_adjective() -> None:
    negation = [example for example, kind in generate_with_kinds(400, seed=0) if kind == "negation"]
    assert all(" not " in example.text or " never " in example.text for example in negation)
    assert {example.label for example in negation} == {"0", "1"}
