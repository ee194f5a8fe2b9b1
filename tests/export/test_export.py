"""seqmodels export: TorchScript files that give the trained network's outputs and run with torch alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest
import torch
from torch import nn

from seqmodels.cli.export import main
from seqmodels.errors import ConfigError
from seqmodels.export import export, fix_backends
from seqmodels.nn import RecurrentCell
from seqmodels.nn.recurrent_options import RecurrentOptions
from seqmodels.tasks.registry import load
from tests.app.hydra_helpers import TINY, TINY_NER, TINY_SENTIMENT, TINY_SEQ2SEQ, train

ROOT = Path(__file__).resolve().parents[2]
TINY_TASKS = {"languagemodel": TINY, "tagging": TINY_NER, "classification": TINY_SENTIMENT,
              "translation_encoder": TINY_SEQ2SEQ}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[Path, Path]]:
    """name -> (checkpoint, exported .pt), for a tiny language model, NER tagger (CRF, characters), classifier and
    seq2seq model (its encoder; the decoder step lies beside it)."""
    result = {}
    for name, tiny in TINY_TASKS.items():
        folder = tmp_path_factory.mktemp(name)
        train(folder / "run", tiny=tiny)
        checkpoint = folder / "run" / "checkpoints" / "last.ckpt"
        main(["--ckpt", str(checkpoint), "--output", str(folder / "out")])
        result[name] = (checkpoint, folder / "out" / f"{name}.pt")
    return result


def test_the_language_model_step_gives_the_network_logits_and_state(exported) -> None:
    checkpoint, path = exported["languagemodel"]
    network, step = load(checkpoint).network, torch.jit.load(str(path))
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    tokens = torch.randint(1, len(meta["vocabulary"]["tokens"]), (3, 7))
    state = (torch.randn(1, 3, 16), torch.randn(1, 3, 16))
    with torch.no_grad():
        logits, final = network(tokens, state)
        got = step(tokens, *state)
    torch.testing.assert_close(got[0], logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got[1:], final, atol=1e-5, rtol=1e-5)
    assert [spec["name"] for spec in meta["inputs"]] == ["tokens", "h", "c"] and meta["backends"] == ["fused"]


def test_the_tagger_emissions_match_on_other_lengths(exported) -> None:
    checkpoint, path = exported["tagging"]
    network, traced = load(checkpoint).network, torch.jit.load(str(path))
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    for lengths in ([5, 2, 1], [4, 4, 4]):
        size = max(lengths)
        mask = torch.arange(size) < torch.tensor(lengths).unsqueeze(1)
        words = torch.randint(2, len(meta["encoding"]["words"]["tokens"]), (3, size)) * mask
        cases = torch.randint(1, 3, (3, size)) * mask
        chars = torch.randint(1, len(meta["encoding"]["chars"]["tokens"]), (3, size, 6)) * mask.unsqueeze(2)
        with torch.no_grad():
            expected = network(words, torch.tensor(lengths), cases, chars)
            got = traced(words, torch.tensor(lengths), cases, chars)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert torch.equal(torch.tensor(meta["crf"]["transitions"]), network.crf.transitions.detach())


def test_the_classifier_logits_match(exported) -> None:
    checkpoint, path = exported["classification"]
    network, traced = load(checkpoint).network, torch.jit.load(str(path))
    words, lengths = torch.randint(2, 30, (4, 9)), torch.tensor([9, 3, 1, 9])
    with torch.no_grad():
        torch.testing.assert_close(traced(words, lengths), network(words, lengths), atol=1e-5, rtol=1e-5)


def test_the_readme_example_runs_with_torch_alone(exported, tmp_path: Path) -> None:
    """The README's code in an isolated interpreter (-I) where importing seqmodels fails."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("<!-- export example -->\n```python\n")[1].split("```")[0]
    checkpoint, path = exported["classification"]
    result = subprocess.run([sys.executable, "-I", "-c", "import sys\n"
                             "sys.modules['seqmodels'] = None  # importing seqmodels fails\n" + code],
                            cwd=path.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    label = result.stdout.split()[0]
    assert label == load(checkpoint).classify(["the food was not good at all"])[0].label


def test_the_seq2seq_encoder_and_decoder_steps_follow_the_network(exported) -> None:
    checkpoint, path = exported["translation_encoder"]
    network = load(checkpoint).network
    encoder, step = torch.jit.load(str(path)), torch.jit.load(str(path.parent / "translation_decoder_step.pt"))
    meta = json.loads(path.parent.joinpath("translation_decoder_step.json").read_text(encoding="utf-8"))
    source, lengths = torch.randint(4, len(meta["source_vocabulary"]["tokens"]), (3, 6)), torch.tensor([6, 4, 1])
    with torch.no_grad():
        memory = network.encode(source, lengths)
        state = network.initial_state(memory)
        keys, mask, summary, *carried = encoder(source, lengths)
        torch.testing.assert_close((keys, mask, summary), tuple(memory), atol=1e-5, rtol=1e-5)
        previous = torch.full((3,), meta["bos_id"])
        for _ in range(4):  # greedy steps, both ways
            log_probs, state, _ = network.step(previous, state)
            got, *carried = step(previous, keys, mask, summary, *carried)
            torch.testing.assert_close(got, log_probs, atol=1e-5, rtol=1e-5)
            previous = log_probs.argmax(-1)
    cell = state.cell if isinstance(state.cell, tuple) else (state.cell,)
    torch.testing.assert_close(tuple(carried), (*cell, state.feed), atol=1e-5, rtol=1e-5)
    assert [spec["name"] for spec in meta["outputs"]][0] == "log_probs"


class PlainCell(RecurrentCell):
    """A cell with a forward of its own and no kernel: it runs on the reference backend only."""

    num_gates = 1

    def forward(self, x: torch.Tensor, a_prev: Optional[torch.Tensor] = None) -> torch.Tensor:
        if a_prev is None:
            a_prev = self.zero_state(x.size(0), x)
        return torch.tanh(self.input_projection(x) + a_prev @ self.W_aa.t())


def test_a_subclass_of_a_task_exports_by_the_kind_it_inherits(exported, tmp_path: Path) -> None:
    checkpoint, path = exported["classification"]
    task = load(checkpoint)

    class MyClassifier(type(task)):  # a user's task built on the classifier: no table names its class
        pass

    task.__class__ = MyClassifier
    (written,) = export(task, tmp_path, str(checkpoint))
    assert written.name == path.name and json.loads(written.with_suffix(".json").read_text())["task"] == "MyClassifier"
    MyClassifier.export_kind = None  # a task that declares no export kind is refused in one line
    with pytest.raises(ConfigError, match="holds a MyClassifier; export supports"):
        export(task, tmp_path, str(checkpoint))


def test_a_cell_without_a_kernel_is_a_one_line_error_naming_the_checkpoint() -> None:
    network = RecurrentOptions(PlainCell, hidden_size=4).build(3)
    with pytest.raises(ConfigError, match="--ckpt my.ckpt: its cell runs only on the reference backend"):
        fix_backends(nn.Sequential(network), "my.ckpt")
    assert fix_backends(RecurrentOptions("lstm", hidden_size=4, backend="reference").build(3), "my.ckpt") == ["fused"]


def test_every_exported_file_runs_where_seqmodels_cannot_be_imported(exported, tmp_path: Path) -> None:
    """Each file's outputs on the input it was traced on, saved here, are given again by a torch-only process."""
    cases = []
    for name, (_, path) in exported.items():
        files = [path, path.parent / "translation_decoder_step.pt"] if name == "translation_encoder" else [path]
        for file in files:
            meta = json.loads(file.with_suffix(".json").read_text(encoding="utf-8"))
            inputs = example_inputs(meta)
            with torch.no_grad():
                outputs = torch.jit.load(str(file))(*inputs)
            cases.append((str(file), inputs, outputs))
    torch.save(cases, tmp_path / "cases.pt")
    check = ("import sys\nsys.modules['seqmodels'] = None\nimport torch\n"
             f"for file, inputs, expected in torch.load({str(tmp_path / 'cases.pt')!r}):\n"
             "    with torch.no_grad():\n"
             "        torch.testing.assert_close(torch.jit.load(file)(*inputs), expected)\n"
             "    print(file)\n")
    result = subprocess.run([sys.executable, "-I", "-c", check], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(cases) == 5


def example_inputs(meta: Dict) -> Tuple[torch.Tensor, ...]:
    """Inputs of the shapes ``meta`` describes, B = 2: ids 1..3 (4 for the previous token), lengths 3 and 2."""
    sizes = {"B": 2, "T": 3, "Tx": 3, "L": 4}
    inputs = []
    for spec in meta["inputs"]:
        shape = [sizes[part] if part in sizes else int(part)
                 for part in spec["shape"].strip("()").replace(" ", "").split(",") if part]
        if spec["name"] == "lengths":
            inputs.append(torch.tensor([3, 2]))
        elif spec["dtype"] == "int64":
            inputs.append(torch.randint(1, 4, shape))
        elif spec["dtype"] == "bool":
            inputs.append(torch.tensor([[True, True, True], [True, True, False]]))
        else:
            inputs.append(torch.randn(shape))
    return tuple(inputs)
