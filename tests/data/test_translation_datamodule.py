from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import List

import pytest
import torch

from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.data.modules.translation import TranslationData, collate_pairs
from seqmodels.errors import ConfigError, DataError

SHARED_DATA = Path(os.environ.get("SEQMODELS_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data"))
SMALL = {"train": 200, "valid": 30, "test": 20}


def _dates(**options) -> TranslationData:
    data = TranslationData(corpus="dates", source_level="char", target_level="char", num_examples=SMALL, **options)
    data.setup("fit")
    return data


def _indices(loader) -> List[int]:
    return [i for batch in loader for i in batch.index.tolist()]


def test_collate_layout_bos_eos_pad_lengths_and_index() -> None:
    source_vocabulary = Vocabulary.build([["a", "b", "c"]])
    target_vocabulary = Vocabulary.build([["x", "y"]])
    batch = collate_pairs([["a", "b", "c"], ["c"]], [["x"], ["y", "x", "y"]], source_vocabulary, target_vocabulary,
                          [7, 2])
    pad, bos, eos = target_vocabulary.pad_id, target_vocabulary.bos_id, target_vocabulary.eos_id
    x, y = target_vocabulary.id("x"), target_vocabulary.id("y")
    assert batch.source.tolist() == [source_vocabulary.encode("abc"), [source_vocabulary.id("c"), 0, 0]]
    assert batch.source_lengths.tolist() == [3, 1] and batch.source_lengths.dtype == torch.long
    assert batch.target.tolist() == [[bos, x, eos, pad, pad], [bos, y, x, y, eos]]
    assert batch.target_lengths.tolist() == [2, 4]
    assert batch.index.tolist() == [7, 2]


def test_collate_without_targets_and_empty_source() -> None:
    vocabulary = Vocabulary.build([["a"]])
    batch = collate_pairs([["a"], ["a", "a"]], None, vocabulary, vocabulary, [0, 1])
    assert batch.target.tolist() == [[vocabulary.bos_id, vocabulary.eos_id]] * 2
    assert batch.target_lengths.tolist() == [1, 1]
    with pytest.raises(DataError, match="an empty source sentence cannot be translated"):
        collate_pairs([["a"], []], None, vocabulary, vocabulary, [0, 1])


def test_dates_corpus_is_character_level_with_every_split() -> None:
    data = _dates()
    assert {split: len(data.references(split)) for split in ("train", "valid", "test")} == SMALL
    assert data.has_test
    files = data.encoding_files()
    assert files["source_vocab"]["level"] == files["target_vocab"]["level"] == "char"
    assert set(files["target_vocab"]["tokens"][4:]) <= set("0123456789-")
    assert data.target_tokens["train"][0] == list(data.references("train")[0])
    assert all(source == source.lower() for source in data.sources("valid"))
    arguments = data.task_arguments()
    assert arguments["vocabularies"]["target"] == files["target_vocab"]
    assert (arguments["source_level"], arguments["target_level"], arguments["lowercase"]) == ("char", "char", True)


def test_dates_default_sizes() -> None:
    assert TranslationData().request.sizes == {"train": 20000, "valid": 1000, "test": 1000}


def test_loaders_cover_each_split_once_in_batches() -> None:
    data = _dates(batch_size=16, eval_batch_size=7)
    for loader, size, limit in ((data.train_dataloader(), 200, 16), (data.val_dataloader(), 30, 7)):
        batches = list(loader)
        assert all(len(batch.index) <= limit for batch in batches)
        assert sorted(_indices(batches)) == list(range(size))
    batch = next(iter(data.val_dataloader()))
    first = batch.index[0].item()
    gold = batch.target[0, 1:batch.target_lengths[0]]  # without <bos> and <eos>
    assert data.target_vocabulary.decode(gold) == list(data.references("valid")[first])


def test_shared_vocabulary_and_its_level_check() -> None:
    data = _dates(shared_vocabulary=True)
    assert data.source_vocabulary is data.target_vocabulary
    assert "m" in data.source_vocabulary and "9" in data.source_vocabulary
    with pytest.raises(ConfigError, match="data.shared_vocabulary"):
        TranslationData(shared_vocabulary=True, source_level="word", target_level="char")


