from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Set

import pytest

from seqmodels.data.corpora.conll import TaggedSentence, tokenize
from seqmodels.data.corpora.name_tagging import AMBIGUOUS_WORDS, COURSE_EXAMPLE, ENTITY_TYPES, TEMPLATES, generate
from seqmodels.errors import ConfigError


def iob2_errors(tags: List[str]) -> List[str]:
    """What is wrong with a tag sequence under IOB2 (empty when nothing)."""
    errors = []
    previous = "O"
    for position, tag in enumerate(tags):
        if tag != "O":
            prefix, _, kind = tag.partition("-")
            if prefix not in ("B", "I") or kind not in ENTITY_TYPES:
                errors.append(f"{position}: bad tag {tag}")
            elif prefix == "I" and previous not in (f"B-{kind}", f"I-{kind}"):
                errors.append(f"{position}: {tag} after {previous}")
        previous = tag
    return errors


def test_deterministic_per_seed_and_seeds_differ() -> None:
    assert generate(50, seed=3) == generate(50, seed=3)
    assert generate(50, seed=3) != generate(50, seed=4)
    assert generate(10, seed=3) == generate(50, seed=3)[:10]
    assert generate(0, seed=1) == []
    with pytest.raises(ConfigError, match="num_sentences=-1"):
        generate(-1, seed=0)


def test_tags_align_and_are_iob2_and_all_types_appear() -> None:
    sentences = generate(200, seed=0)
    assert len(sentences) == 200 and all(isinstance(s, TaggedSentence) for s in sentences)
    types: Set[str] = set()
    for sentence in sentences:
        assert len(sentence.tokens) == len(sentence.tags) > 0
        assert iob2_errors(list(sentence.tags)) == [], sentence
        types |= {tag[2:] for tag in sentence.tags if tag != "O"}
    assert types == set(ENTITY_TYPES)
    assert any(set(s.tags) == {"O"} for s in sentences)  # sentences without any name too
    assert any(tag.startswith("I-") for s in sentences for tag in s.tags)  # multi-token names
    assert any(s.tokens[-1] == "." for s in sentences)


def test_ambiguous_words_take_more_than_one_type() -> None:
    seen: Dict[str, Set[str]] = defaultdict(set)
    for sentence in generate(200, seed=0):
        for token, tag in zip(sentence.tokens, sentence.tags):
            seen[token].add(tag if tag == "O" else tag[2:])
    for word in AMBIGUOUS_WORDS:
        assert len(seen[word]) > 1, (word, seen[word])


def test_course_example_and_templates() -> None:
    assert COURSE_EXAMPLE.tokens == tuple(tokenize("Harry Potter and Hermione Granger invented a new spell."))
    assert [int(tag != "O") for tag in COURSE_EXAMPLE.tags] == [1, 1, 0, 1, 1, 0, 0, 0, 0, 0]  # course: 9, no "."
    assert iob2_errors(list(COURSE_EXAMPLE.tags)) == []
    assert 20 <= len(TEMPLATES) <= 40
