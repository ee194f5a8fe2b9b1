"""Huge inputs cost bounded time and memory: a 10,000-character source decodes at most max_length_cap steps,
100,000-token inputs are read in chunks (the tests count decoding steps and the positions per model call,
never wall-clock time)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import torch

from seqmodels.cli import translate
from seqmodels.decoding.sampling import CONTEXT_CHUNK
from seqmodels.errors import ConfigError
from seqmodels.tasks.classification import ClassificationTask
from seqmodels.tasks.language_modeling import LOGIT_BUDGET, SAMPLE_BATCH, LanguageModelTask
from seqmodels.tasks.tagging import TaggingTask
from seqmodels.tasks.translation import TranslationTask
from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, train

HUGE = 100_000


def trained(folder: Path, tiny: List[str], overrides: List[str]) -> Path:
    train(folder, [*overrides, "test=false"], tiny=tiny)
    return folder / "checkpoints" / "last.ckpt"


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """Tiny checkpoints, trained once for the module (the tagger with softmax outputs: the CRF's Viterbi is a
    Python loop of one step per token, linear but slow for 100,000 tokens on a CPU)."""
    return {"lm": trained(tmp_path_factory.mktemp("lm"), TINY, ["callbacks.ngram_baseline=null"]),
            "ner": trained(tmp_path_factory.mktemp("ner"), TINY_NER, ["task.output=softmax"]),
            "sentiment": trained(tmp_path_factory.mktemp("sentiment"), TINY_SENTIMENT, []),
            "seq2seq": trained(tmp_path_factory.mktemp("seq2seq"), TINY_SEQ2SEQ, [])}


def count_steps(task: TranslationTask, monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """The rows of every decoder step of ``task``, appended as they run."""
    steps: List[int] = []
    original = task.network.step

    def counted(tokens, state):
        steps.append(tokens.size(0))
        return original(tokens, state)

    monkeypatch.setattr(task.network, "step", counted)
    return steps


def call_lengths(module: torch.nn.Module) -> List[int]:
    """The number of positions of every call of ``module`` (its first argument's dimension 1)."""
    lengths: List[int] = []
    module.register_forward_pre_hook(lambda _, inputs: lengths.append(inputs[0].size(1)))
    return lengths


@pytest.mark.parametrize("beam", [1, 3])
def test_a_10000_character_source_decodes_at_most_the_cap(ckpt, monkeypatch, beam: int) -> None:
    task = TranslationTask.load(ckpt["seq2seq"])
    assert task.decoding["max_length_cap"] == 512
    steps = count_steps(task, monkeypatch)
    (long, short) = task.translate(["1" * 10_000, "1/2/99"], beam_size=beam)
    assert len(steps) <= 512 and len(long.tokens) <= 512
    assert long.capped and not long.finished and long.attention.shape == (len(long.tokens), 10_000)
    assert not short.capped


def test_a_lower_cap_and_an_explicit_max_length_above_it(ckpt) -> None:
    task = TranslationTask.load(ckpt["seq2seq"])
    task.decoding["max_length_cap"] = 20
    (long,) = task.translate(["1" * 1_000])
    assert len(long.tokens) <= 20 and long.capped
    with pytest.raises(ConfigError, match="max_length=21: must be a whole number from 1 to 20"):
        task.translate(["1/2/99"], max_length=21)
    (short,) = task.translate(["1" * 1_000], max_length=5)
    assert len(short.tokens) <= 5 and not short.capped  # the user's own limit, not the cap


@pytest.mark.parametrize("decoding,message", [
    ({"max_length_cap": 0}, "task.decoding.max_length_cap=0: must be a whole number >= 1"),
    ({"max_length": 600}, "task.decoding.max_length=600: must be a whole number from 1 to 512"),
    ({"beam_size": 0}, "task.decoding.beam_size=0: must be a whole number from 1 to 256"),
    ({"length_penalty": float("nan")}, "task.decoding.length_penalty=nan: must be a finite number >= 0"),
    ({"max_length_ratio": 0}, "task.decoding.max_length_ratio=0: must be a finite number > 0"),
    ({"max_length_offset": -1}, "task.decoding.max_length_offset=-1: must be a whole number >= 0"),
])
def test_bad_decoding_options_name_the_option(tmp_path: Path, decoding: dict, message: str) -> None:
    overrides = [f"++task.decoding.{name}={value}" for name, value in decoding.items()]
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        train(tmp_path, overrides, tiny=TINY_SEQ2SEQ)


def test_the_command_warns_when_the_output_stops_at_the_cap(ckpt, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"1" * 10_000 + b"\n")))
    translate.main(["--ckpt", str(ckpt["seq2seq"])])
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert "warning: sentence 1 (10,000 source tokens): the output stopped at 512 tokens" in err


def test_score_reads_a_100000_token_sentence_in_chunks(ckpt) -> None:
    task = LanguageModelTask.load(ckpt["lm"])
    lengths = call_lengths(task.network.recurrent)  # the prompt and the text are read by the recurrent layer
    text = "ab" * (HUGE // 2)
    (huge, short) = task.score([text, "ab"])
    steps = LOGIT_BUDGET // (2 * len(task.vocabulary))
    assert huge.tokens == HUGE + 1 and short.tokens == 3
    assert max(lengths) <= steps and sum(lengths) == HUGE + 1  # every position read once, in bounded chunks
    (alone,) = task.score(["ab"])
    assert alone.log_prob == pytest.approx(short.log_prob, abs=1e-4)  # the batch's padding changes nothing


def test_sample_reads_a_100000_token_prompt_once_in_chunks(ckpt) -> None:
    task = LanguageModelTask.load(ckpt["lm"])
    lengths = call_lengths(task.network.recurrent)  # the prompt and the text are read by the recurrent layer
    prompt = "ab" * (HUGE // 2)
    texts = task.generate(prompt, num_samples=3, max_length=7, seed=0, stop_at_eos=False)
    assert len(texts) == 3 and all(text.startswith(prompt) for text in texts)
    assert max(lengths) <= CONTEXT_CHUNK
    prompt_calls = -(-HUGE // CONTEXT_CHUNK)  # the prompt (with its start token, but its last token) once
    assert len(lengths) == prompt_calls + 1 + 6  # then its last token, then one call per further new token


def test_many_samples_come_in_batches(ckpt) -> None:
    task = LanguageModelTask.load(ckpt["lm"])
    batches = list(task.generate_batches("a", num_samples=2 * SAMPLE_BATCH + 1, max_length=2, seed=0))
    assert [len(batch) for batch in batches] == [SAMPLE_BATCH, SAMPLE_BATCH, 1]


def test_tag_and_classify_take_a_100000_token_sentence_whole(ckpt) -> None:
    tagger = TaggingTask.load(ckpt["ner"])
    (tagged,) = tagger.tag([" ".join(["Harry"] * HUGE)])
    assert len(tagged) == HUGE
    classifier = ClassificationTask.load(ckpt["sentiment"])
    (prediction,) = classifier.classify([" ".join(["good"] * HUGE)])
    assert prediction.label in classifier.labels and 0.0 < prediction.probability <= 1.0
