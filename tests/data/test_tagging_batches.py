"""Encoding tagged sentences for the tagger: word ids, capitalisation classes, characters, padding."""

from __future__ import annotations

import pytest
import torch

from seqmodels.data.batching.tagging import CASES, IGNORE, TaggingEncoder, case_class
from seqmodels.errors import DataError

SENTENCES = [["Harry", "Potter", "visited", "NATO", "in", "1996", "."], ["iPhone", "sales"]]
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]


@pytest.mark.parametrize("token, case", [("spell", "lower"), ("Harry", "title"), ("NATO", "upper"),
                                         ("iPhone", "mixed"), ("1996", "other"), (".", "other"), ("U.S.", "upper")])
def test_case_classes(token: str, case: str) -> None:
    assert CASES[case_class(token)] == case


def test_a_batch_pads_words_cases_characters_and_tags() -> None:
    encoder = TaggingEncoder.build(SENTENCES, TAGS)
    batch = encoder.collate(SENTENCES, [[1, 2, 0, 3, 0, 0, 0], [0, 0]])
    assert batch.words.shape == batch.cases.shape == batch.tags.shape == (2, 7)
    assert batch.lengths.tolist() == [7, 2]
    assert encoder.words.decode(batch.words[0].tolist()) == SENTENCES[0]
    assert batch.words[1, 2:].eq(encoder.words.pad_id).all() and batch.cases[1, 2:].eq(0).all()
    assert batch.tags[1].tolist() == [0, 0] + [IGNORE] * 5
    assert batch.chars.shape == (2, 7, 7)  # the widest word: "visited" / "iPhone" -> 7 characters
    assert "".join(encoder.chars.decode(batch.chars[0, 0, :5].tolist())) == "Harry"
    assert batch.chars[0, 0, 5:].eq(encoder.chars.pad_id).all() and batch.chars[1, 2:].eq(0).all()


def test_lowercased_lookup_keeps_the_case_as_a_feature() -> None:
    encoder = TaggingEncoder.build(SENTENCES, TAGS, lowercase=True, characters=False)
    batch = encoder.collate([["HARRY", "potter"]])
    assert batch.words[0, 0] == encoder.words.id("harry") and batch.chars is None
    assert [CASES[c] for c in batch.cases[0].tolist()] == ["upper", "lower"]


def test_unseen_words_and_characters_become_unk() -> None:
    encoder = TaggingEncoder.build(SENTENCES, TAGS)
    batch = encoder.collate([["Zebra"]])
    assert batch.words[0, 0] == encoder.words.unk_id
    assert batch.chars[0, 0, 0] == encoder.chars.unk_id  # no "Z" in the training text


def test_round_trip_through_plain_values() -> None:
    encoder = TaggingEncoder.build(SENTENCES, TAGS, lowercase=True)
    again = TaggingEncoder.from_dict(encoder.to_dict())
    assert again.words == encoder.words and again.chars == encoder.chars and again.tags == TAGS and again.lowercase
    assert torch.equal(again.collate(SENTENCES).words, encoder.collate(SENTENCES).words)


def test_an_unknown_tag_names_it_and_where_it_was_found() -> None:
    encoder = TaggingEncoder.build(SENTENCES, TAGS)
    with pytest.raises(DataError, match=r"valid\.txt: tag 'B-LOC' does not occur in the training data"):
        encoder.tag_ids_of(["O", "B-LOC"], "valid.txt")


def test_an_empty_sentence_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="without tokens"):
        TaggingEncoder.build(SENTENCES, TAGS).collate([["a"], []])
