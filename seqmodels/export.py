"""The trained networks as TorchScript or ONNX files, to run without seqmodels, Lightning or Hydra (torch alone,
or onnxruntime): what ``seqmodels export`` writes (:mod:`seqmodels.cli.export`).

A language model is exported as its step (tokens, state -> logits, state), a tagger as its emissions (the CRF's
transitions go into the JSON: decode them with Viterbi), a classifier as its logits, a seq2seq model as two
files: its encoder and its decoder step. Each ``<name>.pt`` (or ``<name>.onnx``) has ``<name>.json`` beside it:
the vocabulary, the inputs and outputs, the backends that were traced. The networks are traced
(``torch.jit.trace``) on the backend ``auto`` picks, fused where the cell has a torch kernel, else scripted; a cell
with neither cannot be exported (the reference backend's Python loop would be traced at one length). ONNX takes
the fused backend alone: the legacy exporter (``dynamo=False``; the dynamo one stops at the networks' checks of
their lengths) maps torch's recurrent ops to ONNX's with the batch and lengths as dynamic axes, and cannot convert
the scripted backend's TorchScript loop. Word2vec and memory-problem checkpoints are not exported.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Tuple

import torch
from torch import Tensor, nn

from seqmodels.errors import ConfigError
from seqmodels.models.seq2seq import DecoderState, Encoded
from seqmodels.nn.recurrent import Recurrent
from seqmodels.tasks.base import SequenceTask
from seqmodels.tasks.classification import ClassificationTask
from seqmodels.tasks.language_modeling import LanguageModelTask
from seqmodels.tasks.tagging import TaggingTask
from seqmodels.tasks.translation import TranslationTask

FORMATS = ("torchscript", "onnx")
Example = Tuple[Tensor, ...]
Description = Dict[str, Any]
Part = Tuple[nn.Module, Example, Description]  # a module to trace, an input to trace it on, its inputs and outputs
Parts = Tuple[Dict[str, Part], Description]    # the files of a task by name, and what all their JSON files share


class LanguageModelStep(nn.Module):
    """(tokens (B, T), *state) -> (logits (B, T, V), *state): the state is h (L, B, H), and c for an LSTM."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, tokens: Tensor, *state: Tensor) -> Tuple[Tensor, ...]:
        logits, final = self.network(tokens, state if len(state) == 2 else state[0])
        return (logits, *final) if isinstance(final, tuple) else (logits, final)


class Seq2SeqEncoder(nn.Module):
    """(source, lengths) -> (keys, mask, summary, s[, c], feed): the encoder and the decoder's initial state."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, source: Tensor, lengths: Tensor) -> Tuple[Tensor, ...]:
        memory = self.network.encode(source, lengths)
        state = self.network.initial_state(memory)
        # the exported step takes no projected keys: it computes them again (the interface predates them)
        return (memory.keys, memory.mask, memory.summary,
                *(state.cell if isinstance(state.cell, tuple) else (state.cell,)), state.feed)


class Seq2SeqDecoderStep(nn.Module):
    """(previous, keys, mask, summary, s[, c], feed) -> (log-probabilities, s[, c], feed): one decoder step."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, previous: Tensor, keys: Tensor, mask: Tensor, summary: Tensor, *state: Tensor
                ) -> Tuple[Tensor, ...]:
        *cell, feed = state
        network = self.network
        log_probs, new, _ = network.step(previous, DecoderState(
            tuple(cell) if network.num_states == 2 else cell[0], feed, Encoded(keys, mask, summary)))
        return (log_probs, *(new.cell if isinstance(new.cell, tuple) else (new.cell,)), new.feed)


