import json
from pathlib import Path

import pytest

from seqmodels.data.encoding.vocabulary import SPECIALS, Vocabulary
from seqmodels.errors import DataError

SENTENCES = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "<unk>"]]


def test_specials_first_then_by_frequency_then_first_appearance() -> None:
    vocabulary = Vocabulary.build(SENTENCES)
    assert vocabulary.tokens == [*SPECIALS, "the", "cat", "sat", "dog", "a"]  # the corpus' own <unk> is ours


def test_min_freq_and_max_size_send_the_rest_to_unk() -> None:
    assert Vocabulary.build(SENTENCES, min_freq=2).tokens == [*SPECIALS, "the", "cat", "sat"]
    small = Vocabulary.build(SENTENCES, max_size=6)
    assert small.tokens == [*SPECIALS, "the", "cat"]
    assert small.encode(["the", "dog", "zebra"]) == [4, small.unk_id, small.unk_id]
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(SENTENCES, max_size=4)


def test_json_round_trip_is_exact(tmp_path: Path) -> None:
    vocabulary = Vocabulary.build([list("héllo wörld")], level="char")
    (tmp_path / "vocab.json").write_text(json.dumps(vocabulary.to_dict(), ensure_ascii=False), encoding="utf-8")
    again = Vocabulary.load(tmp_path / "vocab.json")
    assert again == vocabulary and again.level == "char"
    assert again.decode(again.encode("wörld")) == list("wörld")


def test_a_broken_vocabulary_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "vocab.json"
    path.write_text("{not json")
    with pytest.raises(DataError, match="vocab.json"):
        Vocabulary.load(path)
    with pytest.raises(DataError, match="special tokens"):
        Vocabulary(["a", "b"])


def test_extending_appends_the_missing_words_and_keeps_every_id() -> None:
    vocabulary = Vocabulary.build([["good", "food", "good"]])
    extended = vocabulary.extended(["the", "good", "movie", "the"])
    assert extended.tokens[:len(vocabulary)] == vocabulary.tokens
    assert extended.tokens[len(vocabulary):] == ["the", "movie"]
    assert extended.id("movie") != extended.unk_id and vocabulary.id("movie") == vocabulary.unk_id
