"""Subword units (Moses tokenisation + sentencepiece): text round-trips exactly, the model survives to_dict and
from_dict, the translation datamodule learns them from the training split only and hands them to the task."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqmodels.data.corpora.parallel_text import SentenceCodec
from seqmodels.data.encoding.subwords import SubwordModel, moses_tokenized
from seqmodels.data.modules.translation import TranslationData
from seqmodels.errors import ConfigError, DataError

WORDS = ["a", "man", "woman", "dog", "dogs", "runs", "running", "through", "the", "park", "playing", "with", "ball",
         "Two", "young", "children", "are", "outside", "near", "many", "bushes", "isn't", "man's", "(brown)", "3",
         "1,000", "e.g.", "Zürich", "café", "straße"]
PUNCTUATION = [".", ",", "!", "?", ":", ";"]
TRAINING = [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(3 + i % 6)) + PUNCTUATION[i % 6]
            for i in range(300)]


@pytest.fixture(scope="module")
def model() -> SubwordModel:
    return SubwordModel.train(moses_tokenized(TRAINING, "en"), 60, "unigram", "en")


def test_training_sentences_round_trip_exactly(model: SubwordModel) -> None:
    for sentence in TRAINING:
        assert model.decode(model.encode(sentence)) == sentence


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), end=st.sampled_from(["", *PUNCTUATION]))
def test_any_sentence_of_known_characters_round_trips(model: SubwordModel, words: List[str], end: str) -> None:
    sentence = " ".join(words) + end
    pieces = model.encode(sentence)
    assert "<unk>" not in pieces and model.decode(pieces) == sentence


def test_rare_words_are_spelled_with_pieces_not_unknown(model: SubwordModel) -> None:
    pieces = model.encode("the dogs runs outside")
    assert len(model) <= 60 and len(pieces) > 4                # a small model splits words into pieces
    assert model.decode(model.encode("a parking dog")) == "a parking dog"      # an unseen word of seen characters


def test_bpe_models_round_trip_too() -> None:
    bpe = SubwordModel.train(moses_tokenized(TRAINING, "en"), 80, "bpe", "en")
    assert all(bpe.decode(bpe.encode(sentence)) == sentence for sentence in TRAINING[:50])


def test_the_model_survives_to_dict_and_from_dict(model: SubwordModel) -> None:
    saved = model.to_dict()
    assert set(saved) == {"kind", "language", "model"} and isinstance(saved["model"], str)
    restored = SubwordModel.from_dict(saved)
    assert restored == model
    assert [restored.encode(s) for s in TRAINING[:20]] == [model.encode(s) for s in TRAINING[:20]]
    with pytest.raises(DataError, match="kind"):
        SubwordModel.from_dict({"kind": "bpe-codes", "model": ""})


def test_no_text_to_learn_from_is_a_data_error() -> None:
    with pytest.raises(DataError, match="the training sources"):
        SubwordModel.train(["", ""], 100, "unigram", "en", "the training sources")


def test_the_codec_lowercases_and_needs_a_model_exactly_for_subword_sides(model: SubwordModel) -> None:
    codec = SentenceCodec("subword", True, model)
    assert codec.text(codec.tokens("Two young children.")) == "two young children."
    with pytest.raises(DataError, match="needs its subword model"):
        SentenceCodec("subword", True)
    with pytest.raises(DataError, match="only a subword side"):
        SentenceCodec("word", True, model)
    with pytest.raises(ConfigError, match="data.target_level"):
        SentenceCodec("bytes", True, option="target_level")


def write_lines(path: Path, lines: List[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def parallel_data(tmp_path: Path, **options: object) -> TranslationData:
    valid = ["a zebra runs.", "the park!"]
    files = {"train": {"source": write_lines(tmp_path / "train.src", TRAINING),
                       "target": write_lines(tmp_path / "train.tgt", [s.upper() for s in TRAINING])},
             "valid": {"source": write_lines(tmp_path / "valid.src", valid),
                       "target": write_lines(tmp_path / "valid.tgt", valid)}}
    return TranslationData(corpus="files", files=files, lowercase=False, **options)


def test_the_datamodule_learns_each_side_from_its_training_sentences(tmp_path: Path) -> None:
    data = parallel_data(tmp_path, source_level="subword", target_level="subword", subword_vocab_size=70)
    data.setup()
    source, target = data.subwords["source"], data.subwords["target"]
    assert source != target and len(source) <= 70
    assert data.source_tokens["train"][0] == source.encode(TRAINING[0])
    assert all(p.upper() == p for sentence in data.target_tokens["train"] for p in sentence)   # learnt from targets
    vocabulary = data.source_vocabulary
    assert all(vocabulary.unk_id not in vocabulary.encode(tokens) for tokens in data.source_tokens["train"])
    assert vocabulary.unk_id in vocabulary.encode(source.encode("a zebra runs."))   # no "z" in train: not learnt
    arguments = data.task_arguments()
    assert set(arguments["vocabularies"]["subwords"]) == {"source", "target"}
    assert set(data.encoding_files()) == {"source_vocab", "target_vocab", "source_subwords", "target_subwords"}


def test_a_shared_vocabulary_shares_one_model(tmp_path: Path) -> None:
    data = parallel_data(tmp_path, source_level="subword", target_level="subword", shared_vocabulary=True,
                         subword_vocab_size=90)
    data.setup()
    assert data.subwords["source"].proto == data.subwords["target"].proto
    assert data.source_vocabulary is data.target_vocabulary


def test_word_sides_have_no_subword_model(tmp_path: Path) -> None:
    data = parallel_data(tmp_path, source_level="subword", target_level="word", subword_vocab_size=70)
    data.setup()
    assert set(data.subwords) == {"source"} and set(data.task_arguments()["vocabularies"]["subwords"]) == {"source"}
    plain = parallel_data(tmp_path)
    plain.setup()
    assert "subwords" not in plain.task_arguments()["vocabularies"] and not plain.subwords


def test_a_restored_encoding_is_used_not_learnt_again(tmp_path: Path) -> None:
    trained = parallel_data(tmp_path, source_level="subword", target_level="subword", subword_vocab_size=70)
    trained.setup()
    saved = trained.task_arguments()["vocabularies"]
    again = parallel_data(tmp_path, source_level="subword", target_level="subword", subword_vocab_size=40)
    again.restore_encoding(saved)
    again.setup()
    assert again.subwords == trained.subwords and again.source_tokens == trained.source_tokens
    word_level = parallel_data(tmp_path)
    with pytest.raises(ConfigError, match="data.source_level=word but the checkpoint's source side is subword"):
        word_level.restore_encoding(saved)


@pytest.mark.parametrize("option, value, message", [
    ("subword_model", "wordpiece", "data.subword_model"),
    ("subword_vocab_size", 0, "subword_vocab_size"),
])
def test_bad_subword_options_name_the_option(tmp_path: Path, option: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parallel_data(tmp_path, source_level="subword", **{option: value})