class TaggerEmissions(nn.Module):
    """(words, lengths, cases, chars) -> emissions (B, T, K); ``chars`` is ignored by a tagger without them."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, words: Tensor, lengths: Tensor, cases: Tensor, chars: Tensor) -> Tensor:
        return self.network(words, lengths, cases, chars if self.network.char_encoder is not None else None)


def tensor_spec(name: str, shape: str, dtype: str, meaning: str) -> Dict[str, str]:
    return {"name": name, "shape": shape, "dtype": dtype, "meaning": meaning}


def language_model(task: LanguageModelTask) -> Parts:
    network, vocabulary = task.network, task.vocabulary
    layers, hidden = network.recurrent.num_layers, network.recurrent.hidden_size
    names = ("h", "c")[:network.recurrent.num_states]
    state = [tensor_spec(name, f"({layers}, B, {hidden})", "float32", f"{name} of every layer (zeros to start)")
             for name in names]
    tokens = torch.tensor([[vocabulary.bos_id, 4, 5], [vocabulary.bos_id, 6, 7]]).clamp(max=len(vocabulary) - 1)
    example = (tokens, *(torch.zeros(layers, 2, hidden) for _ in names))
    description = {
        "inputs": [tensor_spec("tokens", "(B, T)", "int64", "token ids; a text starts with bos"), *state],
        "outputs": [tensor_spec("logits", f"(B, T, {len(vocabulary)})", "float32", "the next token's scores"),
                    *state]}
    return ({"languagemodel": (LanguageModelStep(network), example, description)},
            {"vocabulary": vocabulary.to_dict(), "bos_id": vocabulary.bos_id, "eos_id": vocabulary.eos_id})


def tagger(task: TaggingTask) -> Parts:
    network, encoder = task.network, task.encoder
    chars_size = 1 if network.char_encoder is None else 3
    example = (torch.tensor([[2, 3, 4], [5, 6, 0]]).clamp(max=len(encoder.words) - 1), torch.tensor([3, 2]),
               torch.tensor([[1, 2, 1], [1, 1, 0]]), torch.ones(2, 3, chars_size, dtype=torch.long))
    tags = 1 if task.output_kind == "sigmoid" else len(encoder.tags)
    description = {
        "inputs": [tensor_spec("words", "(B, T)", "int64", "word ids, pad_id past each length"),
                   tensor_spec("lengths", "(B,)", "int64", "tokens per sentence"),
                   tensor_spec("cases", "(B, T)", "int64", "capitalisation classes, 0 past each length"),
                   tensor_spec("chars", "(B, T, L)", "int64", "character ids, 0 = padding (any L >= 1 when the "
                               "encoding has no chars)")],
        "outputs": [tensor_spec("emissions", f"(B, T, {tags})", "float32", f"tag scores ({task.output_kind})")]}
    shared: Description = {"encoding": encoder.to_dict(), "output": task.output_kind}
    if network.crf is not None:
        crf = network.crf
        shared["crf"] = {name: getattr(crf, name).tolist() for name in (
            "start_transitions", "transitions", "end_transitions", "allowed_start", "allowed_transitions",
            "allowed_end")}
    return {"tagging": (TaggerEmissions(network), example, description)}, shared


def classifier(task: ClassificationTask) -> Parts:
    vocabulary = task.vocabulary
    example = (torch.tensor([[2, 3, 4], [5, 6, 0]]).clamp(max=len(vocabulary) - 1), torch.tensor([3, 2]))
    description = {
        "inputs": [tensor_spec("words", "(B, T)", "int64", "word ids, pad_id past each length"),
                   tensor_spec("lengths", "(B,)", "int64", "words per text")],
        "outputs": [tensor_spec("logits", f"(B, {len(task.labels)})", "float32", "a score per label")]}
    return ({"classification": (task.network, example, description)},
            {"vocabulary": vocabulary.to_dict(), "labels": task.labels, "lowercase": task.lowercase})


def seq2seq(task: TranslationTask) -> Parts:
    network, source, target = task.network, task.source_vocabulary, task.target_vocabulary
    codecs = {"source": task.source_codec, "target": task.target_codec}  # subword sides: their sentencepiece models
    keys, hidden = network.encoder.output_size, network.hidden_size
    feed = hidden if network.input_feeding else 0
    memory = [tensor_spec("keys", f"(B, Tx, {keys})", "float32", "the encoder's outputs h<1..Tx>"),
              tensor_spec("mask", "(B, Tx)", "bool", "True on real source tokens"),
              tensor_spec("summary", f"(B, {keys})", "float32", "C, the encoder's summary")]
    state = [*(tensor_spec(name, f"(B, {hidden})", "float32", f"the decoder's {name}")
               for name in ("s", "c")[:network.num_states]),
             tensor_spec("feed", f"(B, {feed})", "float32", "o<t-1> (input feeding; empty without it)")]
    previous = tensor_spec("previous", "(B,)", "int64", "y<t-1>, the target's bos to start")
    log_probs = tensor_spec("log_probs", f"(B, {len(target)})", "float32", "log P(y<t> | y<1..t-1>, x)")
    source_example = (torch.tensor([[4, 5, 6], [7, 8, 0]]).clamp(max=len(source) - 1), torch.tensor([3, 2]))
    device = next(network.parameters()).device
    encoded = Seq2SeqEncoder(network).eval()(*(part.to(device) for part in source_example))
    step_example = (torch.tensor([target.bos_id, target.bos_id]), *encoded)
    inputs = [tensor_spec("source", "(B, Tx)", "int64", "source ids, pad_id past each length"),
              tensor_spec("lengths", "(B,)", "int64", "tokens per source sentence")]
    return ({"translation_encoder": (Seq2SeqEncoder(network), source_example,
                                     {"inputs": inputs, "outputs": [*memory, *state]}),
             "translation_decoder_step": (Seq2SeqDecoderStep(network), step_example,
                                          {"inputs": [previous, *memory, *state], "outputs": [log_probs, *state]})},
            {"source_vocabulary": source.to_dict(), "target_vocabulary": target.to_dict(),
             "bos_id": target.bos_id, "eos_id": target.eos_id, "lowercase": task.lowercase,
             "source_level": task.source_codec.level, "target_level": task.target_codec.level,
             "subwords": {side: codec.subwords.to_dict() for side, codec in codecs.items() if codec.subwords}})


# SequenceTask.export_kind -> what writes that network's parts
EXPORTERS: Dict[str, Callable[[Any], Parts]] = {
    "language_model": language_model, "tagger": tagger, "classifier": classifier, "seq2seq": seq2seq}


def fix_backends(network: nn.Module, checkpoint: str, file_format: str = "torchscript") -> List[str]:
    """Set every Recurrent of ``network`` to the backend ``auto`` picks, fused or scripted; ConfigError for a cell
    that has only the reference backend, or for ONNX, one that is not fused."""
    chosen = []
    for module in network.modules():
        if isinstance(module, Recurrent):
            module.backend = "auto"
            chosen.append(module.resolved_backend())
    if "reference" in chosen:
        raise ConfigError(f"--ckpt {checkpoint}: its cell runs only on the reference backend, whose time loop "
                          "cannot be exported; export a model whose cell has a fused or scripted kernel")
    if file_format == "onnx" and "scripted" in chosen:
        raise ConfigError(f"--format onnx: the cell of --ckpt {checkpoint} has no fused kernel and the ONNX "
                          "exporter cannot convert the scripted backend's TorchScript loop; use --format torchscript")
    return chosen


def onnx_package() -> ModuleType:
    """The onnx package; ConfigError saying how to install it when it is missing."""
    try:
        import onnx
    except ImportError:
        raise ConfigError('--format onnx: the onnx package is not installed; pip install -e ".[onnx]"') from None
    return onnx


def write_torchscript(module: nn.Module, example: Example, description: Description, path: Path) -> Description:
    with warnings.catch_warnings():  # the shapes and lengths it warns of are checked by tests/export
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.jit.trace(module, example, check_trace=False).save(str(path))
    return description


def dynamic_axes(spec: Dict[str, str]) -> Dict[int, str]:
    """The named dimensions of a spec's shape, "(B, T, 12)" -> {0: "B", 1: "T"}."""
    dims = [dim.strip() for dim in spec["shape"].strip("()").split(",") if dim.strip()]
    return {i: dim for i, dim in enumerate(dims) if not dim.isdigit()}


