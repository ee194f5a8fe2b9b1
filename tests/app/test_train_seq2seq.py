"""End to end through Hydra: seq2seq trains on generated dates for every cell family and attention kind,
checkpoints, reloads and translates as it did in training; scheduled sampling, luong style and input
feeding; TensorBoard's attention maps, samples and BLEU signature; the command line; bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from seqmodels.cli.export import main as export_main
from seqmodels.data.corpora.dates import generate
from seqmodels.data.encoding.subwords import SubwordModel
from seqmodels.errors import ConfigError, DataError
from seqmodels.metrics.bleu import corpus_bleu
from seqmodels.tasks.translation import TranslationTask
from tests.app.hydra_helpers import ROOT, SHARED_DATA, TINY_SEQ2SEQ, compose_train, train

FAMILIES = ("rnn", "gru", "lstm")
ATTENTIONS = {"none": [], "dot": ["model.bidirectional=false"], "general": [], "additive": []}
TEST_SEED_OFFSET = 2  # the datamodule generates the test split with seed + 2


def best_checkpoint(run_folder: Path) -> Path:
    return next((run_folder / "checkpoints").glob("best-*.ckpt"))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("attention", list(ATTENTIONS))
def test_each_family_and_attention_trains_reloads_and_translates_the_same(tmp_path: Path, family: str,
                                                                           attention: str) -> None:
    metrics = train(tmp_path, [f"model={family}", f"model.attention={attention}", *ATTENTIONS[attention]],
                    tiny=TINY_SEQ2SEQ)
    assert {"val/exact_match", "val/bleu", "val/ppl", "val/token_accuracy", "test/bleu"} <= set(metrics)
    assert (tmp_path / "source_vocab.json").is_file() and (tmp_path / "target_vocab.json").is_file()
    # the test split (32 dates, seed 0 + 2) translated by the reloaded best checkpoint scores what the test did
    task = TranslationTask.load(best_checkpoint(tmp_path))
    pairs = generate(32, TEST_SEED_OFFSET)
    outputs = task.translate([pair.source for pair in pairs])
    bleu = corpus_bleu([o.text for o in outputs], [pair.target.lower() for pair in pairs], lowercase=True)
    assert bleu.score == pytest.approx(metrics["test/bleu"], abs=1e-4)
    exact = sum(o.finished and o.text == pair.target for o, pair in zip(outputs, pairs)) / len(pairs)
    assert exact == pytest.approx(metrics["test/exact_match"], abs=1e-6)
    assert all((o.attention is None) == (attention == "none") for o in outputs)


@pytest.mark.parametrize("overrides", [
    ["model.attention_style=luong"],
    ["model.attention_style=luong", "model.input_feeding=true", "model=lstm"],
    ["task.teacher_forcing=0.5"],
    ["task.teacher_forcing=1.0", "task.teacher_forcing_final=0.0", "task.teacher_forcing_epochs=2",
     "trainer.max_epochs=2", "task.decoding.beam_size=3"],
])
def test_styles_feeding_scheduled_sampling_and_beam_validation_train(tmp_path: Path, overrides: List[str]) -> None:
    metrics = train(tmp_path, overrides, tiny=TINY_SEQ2SEQ)
    assert 0.0 <= metrics["val/exact_match"] <= 1.0 and metrics["val/ppl"] > 1.0
    if "task.teacher_forcing_final=0.0" in overrides:
        assert metrics["train/teacher_forcing"] == pytest.approx(0.5)  # epoch 1 of 2: halfway from 1 to 0


def test_tensorboard_shows_attention_maps_translations_and_the_bleu_signature(tmp_path: Path) -> None:
    train(tmp_path, [], tiny=TINY_SEQ2SEQ)
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"tensors": 0, "images": 0})
    events.Reload()
    assert {f"attention/example_{i}" for i in range(4)} <= set(events.Tags()["images"])
    assert {"val/bleu", "val/exact_match", "hp/best"} <= set(events.Tags()["scalars"])
    signature = events.Tensors("bleu/text_summary")[-1].tensor_proto.string_val[0].decode()
    assert "nrefs:1|case:lc|eff:no|tok:13a" in signature
    samples = events.Tensors("samples/text_summary")[-1].tensor_proto.string_val[0].decode()
    assert "→" in samples


def test_the_command_line_translates_with_beam_search_and_prints_the_attention(tmp_path: Path) -> None:
    train(tmp_path, [], tiny=TINY_SEQ2SEQ)
    command = [sys.executable, "-m", "seqmodels.cli.translate", "--ckpt", str(best_checkpoint(tmp_path)), "--beam", "3",
               "--attention", "--attention-png", str(tmp_path / "maps"), "--source", "the 3rd of march 1998", "1/2/99"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("the 3rd of march 1998\t")
    assert len(list((tmp_path / "maps").glob("attention_*.png"))) == 2
    header = lines[1].split()                                                     # the matrix: source characters
    assert header == list("the␣3rd␣of␣march␣1998")
    piped = subprocess.run(command[:7], input="Tue 17 Jun 2003\n\n", capture_output=True, text=True, cwd=ROOT,
                           check=True)
    assert len(piped.stdout.splitlines()) == 2 and piped.stdout.splitlines()[1] == ""  # a blank line stays


def test_subword_sides_travel_in_the_checkpoint_and_translate_the_same_after_reloading(tmp_path: Path) -> None:
    metrics = train(tmp_path / "run", ["data.source_level=subword", "data.target_level=subword",
                                       "data.subword_vocab_size=40"], tiny=TINY_SEQ2SEQ)
    moved = tmp_path / "elsewhere.ckpt"                      # the checkpoint alone: no run folder, no model file
    best_checkpoint(tmp_path / "run").rename(moved)
    shutil.rmtree(tmp_path / "run")
    saved = torch.load(moved, map_location="cpu", weights_only=True)["hyper_parameters"]["vocabularies"]["subwords"]
    assert set(saved) == {"source", "target"}
    assert all(model["kind"] == "moses+sentencepiece" for model in saved.values())
    task = TranslationTask.load(moved)
    pairs = generate(32, TEST_SEED_OFFSET)
    outputs = task.translate([pair.source for pair in pairs])
    assert all(o.source_tokens == task.source_codec.subwords.encode(pair.source.lower())
               for o, pair in zip(outputs, pairs))
    bleu = corpus_bleu([o.text for o in outputs], [pair.target.lower() for pair in pairs], lowercase=True)
    assert bleu.score == pytest.approx(metrics["test/bleu"], abs=1e-4)     # what the trained model's test scored
    command = [sys.executable, "-m", "seqmodels.cli.translate", "--ckpt", str(moved), "--source",
               *(pair.source for pair in pairs[:4])]
    printed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    assert [line.split("\t")[1] for line in printed] == [o.text for o in outputs[:4]]
    export_main(["--ckpt", str(moved), "--output", str(tmp_path / "exported")])   # the models go with the export
    meta = json.loads((tmp_path / "exported" / "translation_decoder_step.json").read_text(encoding="utf-8"))
    assert meta["target_level"] == "subword" and SubwordModel.from_dict(meta["subwords"]["target"]) == \
        task.target_codec.subwords


@pytest.mark.parametrize("arguments,message", [
    ([], "nope.ckpt: no such checkpoint file"),
    (["--beam", "0"], "--beam 0: the beam size must be at least 1"),
    (["--max-length", "0"], "--max-length 0: must be at least 1"),
])
def test_the_command_line_reports_bad_input_in_one_line(tmp_path: Path, arguments: List[str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "seqmodels.cli.translate", "--ckpt", str(tmp_path / "nope.ckpt"),
                             *arguments, "x"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("override,message", [
    ("task.monitor=accuracy", "task.monitor='accuracy': choose one of"),
    ("task.teacher_forcing=1.5", "task.teacher_forcing=1.5: a probability in"),
    ("+task.decoding.beam=3", "task.decoding has unknown options ['beam']"),
    ("model.attention=bahdanau", "attention='bahdanau': choose one of"),
    ("data.source_level=bytes", "data.source_level"),
    ("data.subword_model=wordpiece", "data.subword_model"),
])
def test_bad_seq2seq_options_name_the_option(tmp_path: Path, override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        train(tmp_path, [override], tiny=TINY_SEQ2SEQ)


def test_unknown_words_empty_and_very_long_sources_at_prediction(tmp_path: Path) -> None:
    """Documented handling: unknown tokens become <unk> and are translated; an empty source is an error; a
    source far longer than any seen (1,000 tokens) is read whole and the output stops at max_length."""
    train(tmp_path, [], tiny=TINY_SEQ2SEQ)
    task = TranslationTask.load(best_checkpoint(tmp_path))
    (unknown,) = task.translate(["ΩΩΩ ЖЖЖ"])
    assert set(unknown.source_tokens) <= set("ωж ") and unknown.attention.shape[1] == 7
    with pytest.raises(DataError, match="empty source"):
        task.translate(["   "])
    (long,) = task.translate(["1" * 1000], max_length=15)
    assert len(long.tokens) <= 15 and long.attention.shape[1] == 1000
    (default_cap,) = task.translate(["1" * 1000])
    assert len(default_cap.tokens) <= 1510  # ceil(1.5 · 1000) + 10


def write_lines(path: Path, lines: List[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def parallel_overrides(tmp_path: Path, train_source: Path, train_target: Path) -> List[str]:
    valid_source = write_lines(tmp_path / "valid.src", ["a b", "c"])
    valid_target = write_lines(tmp_path / "valid.tgt", ["x", "y z"])
    return ["data=parallel_files", f"data.files.train.source={train_source}",
            f"data.files.train.target={train_target}", f"data.files.valid.source={valid_source}",
            f"data.files.valid.target={valid_target}", "task.monitor=bleu"]


def test_parallel_files_train_with_bleu_as_the_main_metric(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "train.src", ["a b", "c", "a c", "b"] * 8)
    target = write_lines(tmp_path / "train.tgt", ["x", "y z", "x z", "y"] * 8)
    metrics = train(tmp_path / "run", parallel_overrides(tmp_path, source, target), tiny=TINY_SEQ2SEQ)
    assert "val/bleu" in metrics and "hp/best" in metrics


def test_parallel_files_of_different_lengths_name_both_files_and_counts(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "train.src", ["a b", "c", "d"])
    target = write_lines(tmp_path / "train.tgt", ["x", "y"])
    with pytest.raises(DataError) as error:
        train(tmp_path / "run", parallel_overrides(tmp_path, source, target), tiny=TINY_SEQ2SEQ)
    assert str(source) in str(error.value) and str(target) in str(error.value)
    assert "3" in str(error.value) and "2" in str(error.value)


def test_an_empty_source_line_names_the_file_and_line(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "train.src", ["a b", "", "d"])
    target = write_lines(tmp_path / "train.tgt", ["x", "y", "z"])
    with pytest.raises(DataError, match=r"train\.src.*line 2"):
        train(tmp_path / "run", parallel_overrides(tmp_path, source, target), tiny=TINY_SEQ2SEQ)


@pytest.mark.parametrize("experiment", ["dates_attention", "multi30k_gru_attention", "multi30k_no_attention",
                                        "multi30k_subword"])
def test_the_experiments_compose(tmp_path: Path, experiment: str) -> None:
    cfg = compose_train(tmp_path, [f"experiment={experiment}"], tiny=[])
    assert cfg.task._target_ == "seqmodels.tasks.translation.TranslationTask"
    assert cfg.model.attention == ("none" if experiment.endswith("no_attention") else "additive")
    assert cfg.optimized_metric == f"val/{cfg.task.monitor}"


@pytest.mark.skipif(not (SHARED_DATA / "multi30k" / "train.de.gz").is_file(), reason="Multi30k is not here")
def test_multi30k_trains_a_few_steps_with_bleu(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=multi30k_gru_attention", f"paths.data_dir={SHARED_DATA}",
                               "model.embedding_size=8", "model.hidden_size=8", "data.min_freq=50"],
                    tiny=TINY_SEQ2SEQ)
    assert 0.0 <= metrics["val/bleu"] <= 100.0 and metrics["val/ppl"] > 1.0


def test_last_ckpt_holds_the_last_epoch_even_when_it_is_not_the_best(tmp_path: Path) -> None:
    """Lightning 2.6's save_last refreshes last.ckpt only with a new best; ours is written every epoch."""
    metrics = train(tmp_path, ["trainer.max_epochs=3"], tiny=TINY_SEQ2SEQ)
    assert metrics["val/exact_match"] == 0.0                     # a few steps of a tiny model: never a new best
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    best = torch.load(best_checkpoint(tmp_path), map_location="cpu", weights_only=True)
    assert (last["epoch"], last["global_step"]) == (2, 9) and best["epoch"] == 0