def test_max_lengths_filter_train_only(caplog: pytest.LogCaptureFixture) -> None:
    full = _dates()
    with caplog.at_level(logging.INFO):
        short = _dates(max_source_length=12)
    assert f"dropped {200 - len(short.sources('train'))} of 200 training pairs" in caplog.text
    assert 0 < len(short.sources("train")) < len(full.sources("train"))
    assert all(len(tokens) <= 12 for tokens in short.source_tokens["train"])
    assert short.sources("valid") == full.sources("valid") and short.references("test") == full.references("test")
    assert sorted(_indices(short.train_dataloader())) == list(range(len(short.sources("train"))))
    with pytest.raises(DataError, match="no training pair is short enough"):
        _dates(max_target_length=3)


def test_restore_encoding_keeps_the_ids() -> None:
    trained = _dates()
    resumed = TranslationData(corpus="dates", source_level="char", target_level="char", seed=5,
                              num_examples={"train": 20, "valid": 5, "test": 0})
    resumed.restore_encoding(trained.task_arguments()["vocabularies"])
    resumed.setup("fit")
    assert resumed.source_vocabulary == trained.source_vocabulary
    assert resumed.target_vocabulary == trained.target_vocabulary
    assert not resumed.has_test
    with pytest.raises(DataError, match="'source' and 'target'"):
        resumed.restore_encoding({"source": trained.source_vocabulary.to_dict()})


def test_bad_options_name_the_option() -> None:
    with pytest.raises(ConfigError, match="data.corpus"):
        TranslationData(corpus="wmt")
    with pytest.raises(ConfigError, match="data.source_level"):
        TranslationData(source_level="bpe")
    with pytest.raises(ConfigError, match="data.max_target_length"):
        TranslationData(max_target_length=0)
    with pytest.raises(ConfigError, match="data.max_size=4: must exceed"):
        TranslationData(max_size=4)


def test_missing_multi30k_folder_says_where_to_put_it(tmp_path: Path) -> None:
    data = TranslationData(corpus="multi30k", data_dir=str(tmp_path))
    with pytest.raises(DataError, match=r"train\.de\.gz: no such file.*multi30k.*SEQMODELS_DATA_DIR"):
        data.setup("fit")


def test_files_corpus_from_aligned_files_and_tsv(tmp_path: Path) -> None:
    (tmp_path / "train.src").write_text("Ein Hund läuft.\nZwei Katzen.\n", encoding="utf-8")
    (tmp_path / "train.tgt").write_text("A dog runs.\nTwo cats.\n", encoding="utf-8")
    (tmp_path / "valid.tsv").write_text("Ein Hund.\tA dog.\n", encoding="utf-8")
    files = {"train": {"source": str(tmp_path / "train.src"), "target": str(tmp_path / "train.tgt")},
             "valid": str(tmp_path / "valid.tsv"), "test": None}
    data = TranslationData(corpus="files", files=files, lowercase=False)
    data.setup("fit")
    assert data.references("valid") == ["A dog."] and data.sources("train")[1] == "Zwei Katzen."
    assert data.target_tokens["train"][0] == ["A", "dog", "runs", "."]
    assert not data.has_test
    with pytest.raises(ConfigError, match="data.files.valid is not set"):
        TranslationData(corpus="files", files={"train": files["train"], "valid": "???"}).setup("fit")
    with pytest.raises(ConfigError, match="data.files.train.target is not set"):
        TranslationData(corpus="files", files={"train": {"source": "a"}, "valid": "b"}).setup("fit")


def test_real_multi30k() -> None:
    if not (SHARED_DATA / "multi30k" / "train.de.gz").is_file():
        pytest.skip(f"Multi30k is not in {SHARED_DATA}/multi30k")
    data = TranslationData(corpus="multi30k", data_dir=str(SHARED_DATA), batch_size=128, eval_batch_size=500)
    data.setup("fit")
    assert len(data.sources("train")) == 29000 and len(data.references("valid")) == 1014
    assert data.references("train")[0] == "two young, white males are outside near many bushes."
    assert data.source_tokens["train"][0][:2] == ["zwei", "junge"]
    for loader, size, limit in ((data.train_dataloader(), 29000, 128), (data.val_dataloader(), 1014, 500)):
        batches = list(loader)
        assert all(len(batch.index) <= limit for batch in batches)
        assert sorted(_indices(batches)) == list(range(size))
