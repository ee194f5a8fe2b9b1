"""End to end through Hydra: the classifier (averaged embeddings or an RNN) trains on the embedded reviews
and on a slice of SST-2, checkpoints, reloads with the same probabilities, and classifies new texts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from seqmodels.data.corpora import reviews
from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import read_vectors, write_vectors
from seqmodels.tasks.classification import ClassificationTask
from tests.app.hydra_helpers import ROOT, SHARED_DATA, TINY_SENTIMENT, train

ENCODERS = {"mean": ["task.encoder=mean"], "rnn_last": [], "birnn_max": ["model.bidirectional=true",
                                                                           "task.pooling=max"]}
TEXTS = ["the food was not good", "the service was slow but the food was great", "completely lacking in good taste"]


def checkpoint(run_folder: Path) -> Path:
    return run_folder / "checkpoints" / "last.ckpt"


# the averaged-embedding encoder has no recurrent cell: one run of it is enough
COMBINATIONS = [("mean", "lstm")] + [(encoder, family) for encoder in ("rnn_last", "birnn_max")
                                     for family in ("rnn", "gru", "lstm")]


@pytest.mark.parametrize("encoder, family", COMBINATIONS)
def test_each_encoder_and_family_trains_reloads_and_classifies(tmp_path: Path, encoder: str, family: str) -> None:
    metrics = train(tmp_path, [f"model={family}", *ENCODERS[encoder]], tiny=TINY_SENTIMENT)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0 and "test/macro_f1" in metrics
    assert json.loads((tmp_path / "labels.json").read_text()) == ["0", "1"]
    first = ClassificationTask.load(checkpoint(tmp_path)).classify(TEXTS)
    again = ClassificationTask.load(checkpoint(tmp_path)).classify(TEXTS)
    assert [p.probabilities for p in first] == [p.probabilities for p in again]
    assert all(abs(sum(p.probabilities.values()) - 1) < 1e-5 and p.label in ("0", "1") for p in first)


def test_tensorboard_has_the_projector_and_the_examples(tmp_path: Path) -> None:
    train(tmp_path, [], tiny=TINY_SENTIMENT)
    board = tmp_path / "tensorboard"
    assert "word_embeddings" in (board / "projector_config.pbtxt").read_text()
    metadata = next(board.glob("*/word_embeddings/metadata.tsv")).read_text().split("\n")
    assert metadata[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    events = EventAccumulator(str(board), size_guidance={"tensors": 0})
    events.Reload()
    assert {"val/accuracy", "val/macro_f1", "hp/best"} <= set(events.Tags()["scalars"])
    assert events.Tensors("samples/text_summary")


def test_the_rnn_beats_the_average_where_word_order_decides(tmp_path: Path) -> None:
    """Contrast ("X but Y" vs "Y but X") and negation: the average cannot tell them apart, the RNN can."""
    settings = ["trainer.max_epochs=4", "trainer.limit_train_batches=null", "trainer.limit_val_batches=null",
                "data.num_examples.train=1600", "model.hidden_size=32", "model.embedding_size=32"]
    hard = [(example, kind) for example, kind in reviews.generate_with_kinds(400, seed=99)
            if kind in ("contrast", "negation")]
    accuracy = {}
    for encoder in ("mean", "rnn"):
        train(tmp_path / encoder, [*settings, f"task.encoder={encoder}"], tiny=TINY_SENTIMENT)
        model = ClassificationTask.load(checkpoint(tmp_path / encoder))
        predictions = model.classify([example.text for example, _ in hard])
        accuracy[encoder] = sum(p.label == e.label for p, (e, _) in zip(predictions, hard)) / len(hard)
    assert accuracy["rnn"] > 0.9 and accuracy["rnn"] > accuracy["mean"] + 0.2, accuracy


@pytest.mark.skipif(not (SHARED_DATA / "sst2" / "dev.tsv").is_file(), reason="needs ../shared/data/sst2")
@pytest.mark.parametrize("experiment", ["sentiment_sst2_bilstm", "sentiment_sst2_mean"])
def test_sst2_slice_trains(tmp_path: Path, experiment: str) -> None:
    metrics = train(tmp_path, [f"experiment={experiment}", f"paths.data_dir={SHARED_DATA}",
                               "model.embedding_size=8", "model.hidden_size=8"], tiny=TINY_SENTIMENT)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0


@pytest.mark.skipif(not (SHARED_DATA / "glove" / "glove.6B.50d.txt.gz").is_file(), reason="needs ../shared/data/glove")
@pytest.mark.skipif(not (SHARED_DATA / "sst2" / "dev.tsv").is_file(), reason="needs ../shared/data/sst2")
def test_the_glove_recipe_starts_from_the_vectors(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=sentiment_sst2_glove", f"paths.data_dir={SHARED_DATA}",
                               "model.embedding_size=50", "model.hidden_size=8", "task.freeze_embeddings=true"],
                    tiny=TINY_SENTIMENT)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0
    task = ClassificationTask.load(checkpoint(tmp_path))
    words, vectors = read_vectors(SHARED_DATA / "glove" / "glove.6B.50d.txt.gz", limit=1000)
    row = task.word_embedding().weight[task.vocabulary.id("good")]
    assert torch.allclose(row, vectors[words.index("good")])  # frozen: the embedding is GloVe's vector


def test_the_classify_command(tmp_path: Path) -> None:
    train(tmp_path / "run", [], tiny=TINY_SENTIMENT)
    shown = subprocess.run([sys.executable, "-m", "seqmodels.cli.classify", "--ckpt", str(checkpoint(tmp_path / "run")),
                            "--all", *TEXTS], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.strip().split("\n")
    assert len(lines) == 3 and lines[0].split("\t")[0] in ("0", "1") and "0=" in lines[0] and "1=" in lines[0]
    plain = subprocess.run([sys.executable, "-m", "seqmodels.cli.classify", "--ckpt", str(checkpoint(tmp_path / "run")),
                            *TEXTS], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert [line.split("\t")[0] for line in lines] == plain.stdout.splitlines()  # the label alone by default
    empty = subprocess.run([sys.executable, "-m", "seqmodels.cli.classify", "--ckpt", str(checkpoint(tmp_path / "run")),
                            "   "], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert empty.returncode == 2 and "text argument 1 is blank" in empty.stderr and "Traceback" not in empty.stderr


# -- bad input ---------------------------------------------------------------------------------


def labelled_files(tmp_path: Path, train_text: str, valid_text: str) -> list[str]:
    (tmp_path / "train.tsv").write_text(train_text, encoding="utf-8")
    (tmp_path / "valid.tsv").write_text(valid_text, encoding="utf-8")
    return ["data=labelled_files", f"data.files.train={tmp_path / 'train.tsv'}",
            f"data.files.valid={tmp_path / 'valid.tsv'}"]


TRAIN_TSV = "text\tlabel\ngood food\t1\nbad food\t0\ngreat staff\t1\n"


def test_an_unknown_label_names_the_file_and_line(tmp_path: Path) -> None:
    overrides = labelled_files(tmp_path, TRAIN_TSV, "text\tlabel\nfine\t1\nso so\t2\n")
    with pytest.raises(DataError, match=r"valid\.tsv, line 3: label '2' is not one of the training labels"):
        train(tmp_path / "run", overrides, tiny=TINY_SENTIMENT)


def test_a_row_without_a_label_names_the_file_and_line(tmp_path: Path) -> None:
    overrides = labelled_files(tmp_path, TRAIN_TSV + "no label here\n", "text\tlabel\nfine\t1\n")
    with pytest.raises(DataError, match=r"train\.tsv, line 5"):
        train(tmp_path / "run", overrides, tiny=TINY_SENTIMENT)


def test_vectors_covering_none_of_the_vocabulary_are_a_clear_error(tmp_path: Path) -> None:
    vectors = tmp_path / "vectors.txt"
    write_vectors(vectors, ["zzz", "qqq"], torch.ones(2, 8))
    with pytest.raises(DataError, match="cover none of the"):
        train(tmp_path / "run", [f"task.pretrained_vectors={vectors}"], tiny=TINY_SENTIMENT)


def trained_with_vector_words(tmp_path: Path, *overrides: str) -> ClassificationTask:
    """A classifier trained on TRAIN_TSV with 8-value vectors of good, superb, awful and food (rows 0..31) as
    task.pretrained_vectors and data.vector_words; "superb" and "awful" appear only in validation."""
    vectors = tmp_path / "vectors.txt"
    write_vectors(vectors, ["good", "superb", "awful", "food"], torch.arange(32.0).view(4, 8))
    files = labelled_files(tmp_path, TRAIN_TSV, "text\tlabel\nsuperb food\t1\nawful staff\t0\n")
    train(tmp_path / "run", [*files, f"task.pretrained_vectors={vectors}", f"data.vector_words={vectors}",
                             *overrides], tiny=TINY_SENTIMENT)
    return ClassificationTask.load(checkpoint(tmp_path / "run"))


def test_vector_words_give_words_never_seen_in_training_their_pretrained_vector(tmp_path: Path) -> None:
    task = trained_with_vector_words(tmp_path, "data.vector_words_limit=3")
    vocabulary = task.vocabulary
    assert vocabulary.tokens[4:] == ["food", "good", "bad", "great", "staff", "superb", "awful"]  # limit 3: no 4th
    superb = task.word_embedding().weight[vocabulary.id("superb")].detach()
    assert torch.equal(superb, torch.arange(8.0, 16.0))       # never in a training batch: still its GloVe vector


def test_an_embedding_wider_than_the_vectors_learns_its_added_columns(tmp_path: Path) -> None:
    task = trained_with_vector_words(tmp_path, "model.embedding_size=12")
    weight = task.word_embedding().weight.detach()
    assert weight.shape[1] == 12
    superb = weight[task.vocabulary.id("superb")]
    assert torch.equal(superb[:8], torch.arange(8.0, 16.0))     # [v, r]: GloVe's vector first ...
    assert 0 < superb[8:].abs().max() <= 0.1                    # ... then four random columns


def test_word_dropout_trains_and_the_reloaded_classifier_keeps_it_for_training_only(tmp_path: Path) -> None:
    train(tmp_path, ["task.word_dropout=0.3"], tiny=TINY_SENTIMENT)
    task = ClassificationTask.load(checkpoint(tmp_path))
    assert task.network.word_dropout.p == 0.3
    first, again = task.classify(TEXTS), task.classify(TEXTS)   # evaluation: no word is dropped
    assert [p.probabilities for p in first] == [p.probabilities for p in again]


def test_the_weight_average_is_what_validation_and_the_checkpoint_see(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["callbacks=ema", "callbacks.ema.decay=0.5"], tiny=TINY_SENTIMENT)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0
    saved = torch.load(checkpoint(tmp_path), map_location="cpu", weights_only=True)
    averaged, current = saved["state_dict"], saved["current_model_state"]
    name = "network.output.weight"
    assert not torch.equal(averaged[name], current[name])       # θ_ema, not the last step's θ
    task = ClassificationTask.load(checkpoint(tmp_path))
    assert torch.equal(task.network.output.weight.detach(), averaged[name])
    assert len(task.classify(TEXTS)) == len(TEXTS)


def test_bad_encoder_and_pooling_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="encoder='bag'"):
        train(tmp_path / "a", ["task.encoder=bag"], tiny=TINY_SENTIMENT)
    with pytest.raises(ConfigError, match="pooling='first'"):
        train(tmp_path / "b", ["task.pooling=first"], tiny=TINY_SENTIMENT)


def test_more_than_two_labels(tmp_path: Path) -> None:
    rows = "".join(f"{text}\t{stars}\n" for text, stars in [("awful", 1), ("fine", 3), ("superb", 5), ("bad", 1),
                                                            ("okay", 3), ("great", 5)])
    overrides = labelled_files(tmp_path, "review\tstars\n" + rows, "review\tstars\n" + rows)
    train(tmp_path / "run", overrides, tiny=TINY_SENTIMENT)
    assert json.loads((tmp_path / "run" / "labels.json").read_text()) == ["1", "3", "5"]
    prediction = ClassificationTask.load(checkpoint(tmp_path / "run")).classify(["superb"])[0]
    assert set(prediction.probabilities) == {"1", "3", "5"}


def test_missing_sst2_says_where_to_put_it(tmp_path: Path) -> None:
    from seqmodels.data.modules.classification import ClassificationData

    with pytest.raises(DataError, match=r"sst2/train\.tsv: no such file.*paths\.data_dir"):
        ClassificationData(corpus="sst2", data_dir=str(tmp_path)).setup()


def test_labelled_files_without_paths_name_the_option() -> None:
    """``data.files.*`` default to null, so through train.py too the datamodule names the missing option."""
    from seqmodels.data.modules.classification import ClassificationData

    with pytest.raises(ConfigError, match=r"data\.files\.valid is not set"):
        ClassificationData(corpus="files", files={"train": "a.tsv", "valid": None}).setup()


# torch 2.13's dynamo calls its own deprecated torch.jit.script_method while tracing: nothing on our side
@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
def test_compile_true_trains_a_compiled_network_whose_checkpoint_loads_uncompiled(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["compile=true"], tiny=TINY_SENTIMENT)
    assert 0.0 <= metrics["val/accuracy"] <= 1.0
    state = torch.load(checkpoint(tmp_path), map_location="cpu", weights_only=True)["state_dict"]
    assert not any("_orig_mod" in key for key in state)                       # the same keys as without compile
    assert len(ClassificationTask.load(checkpoint(tmp_path)).classify(TEXTS)) == len(TEXTS)
