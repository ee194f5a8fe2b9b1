"""End to end through Hydra: the tagger trains on the embedded sentences and on a slice of CoNLL-2003,
checkpoints, resumes, reloads with the same predictions, and tags text from Python and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from seqmodels.data.corpora.name_tagging import COURSE_EXAMPLE
from seqmodels.data.modules.tagging import TaggingData
from seqmodels.errors import DataError
from seqmodels.tasks.tagging import TaggingTask
from tests.app.hydra_helpers import ROOT, SHARED_DATA, TINY_NER, compose_train, train

FAMILIES = {
    "rnn": [],
    "gru": [],
    "gru_minimal": ["model.minimal=true"],
    "lstm": [],
    "lstm_peephole": ["model.peephole=true"],
}
COURSE_SENTENCE = "Harry Potter and Hermione Granger invented a new spell."


def family_overrides(family: str) -> list[str]:
    return [f"model={family.split('_')[0]}", *FAMILIES[family]]


def checkpoint(run_folder: Path, name: str = "last.ckpt") -> Path:
    return run_folder / "checkpoints" / name


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_trains_checkpoints_resumes_and_tags(tmp_path: Path, family: str) -> None:
    first = tmp_path / "first"
    metrics = train(first, family_overrides(family), tiny=TINY_NER)
    assert 0.0 <= metrics["val/f1"] <= 1.0 and 0.0 < metrics["val/accuracy"] <= 1.0
    assert {"test/f1", "test/precision", "test/recall", "val/f1_PER", "val/f1_LOC", "val/f1_ORG"} <= set(metrics)
    assert {f"{stage}/{score}_ORG" for stage in ("val", "test") for score in ("precision", "recall")} <= set(metrics)
    assert json.loads((first / "tags.json").read_text())[0] == "O"
    events = EventAccumulator(str(first / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    assert {"val/f1", "val/f1_PER", "val/accuracy", "train/loss_step", "hp/best"} <= set(events.Tags()["scalars"])
    table = events.Tensors("entity_scores/text_summary")[-1].tensor_proto.string_val[0].decode()
    assert "PER" in table and "LOC" in table and "ORG" in table  # the per-type table, after each validation
    micro_f1 = float(table.split("**micro**")[1].split("|")[3])
    assert micro_f1 == pytest.approx(events.Scalars("val/f1")[-1].value, abs=1e-4)  # this epoch's, not the last's
    assert events.Tensors("samples/text_summary")  # tagged validation sentences
    assert (first / "vocab.json").is_file() and (first / "chars.json").is_file()

    tagger = TaggingTask.load(checkpoint(first))
    tagged = tagger.tag([COURSE_SENTENCE, "", ["Paris", "is", "nice"]])
    assert [token for token, _ in tagged[0]][:2] == ["Harry", "Potter"] and tagged[1] == []
    assert all(tag in tagger.encoder.tags for sentence in tagged for _, tag in sentence)
    assert TaggingTask.load(checkpoint(first)).tag([COURSE_SENTENCE]) == tagged[:1]  # same predictions

    resumed = train(tmp_path / "resumed", [*family_overrides(family), f"ckpt_path={checkpoint(first)}",
                                           "trainer.max_epochs=2"], tiny=TINY_NER)
    assert 0.0 <= resumed["val/f1"] <= 1.0


@pytest.mark.parametrize("output", ["softmax", "crf"])
def test_the_tagger_learns_the_embedded_names(tmp_path: Path, output: str) -> None:
    """A few hundred steps are enough to find most names: a broken loss or decoder would not get there."""
    metrics = train(tmp_path, [f"task.output={output}", "model.hidden_size=32", "model.embedding_size=32",
                               "trainer.max_epochs=3", "trainer.limit_train_batches=null",
                               "trainer.limit_val_batches=null", "data.num_sentences.train=600"], tiny=TINY_NER)
    assert metrics["val/f1"] > 0.6, metrics
    if output == "crf":  # the course's example: y = 1 1 0 1 1 0 0 0 0 (0 for the full stop we split off)
        tagged = TaggingTask.load(checkpoint(tmp_path)).tag([COURSE_SENTENCE])[0]
        assert [tag for _, tag in tagged] == list(COURSE_EXAMPLE.tags)


def test_the_course_sigmoid_model_tags_names_of_people(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=ner_course_sigmoid", "trainer.max_epochs=2",
                               "trainer.limit_train_batches=null", "model.hidden_size=32"], tiny=TINY_NER)
    assert set(json.loads((tmp_path / "tags.json").read_text())) == {"O", "B-PER", "I-PER"}
    assert metrics["val/f1"] > 0.5, metrics
    tagged = TaggingTask.load(checkpoint(tmp_path)).tag([COURSE_SENTENCE])[0]
    assert all(tag in ("O", "B-PER", "I-PER") for _, tag in tagged)


@pytest.mark.parametrize("scheme", ["iob1", "bioes"])
def test_other_tag_schemes_train_and_constrain_the_crf(tmp_path: Path, scheme: str) -> None:
    metrics = train(tmp_path, [f"data.scheme={scheme}"], tiny=TINY_NER)
    tags = json.loads((tmp_path / "tags.json").read_text())
    assert ("S-PER" in tags) == (scheme == "bioes")
    assert 0.0 <= metrics["val/f1"] <= 1.0


def test_lowercased_words_with_a_case_feature_and_no_characters(tmp_path: Path) -> None:
    train(tmp_path, ["data.lowercase=true", "data.characters=false", "task.features.case_embedding_size=4"],
          tiny=TINY_NER)
    assert not (tmp_path / "chars.json").exists()
    tagger = TaggingTask.load(checkpoint(tmp_path))
    assert tagger.network.char_encoder is None and tagger.network.case_embedding is not None
    assert "harry" in tagger.encoder.words and "Harry" not in tagger.encoder.words


def test_word_dropout_trains_and_the_reloaded_tagger_keeps_it_for_training_only(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["task.features.word_dropout=0.3"], tiny=TINY_NER)
    assert 0.0 <= metrics["val/f1"] <= 1.0
    tagger = TaggingTask.load(checkpoint(tmp_path))
    assert tagger.network.word_dropout.p == 0.3 and not tagger.network.training
    sentence = COURSE_SENTENCE.split()
    assert tagger.tag([sentence]) == tagger.tag([sentence])  # evaluation draws nothing


def test_singleton_replacement_knows_the_training_singletons_and_keeps_them_after_reloading(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["task.features.singleton_unk=0.5"], tiny=TINY_NER)
    assert 0.0 <= metrics["val/f1"] <= 1.0
    tagger = TaggingTask.load(checkpoint(tmp_path))
    dropout, words = tagger.network.word_dropout, tagger.encoder.words
    assert dropout.singleton_p == 0.5 and 4 < dropout.singletons_from <= len(words)
    data = instantiate(compose_train(tmp_path / "again", [], tiny=TINY_NER).data, _convert_="all")
    data.setup()
    counts = Counter(token for sentence in data.sentences["train"] for token in sentence.tokens)
    assert all(counts[word] == 1 for word in words.tokens[dropout.singletons_from:])
    assert all(counts[word] >= 2 for word in words.tokens[4:dropout.singletons_from])
    sentence = COURSE_SENTENCE.split()
    assert tagger.tag([sentence]) == tagger.tag([sentence])  # evaluation draws nothing


@pytest.mark.skipif(not (SHARED_DATA / "conll2003" / "eng.testa").is_file(), reason="needs ../shared/data/conll2003")
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_conll2003_slice_trains_and_tags(tmp_path: Path, cell: str) -> None:
    metrics = train(tmp_path, ["experiment=ner_conll2003", f"paths.data_dir={SHARED_DATA}", f"model={cell}",
                               "model.embedding_size=8", "model.hidden_size=8", "trainer.max_epochs=1"], tiny=TINY_NER)
    tags = json.loads((tmp_path / "tags.json").read_text())
    assert {"O", "B-PER", "E-PER", "S-LOC", "I-ORG", "S-MISC"} <= set(tags)  # IOB1 files -> BIOES model
    assert 0.0 <= metrics["val/f1"] <= 1.0
    tagged = TaggingTask.load(checkpoint(tmp_path)).tag(["EU rejects German call to boycott British lamb ."])
    assert len(tagged[0]) == 9


@pytest.mark.skipif(not (SHARED_DATA / "glove" / "glove.6B.50d.txt.gz").is_file(), reason="needs ../shared/data/glove")
@pytest.mark.skipif(not (SHARED_DATA / "conll2003" / "eng.testa").is_file(), reason="needs ../shared/data/conll2003")
def test_the_glove_recipe_trains_with_its_word_and_singleton_dropout(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=ner_conll2003_glove", f"paths.data_dir={SHARED_DATA}",
                               "model.embedding_size=50", "model.hidden_size=8", "trainer.max_epochs=1"], tiny=TINY_NER)
    assert 0.0 <= metrics["val/f1"] <= 1.0
    tagger = TaggingTask.load(checkpoint(tmp_path))
    network, words = tagger.network, tagger.encoder.words
    assert network.embedding.embedding_dim == 50 and tagger.encoder.lowercase and network.case_embedding is not None
    assert network.word_dropout.p == 0.1 and network.word_dropout.singleton_p == 0.5
    assert 100_000 < len(words) < 130_000                      # the training words, then GloVe's first 100,000
    assert 4 < network.word_dropout.singletons_from < len(words) - 50_000   # among the training words, before GloVe's


def test_vector_words_give_unseen_words_their_vector_in_a_lowercased_vocabulary(tmp_path: Path) -> None:
    from seqmodels.nn.embedding import write_vectors

    vectors = tmp_path / "vectors.txt"
    write_vectors(vectors, ["harry", "zanzibar", "quokka"], torch.arange(24.0).view(3, 8))
    train(tmp_path / "run", ["data.lowercase=true", "task.features.case_embedding_size=2",
                             f"task.pretrained_vectors={vectors}", f"data.vector_words={vectors}"], tiny=TINY_NER)
    tagger = TaggingTask.load(checkpoint(tmp_path / "run"))
    words = tagger.encoder.words
    assert words.tokens[-2:] == ["zanzibar", "quokka"] and "harry" in words.tokens[:-2]  # after the training words
    row = tagger.network.embedding.weight[words.id("zanzibar")].detach()
    assert torch.equal(row, torch.arange(8.0, 16.0))                  # never in a training batch: still its vector
    assert int(tagger.encoder.collate([["Zanzibar"]]).words[0, 0]) == words.id("zanzibar")


def test_the_tag_command_tags_text_and_writes_conll(tmp_path: Path) -> None:
    train(tmp_path / "run", [], tiny=TINY_NER)
    ckpt = str(checkpoint(tmp_path / "run"))
    shown = subprocess.run([sys.executable, "-m", "seqmodels.cli.tag", "--ckpt", ckpt, COURSE_SENTENCE], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Harry/")
    conll = tmp_path / "in.txt"
    conll.write_text("Harry B-PER\nPotter I-PER\nsleeps O\n\nLondon B-LOC\n", encoding="utf-8")
    out = tmp_path / "out.conll"
    written = subprocess.run([sys.executable, "-m", "seqmodels.cli.tag", "--ckpt", ckpt, "--conll", "--input",
                              str(conll), "--output", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert written.returncode == 0, written.stderr
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0].split()[:2] == ["Harry", "B-PER"] and len(lines[0].split()) == 3 and lines[3] == ""
    assert len(lines) == 6 and lines[4].split()[:2] == ["London", "B-LOC"]
    assert "overall" in written.stderr  # the gold column is scored
    missing = subprocess.run([sys.executable, "-m", "seqmodels.cli.tag", "--ckpt", str(tmp_path / "nope.ckpt"), "x"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "nope.ckpt" in missing.stderr and "Traceback" not in missing.stderr


# -- bad input ---------------------------------------------------------------------------------


def tagged_files(tmp_path: Path, train_text: str, valid_text: str) -> list[str]:
    (tmp_path / "train.txt").write_bytes(train_text.encode("utf-8"))
    (tmp_path / "valid.txt").write_bytes(valid_text.encode("utf-8"))
    return ["data=tagged_files", f"data.files.train={tmp_path / 'train.txt'}",
            f"data.files.valid={tmp_path / 'valid.txt'}", "data.tag_column=1"]


TRAIN_TEXT = "Harry B-PER\nPotter I-PER\nlives O\nin O\nLondon B-LOC\n.O O\n\nMary B-PER\nsleeps O\n"


def test_an_unknown_tag_in_the_validation_file_names_it_and_the_file(tmp_path: Path) -> None:
    overrides = tagged_files(tmp_path, TRAIN_TEXT, "Acme B-ORG\nsells O\n")
    with pytest.raises(DataError, match=r"valid\.txt, line 1: tag 'B-ORG' does not occur in the training data"):
        train(tmp_path / "run", overrides, tiny=TINY_NER)


def test_a_line_with_the_wrong_number_of_columns_names_file_and_line(tmp_path: Path) -> None:
    overrides = tagged_files(tmp_path, TRAIN_TEXT.replace("sleeps O", "sleeps O extra"), "Mary B-PER\n")
    with pytest.raises(DataError, match=r"train\.txt, line 9: expected 2 columns"):
        train(tmp_path / "run", overrides, tiny=TINY_NER)


def test_windows_line_endings_read_like_unix_ones(tmp_path: Path) -> None:
    overrides = tagged_files(tmp_path, TRAIN_TEXT.replace("\n", "\r\n"), "Mary B-PER\r\nsleeps O\r\n")
    train(tmp_path / "run", overrides, tiny=TINY_NER)
    assert set(json.loads((tmp_path / "run" / "tags.json").read_text())) == {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}


def test_a_5000_token_sentence_is_tagged_whole(tmp_path: Path) -> None:
    train(tmp_path, [], tiny=TINY_NER)
    tagger = TaggingTask.load(checkpoint(tmp_path))
    tagged = tagger.tag([["word"] * 5000])[0]
    assert len(tagged) == 5000


def test_sigmoid_with_several_entity_types_is_a_clear_error(tmp_path: Path) -> None:
    from seqmodels.errors import ConfigError
    with pytest.raises(ConfigError, match="task.output=sigmoid"):
        train(tmp_path, ["task.output=sigmoid"], tiny=TINY_NER)


def test_missing_conll2003_says_where_to_put_it(tmp_path: Path) -> None:
    data = TaggingData(corpus="conll2003", data_dir=str(tmp_path))
    with pytest.raises(DataError, match=r"eng\.train: no such file.*paths\.data_dir"):
        data.setup()


def test_the_resolved_config_reads_like_the_course(tmp_path: Path) -> None:
    cfg = compose_train(tmp_path, ["model=gru", "model.num_layers=2"], tiny=TINY_NER)
    assert cfg.model.cell == "gru" and cfg.model.bidirectional and cfg.model.num_layers == 2
    assert cfg.optimized_metric == "val/f1" and cfg.task.output == "crf"
    torch.manual_seed(0)


def test_pretrained_vectors_start_the_embeddings_and_the_checkpoint_no_longer_needs_them(tmp_path: Path) -> None:
    from seqmodels.nn.embedding import write_vectors

    vectors_file = tmp_path / "vectors.txt"
    write_vectors(vectors_file, ["Harry", "the", "london"], torch.arange(24, dtype=torch.float32).reshape(3, 8))
    run_folder = tmp_path / "run"
    overrides = [f"task.pretrained_vectors={vectors_file}", "task.freeze_embeddings=true", "trainer.max_epochs=1"]
    train(run_folder, overrides, tiny=TINY_NER)
    vectors_file.unlink()  # the trained model carries its embeddings
    tagger = TaggingTask.load(checkpoint(run_folder))
    words = tagger.encoder.words
    torch.testing.assert_close(tagger.network.embedding.weight[words.id("Harry")], torch.arange(8.0))  # frozen
    if "London" in words:
        torch.testing.assert_close(tagger.network.embedding.weight[words.id("London")], torch.arange(16.0, 24.0))
    assert not tagger.network.embedding.weight.requires_grad


def test_pretrained_vectors_longer_than_the_embedding_are_a_clear_error(tmp_path: Path) -> None:
    from seqmodels.errors import ConfigError
    from seqmodels.nn.embedding import write_vectors

    vectors_file = tmp_path / "vectors.txt"
    write_vectors(vectors_file, ["Harry"], torch.zeros(1, 12))   # shorter ones get learned columns added
    with pytest.raises(ConfigError, match="model.embedding_size=8: .*its vectors have 12 values, more than the "
                                          "embedding's 8"):
        train(tmp_path / "run", [f"task.pretrained_vectors={vectors_file}"], tiny=TINY_NER)


@pytest.mark.parametrize("override, message", [("data.scheme=bio3", "data.scheme='bio3': choose one of"),
                                               ("data.batch_size=0", "data.batch_size=0: must be an integer >= 1"),
                                               ("task.output=maxent", "output='maxent'"),
                                               ("task.features.word_dropout=1",
                                                "task.features.word_dropout must be a probability in"),
                                               ("task.features.singleton_unk=-0.5",
                                                "task.features.singleton_unk must be a probability in")])
def test_bad_options_are_clear_errors_naming_them(tmp_path: Path, override: str, message: str) -> None:
    from seqmodels.errors import ConfigError
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        train(tmp_path, [override], tiny=TINY_NER)
