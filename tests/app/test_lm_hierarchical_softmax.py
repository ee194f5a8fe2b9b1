"""End to end through Hydra: ``task=lm task.output=hierarchical_softmax`` trains on the embedded corpus, its
checkpoint (with the training counts that shape the Huffman tree) loads back, resumes, samples, scores and
exports (the exported "logits" are then the log-probabilities)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from seqmodels.checkpoints import read_checkpoint
from seqmodels.cli import export, sample, score
from seqmodels.data.modules.language_modeling import LanguageModelData
from seqmodels.errors import ConfigError
from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax
from seqmodels.tasks.language_modeling import LanguageModelTask
from tests.app.hydra_helpers import train

HIERARCHICAL = ["task.output=hierarchical_softmax", "callbacks.ngram_baseline=null"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lm_hs")
    metrics = train(folder, HIERARCHICAL)
    assert 1.0 < metrics["val/ppl"] < 1000 and math.isfinite(metrics["test/ppl"])
    return folder


def test_the_checkpoint_holds_the_counts_and_loads_as_a_hierarchical_softmax(run_folder: Path) -> None:
    last = run_folder / "checkpoints" / "last.ckpt"
    saved = read_checkpoint(last)
    hparams = saved["hyper_parameters"]
    task = LanguageModelTask.load(last)
    vocabulary = task.vocabulary
    assert hparams["output"] == "hierarchical_softmax" and isinstance(task.network.output, HierarchicalSoftmax)
    counts = hparams["counts"]
    assert len(counts) == len(vocabulary) and counts[vocabulary.pad_id] == counts[vocabulary.bos_id] == 0
    assert counts[vocabulary.eos_id] > 0 and sum(counts) > 1000  # one <eos> a line: it is predicted too
    assert "output.bias" not in saved["state_dict"]
    assert saved["state_dict"]["network.output.weight"].shape == (len(vocabulary) - 1, 16)
    with torch.no_grad():
        log_probs, _ = task.network(torch.tensor([vocabulary.encode(list("The assert"))]))
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(log_probs.shape[:2]))
    again = LanguageModelTask.load(last)  # the same tree from the same counts: the same numbers
    sentences = ["The assert statement", "Zzz qq"]
    assert [s.log_prob for s in task.score(sentences)] == [s.log_prob for s in again.score(sentences)]
    assert task.generate("The ", max_length=30, seed=3) == again.generate("The ", max_length=30, seed=3)


def test_a_hierarchical_run_resumes_and_a_softmax_run_cannot_resume_it(run_folder: Path, tmp_path: Path) -> None:
    last = run_folder / "checkpoints" / "last.ckpt"
    metrics = train(tmp_path / "resumed", [*HIERARCHICAL, "trainer.max_epochs=2", f"ckpt_path={last}"])
    assert math.isfinite(metrics["val/ppl"])
    assert torch.load(tmp_path / "resumed" / "checkpoints" / "last.ckpt", weights_only=True)["epoch"] == 1
    with pytest.raises(ConfigError, match="task.output: 'hierarchical_softmax' in the checkpoint, 'softmax' here"):
        train(tmp_path / "softmax", ["callbacks.ngram_baseline=null", "trainer.max_epochs=2", f"ckpt_path={last}"])


def test_sample_and_score_commands_read_the_hierarchical_checkpoint(run_folder: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    checkpoint = str(run_folder / "checkpoints" / "last.ckpt")
    arguments = ["--ckpt", checkpoint, "--prompt", "The ", "-n", "3", "--max-length", "40", "--seed", "7",
                 "--top-k", "5", "--temperature", "0.8"]
    sample.main(arguments)
    first = capsys.readouterr().out
    sample.main(arguments)
    assert capsys.readouterr().out == first and first.startswith("The ")
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("The apple and pear salad.\nThe apple and pair salad.\n", encoding="utf-8")
    score.main(["--ckpt", checkpoint, "--input", str(sentences), "--source"])
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2
    for row in rows:
        text, log_prob, perplexity, tokens, unknown = row.split("\t")
        assert float(log_prob) < 0 and int(tokens) == len(text) + 1 and int(unknown) == 0
        assert float(perplexity) == pytest.approx(math.exp(-float(log_prob) / int(tokens)), rel=1e-3)


def test_the_exported_step_gives_the_log_probabilities(run_folder: Path, tmp_path: Path) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    checkpoint = run_folder / "checkpoints" / "last.ckpt"
    for file_format in ("torchscript", "onnx"):
        export.main(["--ckpt", str(checkpoint), "--output", str(tmp_path / file_format), "--format", file_format])
    network = LanguageModelTask.load(checkpoint).network
    scripted = torch.jit.load(str(tmp_path / "torchscript" / "languagemodel.pt"))
    session = onnxruntime.InferenceSession(str(tmp_path / "onnx" / "languagemodel.onnx"))
    for rows, steps in ((3, 7), (1, 1)):  # not the shapes they were traced on
        tokens = torch.randint(1, network.vocab_size, (rows, steps))
        state = (torch.randn(1, rows, 16), torch.randn(1, rows, 16))
        with torch.no_grad():
            log_probs, final = network(tokens, state)
            from_torchscript = scripted(tokens, *state)
        from_onnx = session.run(None, {"tokens": tokens.numpy(), "h": state[0].numpy(), "c": state[1].numpy()})
        torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(rows, steps))
        torch.testing.assert_close(from_torchscript[0], log_probs, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(torch.from_numpy(from_onnx[0]), log_probs, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(torch.from_numpy(from_onnx[1]), final[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("batching", ["bptt", "sentences"])
def test_the_counts_are_how_often_each_id_is_a_target(batching: str) -> None:
    data = LanguageModelData(level="word", min_freq=2, batching=batching, batch_size=16)
    data.setup("fit")
    counts = torch.tensor(data.task_arguments()["counts"])
    vocabulary = data.vocabulary
    assert counts.shape == (len(vocabulary),) and counts[vocabulary.pad_id] == counts[vocabulary.bos_id] == 0
    if batching == "bptt":  # the whole stream (the batches drop its last few tokens)
        expected = torch.bincount(data.stream("train"), minlength=len(vocabulary))
    else:
        expected = torch.zeros(len(vocabulary), dtype=torch.long)
        for _, targets, _ in data.train_dataloader():
            expected += torch.bincount(targets.flatten(), minlength=len(vocabulary))
        expected[vocabulary.pad_id] = 0
    assert counts.tolist() == expected.tolist() and counts[vocabulary.unk_id] > 0


@pytest.mark.parametrize("overrides, message", [
    (["task.output=hierarchical_softmax", "task.tie_weights=true", "model.embedding_size=16"],
     "task.tie_weights=true with task.output=hierarchical_softmax"),
    (["task.output=adaptive"], "task.output='adaptive': choose one of ['softmax', 'hierarchical_softmax']"),
])
def test_bad_output_options_are_config_errors(tmp_path: Path, overrides: list, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        train(tmp_path, overrides)
    assert message in str(error.value) and len(str(error.value).splitlines()) == 1
