"""Export a trained network as TorchScript or ONNX, to run with torch alone or onnxruntime (no seqmodels needed).

    seqmodels export --ckpt logs/ner/runs/<date>/checkpoints/last.ckpt --output exported/ [--format onnx]

writes ``exported/tagging.pt`` (``torch.jit.load`` reads it; ``tagging.onnx`` with ``--format onnx``) and
``exported/tagging.json`` beside it (the vocabulary, the inputs and outputs); a seq2seq model gives two files, its
encoder and its decoder step. What each task exports: :mod:`seqmodels.export`.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli.common import add_checkpoint_argument, input_file, output_folder, resolve_device, run_command
from seqmodels.export import FORMATS, export
from seqmodels.tasks.registry import load


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqmodels export", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("--format", default="torchscript", choices=FORMATS,
                        help='what to write: torchscript (.pt) or onnx (.onnx; needs pip install -e ".[onnx]")')
    parser.add_argument("--output", default="exported", metavar="DIR", help="the folder to write into")
    return parser


def export_command(arguments: argparse.Namespace) -> None:
    device = resolve_device(arguments.device)
    path = input_file("--ckpt", arguments.ckpt, "checkpoint file")
    folder = output_folder("--output", arguments.output)
    for written in export(load(path, map_location=device), folder, arguments.ckpt, arguments.format):
        print(written)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(export_command, build_parser(), argv)


if __name__ == "__main__":
    main()
