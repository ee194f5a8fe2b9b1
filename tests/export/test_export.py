"""seqmodels export: TorchScript and ONNX files that give the trained network's outputs on other batch sizes and
lengths than they were traced on, and run with torch alone or onnxruntime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import onnxruntime
import pytest
import torch
from torch import nn

from seqmodels.cli.export import main
from seqmodels.errors import ConfigError
from seqmodels.export import FORMATS, export, fix_backends
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
    seq2seq model (its encoder; the decoder step lies beside it); ``onnx/<name>.onnx`` lies beside ``out/``."""
    result = {}
    for name, tiny in TINY_TASKS.items():
        folder = tmp_path_factory.mktemp(name)
        train(folder / "run", tiny=tiny)
        checkpoint = folder / "run" / "checkpoints" / "last.ckpt"
        main(["--ckpt", str(checkpoint), "--output", str(folder / "out")])
        main(["--ckpt", str(checkpoint), "--output", str(folder / "onnx"), "--format", "onnx"])
        result[name] = (checkpoint, folder / "out" / f"{name}.pt")
    return result


def onnx_file(path: Path) -> Path:
    """The ONNX file exported from the same checkpoint as the TorchScript file ``path``."""
    return path.parent.parent / "onnx" / path.with_suffix(".onnx").name


class OnnxRunner:
    """An ONNX file called like its TorchScript twin: the same positional inputs (those the graph dropped as unused
    are left out), a tensor or a tuple of them back."""

    def __init__(self, path: Path, names: Tuple[str, ...]) -> None:
        self.session, self.names = onnxruntime.InferenceSession(str(path)), names
        self.kept = {value.name for value in self.session.get_inputs()}

    def __call__(self, *inputs: torch.Tensor) -> Any:
        feed = {name: value.numpy() for name, value in zip(self.names, inputs) if name in self.kept}
        outputs = tuple(torch.from_numpy(output) for output in self.session.run(None, feed))
        return outputs[0] if len(outputs) == 1 else outputs


@pytest.fixture(params=FORMATS)
def open_file(request: pytest.FixtureRequest) -> Callable[[Path], Tuple[Callable[..., Any], Dict]]:
    """TorchScript file ``path`` -> (it, or its ONNX twin, loaded; the JSON beside it), for each --format."""
    def opened(path: Path) -> Tuple[Callable[..., Any], Dict]:
        torchscript_meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if request.param == "torchscript":
            return torch.jit.load(str(path)), torchscript_meta
        names = tuple(spec["name"] for spec in torchscript_meta["inputs"])
        meta = json.loads(onnx_file(path).with_suffix(".json").read_text(encoding="utf-8"))
        assert meta["format"] == "onnx" and meta["file"] == onnx_file(path).name
        return OnnxRunner(onnx_file(path), names), meta
    return opened


def test_the_language_model_step_gives_the_network_logits_and_state(exported, open_file) -> None:
    checkpoint, path = exported["languagemodel"]
    network, (step, meta) = load(checkpoint).network, open_file(path)
    tokens = torch.randint(1, len(meta["vocabulary"]["tokens"]), (3, 7))
    state = (torch.randn(1, 3, 16), torch.randn(1, 3, 16))
    with torch.no_grad():
        logits, final = network(tokens, state)
        got = step(tokens, *state)
    torch.testing.assert_close(got[0], logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got[1:], final, atol=1e-5, rtol=1e-5)
    assert [spec["name"] for spec in meta["inputs"]] == ["tokens", "h", "c"] and meta["backends"] == ["fused"]


def test_the_tagger_emissions_match_on_other_lengths(exported, open_file) -> None:
    checkpoint, path = exported["tagging"]
    network, (traced, meta) = load(checkpoint).network, open_file(path)
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


