"""The import rules of docs/ARCHITECTURE.md ("The layers"), checked on the source: arrows point down."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "seqmodels"
FRAMEWORKS = {"pytorch_lightning", "lightning", "hydra", "omegaconf"}

# what every layer may import: the one-line errors, the strict reading of text files and of word-vector files
BOTTOM = {"errors", "text_files", "vector_files"}
# layer -> the seqmodels layers it may import (besides itself and BOTTOM)
ALLOWED: Dict[str, Set[str]] = {
    "nn": set(),
    "decoding": {"nn"},
    "models": {"nn", "decoding"},
    "metrics": {"data.encoding"},
    "data.options": set(),
    "data.corpora": {"data.options", "data.encoding"},
    "data.encoding": set(),
    "data.batching": {"data.encoding"},
    "data.modules": {"data.corpora", "data.encoding", "data.batching", "data.options"},
    "checkpoints": set(),
    "tasks": {"nn", "models", "decoding", "metrics", "data.corpora", "data.encoding", "data.batching",
              "checkpoints", "plots", "similarity"},
    "callbacks": {"tasks", "nn", "models", "data.encoding", "plots", "similarity", "word_evaluations"},
    "cli": {"tasks", "checkpoints", "data.corpora", "data.encoding", "metrics", "plots", "similarity", "debiasing",
            "word_evaluations", "export"},
    "export": {"nn", "models", "tasks"},
    "similarity": {"nn"},
    "debiasing": {"nn", "similarity"},
    "word_evaluations": {"similarity"},
    "plots": set(),
    "sweeps": set(),
}
# layers that must run in a plain PyTorch script: no Lightning, no Hydra, no OmegaConf
PURE = {"nn", "decoding", "models"}


def layer_of(module: str) -> str:
    """``seqmodels.data.batching.tagging`` -> ``data.batching``; ``seqmodels.nn.cells`` -> ``nn``."""
    parts = module.split(".")[1:] or ["seqmodels"]
    return ".".join(parts[:2]) if parts[0] == "data" and len(parts) > 1 else parts[0]


def imports() -> Iterator[Tuple[str, str]]:
    """(importing module, imported module) for every import in seqmodels."""
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield module, node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield module, alias.name


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = sorted({f"{source} imports {target}" for source, target in imports()
                    if target.startswith("seqmodels.") and source.count(".") >= 1 and layer_of(source) == layer
                    and layer_of(target) not in ALLOWED[layer] | {layer} | BOTTOM})
    assert not wrong, "\n".join(wrong)


def test_nn_reads_only_the_text_file_helpers_of_data() -> None:
    found = {target for source, target in imports() if layer_of(source) == "nn" and target.startswith("seqmodels.data")}
    assert found <= {"seqmodels.text_files"}


@pytest.mark.parametrize("layer", sorted(PURE))
def test_the_pure_layers_import_no_framework(layer: str) -> None:
    wrong = sorted({f"{source} imports {target}" for source, target in imports()
                    if source.count(".") >= 1 and layer_of(source) == layer and target.split(".")[0] in FRAMEWORKS})
    assert not wrong, "\n".join(wrong)


def test_tasks_never_import_a_datamodule() -> None:
    wrong = [f"{source} imports {target}" for source, target in imports()
             if layer_of(source) in ("tasks", "callbacks", "models") and target.startswith("seqmodels.data.modules")]
    assert not wrong, "\n".join(wrong)


def test_the_rule_table_knows_every_layer() -> None:
    top_level = {"train", "evaluate", "resolvers", "run_folder", "cpu_precision", "__main__", "seqmodels", *BOTTOM}
    layers = {layer_of(source) for source, _ in imports() if source.count(".") >= 1} - top_level
    assert layers <= set(ALLOWED), f"layers without a rule: {sorted(layers - set(ALLOWED))}"
