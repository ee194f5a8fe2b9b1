"""End to end through Hydra: ``task=lm task.output=hierarchical_softmax`` and ``task.output=adaptive_softmax``
train on the embedded corpus, their checkpoints (with the training counts that shape the Huffman tree or the
frequency order) load back, resume, sample, score and export (the exported "logits" are then the
log-probabilities)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from seqmodels.checkpoints import read_checkpoint
from seqmodels.cli import export, sample, score
from seqmodels.data.modules.language_modeling import LanguageModelData
from seqmodels.errors import ConfigError
from seqmodels.nn.adaptive_softmax import AdaptiveSoftmax
from seqmodels.nn.hierarchical_softmax import HierarchicalSoftmax
from seqmodels.tasks.language_modeling import LanguageModelTask
from tests.app.hydra_helpers import SHARED_DATA, compose_train, train

OUTPUT_OPTIONS = {"hierarchical_softmax": ["task.output=hierarchical_softmax"],
                  "adaptive_softmax": ["task.output=adaptive_softmax", "task.cutoffs=[10,40]"]}
# the parameters each saves: the inner-node vectors; the head (its 10 words + 2 tails) and each tail's pair
SAVED_SHAPES = {"hierarchical_softmax": lambda v: {"network.output.weight": (v - 1, 16)},
                "adaptive_softmax": lambda v: {"network.output.layer.head.weight": (12, 16),
                                               "network.output.layer.tail.0.0.weight": (4, 16),
                                               "network.output.layer.tail.1.1.weight": (v - 40, 1)}}
LAYER = {"hierarchical_softmax": HierarchicalSoftmax, "adaptive_softmax": AdaptiveSoftmax}


def options(output: str) -> list:
    return [*OUTPUT_OPTIONS[output], "callbacks.ngram_baseline=null"]


@pytest.fixture(scope="module", params=sorted(OUTPUT_OPTIONS))
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """(output, run folder) of a one-epoch run with that output layer."""
    folder = tmp_path_factory.mktemp(request.param)
    metrics = train(folder, options(request.param))
    assert 1.0 < metrics["val/ppl"] < 1000 and math.isfinite(metrics["test/ppl"])
    return request.param, folder


def test_the_checkpoint_holds_the_counts_and_loads_as_its_output_layer(trained: tuple) -> None:
    output, run_folder = trained
    last = run_folder / "checkpoints" / "last.ckpt"
    saved = read_checkpoint(last)
    hparams = saved["hyper_parameters"]
    task = LanguageModelTask.load(last)
    vocabulary = task.vocabulary
    assert hparams["output"] == output and isinstance(task.network.output, LAYER[output])
    counts = hparams["counts"]
    assert len(counts) == len(vocabulary) and counts[vocabulary.pad_id] == counts[vocabulary.bos_id] == 0
    assert counts[vocabulary.eos_id] > 0 and sum(counts) > 1000  # one <eos> a line: it is predicted too
    assert "output.bias" not in saved["state_dict"]
    for name, shape in SAVED_SHAPES[output](len(vocabulary)).items():
        assert saved["state_dict"][name].shape == shape
    with torch.no_grad():
        log_probs, _ = task.network(torch.tensor([vocabulary.encode(list("The assert"))]))
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(log_probs.shape[:2]))
    again = LanguageModelTask.load(last)  # the same tree from the same counts: the same numbers
    sentences = ["The assert statement", "Zzz qq"]
    assert [s.log_prob for s in task.score(sentences)] == [s.log_prob for s in again.score(sentences)]
    assert task.generate("The ", max_length=30, seed=3) == again.generate("The ", max_length=30, seed=3)


def test_a_run_resumes_and_a_softmax_run_cannot_resume_it(trained: tuple, tmp_path: Path) -> None:
    output, run_folder = trained
    last = run_folder / "checkpoints" / "last.ckpt"
    metrics = train(tmp_path / "resumed", [*options(output), "trainer.max_epochs=2", f"ckpt_path={last}"])
    assert math.isfinite(metrics["val/ppl"])
    assert torch.load(tmp_path / "resumed" / "checkpoints" / "last.ckpt", weights_only=True)["epoch"] == 1
    with pytest.raises(ConfigError, match=f"task.output: '{output}' in the checkpoint, 'softmax' here"):
        train(tmp_path / "softmax", ["callbacks.ngram_baseline=null", "trainer.max_epochs=2", f"ckpt_path={last}"])


def test_sample_and_score_commands_read_the_checkpoint(trained: tuple, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    _, run_folder = trained
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


def test_the_exported_step_gives_the_log_probabilities(trained: tuple, tmp_path: Path) -> None:
    _, run_folder = trained
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
    (["task.output=adaptive"], "task.output='adaptive': choose one of ['softmax', 'hierarchical_softmax', "
                               "'adaptive_softmax']"),
    (["task.output=adaptive_softmax"], "task.output=adaptive_softmax with task.cutoffs=[2000, 10000], "
                                       "task.div_value=4 and model.hidden_size=16: cutoffs must increase and lie in"),
])
def test_bad_output_options_are_config_errors(tmp_path: Path, overrides: list, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        train(tmp_path, overrides)
    assert message in str(error.value) and len(str(error.value).splitlines()) == 1


def test_the_fast_recipe_is_the_example_recipe_with_the_adaptive_softmax(tmp_path: Path) -> None:
    fast = compose_train(tmp_path, ["experiment=lm_wikitext2_fast"], tiny=[])
    example = compose_train(tmp_path, ["experiment=lm_wikitext2"], tiny=[])
    assert (fast.task.output, list(fast.task.cutoffs), fast.task.div_value) == ("adaptive_softmax", [2000, 10000], 4)
    assert example.task.output == "softmax"
    for group in ("model", "data", "trainer"):
        assert fast[group] == example[group]
    assert fast.task.optimizer == example.task.optimizer and fast.task.lr_decay == example.task.lr_decay


@pytest.mark.skipif(not (SHARED_DATA / "wikitext-2").is_dir(), reason="needs ../shared/data/wikitext-2")
def test_the_fast_recipe_trains_a_few_steps_on_wikitext2(tmp_path: Path) -> None:
    metrics = train(tmp_path, ["experiment=lm_wikitext2_fast", f"paths.data_dir={SHARED_DATA}",
                               "trainer.max_epochs=1", "trainer.limit_train_batches=3", "trainer.limit_val_batches=3",
                               "trainer.limit_test_batches=3", "callbacks.ngram_baseline=null"], tiny=[])
    assert 100 < metrics["val/ppl"] < 40000 and math.isfinite(metrics["test/ppl"])