@contextmanager
def without_packing_warnings() -> Iterator[None]:
    """Drop the lines torch's C++ ONNX passes print on stderr (fd 2, beyond ``warnings``) that PackPadded and
    PadPacked have no shape inference: tests/export checks the files on other shapes. Other lines are kept."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            sys.stderr.write("".join(line for line in caught.read().decode(errors="replace").splitlines(True)
                                     if "shape inference of prim::Pa" not in line))


def write_onnx(module: nn.Module, example: Example, description: Description, path: Path) -> Description:
    """Export with every named dimension dynamic; the description of the file's inputs (those the network reads:
    the exporter drops the others), outputs (a state given back is named ``<name>_out``) and ONNX opset."""
    inputs = description["inputs"]
    taken = {spec["name"] for spec in inputs}
    outputs = [{**spec, "name": spec["name"] + "_out" if spec["name"] in taken else spec["name"]}
               for spec in description["outputs"]]
    with warnings.catch_warnings():  # the tracer's, the legacy exporter's deprecation, and its doubt about other
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # batch sizes: tests/export checks them
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="Exporting a model to ONNX with a batch_size other than 1")
        with without_packing_warnings():
            torch.onnx.export(module, example, str(path), dynamo=False,
                              input_names=[spec["name"] for spec in inputs],
                              output_names=[spec["name"] for spec in outputs],
                              dynamic_axes={spec["name"]: dynamic_axes(spec) for spec in (*inputs, *outputs)})
    model = onnx_package().load(str(path))
    kept = {value.name for value in model.graph.input}
    return {"inputs": [spec for spec in inputs if spec["name"] in kept], "outputs": outputs,
            "opset": max(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))}


# --format -> the file suffix and what writes a part into such a file
WRITERS: Dict[str, Tuple[str, Callable[[nn.Module, Example, Description, Path], Description]]] = {
    "torchscript": (".pt", write_torchscript), "onnx": (".onnx", write_onnx)}


def export(task: SequenceTask, folder: Path, checkpoint: str, file_format: str = "torchscript") -> List[Path]:
    """Trace ``task``'s network into ``folder/<name>.pt`` (or ``.onnx``) files, each with ``<name>.json`` beside
    it; their paths."""
    exporter = EXPORTERS.get(task.export_kind or "")
    if exporter is None:
        raise ConfigError(f"--ckpt {checkpoint}: holds a {type(task).__name__}; export supports language models, "
                          "taggers, classifiers and seq2seq translation")
    if file_format == "onnx":
        onnx_package()
    backends = fix_backends(task.network, checkpoint, file_format)
    suffix, write = WRITERS[file_format]
    device = next(task.network.parameters()).device
    with torch.no_grad():
        parts, shared = exporter(task.eval())
        paths = []
        for name, (module, example, description) in parts.items():
            paths.append(folder / f"{name}{suffix}")
            described = write(module.eval(), tuple(part.to(device) for part in example), description, paths[-1])
            meta = {"task": type(task).__name__, "format": file_format, "file": paths[-1].name,
                    "backends": backends, "torch": torch.__version__, "checkpoint": str(checkpoint),
                    **described, **shared}
            (folder / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")
    return paths