def test_the_classifier_logits_match(exported, open_file) -> None:
    checkpoint, path = exported["classification"]
    network, (traced, _) = load(checkpoint).network, open_file(path)
    words, lengths = torch.randint(2, 30, (4, 9)), torch.tensor([9, 3, 1, 9])
    with torch.no_grad():
        torch.testing.assert_close(traced(words, lengths), network(words, lengths), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("marker, blocked, in_onnx_folder", [("export example", "seqmodels", False),
                                                             ("export onnx example", "seqmodels torch", True)])
def test_the_readme_examples_run_with_torch_or_onnxruntime_alone(exported, marker: str, blocked: str,
                                                                  in_onnx_folder: bool) -> None:
    """The README's code in an isolated interpreter (-I) where importing seqmodels (and torch, for ONNX) fails."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split(f"<!-- {marker} -->\n```python\n")[1].split("```")[0]
    checkpoint, path = exported["classification"]
    block = "".join(f"sys.modules[{name!r}] = None  # importing it fails\n" for name in blocked.split())
    result = subprocess.run([sys.executable, "-I", "-c", "import sys\n" + block + code],
                            cwd=onnx_file(path).parent if in_onnx_folder else path.parent, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    label = result.stdout.split()[0]
    assert label == load(checkpoint).classify(["the food was not good at all"])[0].label


def test_the_seq2seq_encoder_and_decoder_steps_follow_the_network(exported, open_file) -> None:
    checkpoint, path = exported["translation_encoder"]
    network = load(checkpoint).network
    (encoder, _), (step, meta) = open_file(path), open_file(path.parent / "translation_decoder_step.pt")
    source, lengths = torch.randint(4, len(meta["source_vocabulary"]["tokens"]), (3, 6)), torch.tensor([6, 4, 1])
    with torch.no_grad():
        memory = network.encode(source, lengths)
        state = network.initial_state(memory)
        keys, mask, summary, *carried = encoder(source, lengths)
        torch.testing.assert_close((keys, mask, summary), tuple(memory)[:3], atol=1e-5, rtol=1e-5)
        previous = torch.full((3,), meta["bos_id"])
        for _ in range(4):  # greedy steps, both ways
            log_probs, state, _ = network.step(previous, state)
            got, *carried = step(previous, keys, mask, summary, *carried)
            torch.testing.assert_close(got, log_probs, atol=1e-5, rtol=1e-5)
            previous = log_probs.argmax(-1)
    cell = state.cell if isinstance(state.cell, tuple) else (state.cell,)
    torch.testing.assert_close(tuple(carried), (*cell, state.feed), atol=1e-5, rtol=1e-5)
    assert [spec["name"] for spec in meta["outputs"]][0] == "log_probs"
    assert (meta["source_level"], meta["target_level"], meta["subwords"]) == ("char", "char", {})  # the dates


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


def test_onnx_takes_fused_cells_alone() -> None:
    """The ONNX exporter cannot convert the scripted backend's TorchScript loop: a one-line error, not a traceback."""
    gru = RecurrentOptions("gru", hidden_size=4, num_layers=2).build(3)
    assert fix_backends(gru, "my.ckpt") == ["scripted"]
    with pytest.raises(ConfigError, match="--format onnx: the cell of --ckpt my.ckpt has no fused kernel"):
        fix_backends(gru, "my.ckpt", "onnx")
    fused = RecurrentOptions("gru", hidden_size=4, cell_options={"reset_after": True}).build(3)
    assert fix_backends(fused, "my.ckpt", "onnx") == ["fused"]


def test_onnx_without_the_onnx_package_says_how_to_install_it(exported, tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # importing onnx fails
    checkpoint, _ = exported["classification"]
    with pytest.raises(SystemExit) as stopped:
        main(["--ckpt", str(checkpoint), "--output", str(tmp_path), "--format", "onnx"])
    assert stopped.value.code == 2 and list(tmp_path.iterdir()) == []
    assert capsys.readouterr().err == ('seqmodels export: error: --format onnx: the onnx package is not installed; '
                                       'pip install -e ".[onnx]"\n')


def test_onnx_export_prints_the_files_and_nothing_on_stderr(exported, tmp_path: Path, capfd) -> None:
    """torch's C++ passes warn on fd 2 that packed sequences have no shape inference: the command drops that."""
    main(["--ckpt", str(exported["tagging"][0]), "--output", str(tmp_path), "--format", "onnx"])
    assert capfd.readouterr() == (f"{tmp_path / 'tagging.onnx'}\n", "")


def test_the_onnx_json_names_the_inputs_the_file_takes(exported) -> None:
    """Inputs the network does not read are left out of the graph and of its JSON; states given back get _out."""
    for name, kept, outputs in (("tagging", "words lengths chars", "emissions"),
                                ("languagemodel", "tokens h c", "logits h_out c_out")):
        path = onnx_file(exported[name][1])
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        session = onnxruntime.InferenceSession(str(path))
        assert [spec["name"] for spec in meta["inputs"]] == [value.name for value in session.get_inputs()]
        assert " ".join(spec["name"] for spec in meta["inputs"]) == kept
        assert " ".join(spec["name"] for spec in meta["outputs"]) == outputs
        assert [value.name for value in session.get_outputs()] == outputs.split()
        assert meta["backends"][0] == "fused" and meta["opset"] >= 17


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
