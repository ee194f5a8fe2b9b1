"""Translate sentences with a trained seq2seq model (greedy or beam search), optionally with its attention.

    python -m seqmodels.translate --ckpt logs/seq2seq/runs/<date>/checkpoints/last.ckpt "the 3rd of march 1998"
    python -m seqmodels.translate --ckpt ... --beam 5 --attention "Tue 17 Jun 2003"
    cat sentences.de | python -m seqmodels.translate --ckpt ... --beam 5      # one sentence per line from stdin
    python -m seqmodels.translate --ckpt ... --attention-png maps/ "1/2/99"   # heatmaps as PNG files

Prints one line per sentence, ``output<TAB>log P(output | source)``, with ``--source`` first the source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from seqmodels.cli import add_checkpoint_argument, run_command
from seqmodels.errors import DataError
from seqmodels.plots import attention_figure, format_attention
from seqmodels.tasks.translation import TranslationTask


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seqmodels.translate", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("sentences", nargs="*", help="sentences to translate (default: one per line from stdin)")
    parser.add_argument("--beam", type=int, default=None, metavar="K",
                        help="beam size (1 = greedy; default: the model's task.decoding.beam_size)")
    parser.add_argument("--length-penalty", type=float, default=None, metavar="ALPHA",
                        help="GNMT length penalty α for beam search (default: the model's)")
    parser.add_argument("--max-length", type=int, default=None, metavar="N",
                        help="the most output tokens (default: ratio · source length + offset)")
    parser.add_argument("--source", action="store_true", help="print the source sentence before each output")
    parser.add_argument("--attention", action="store_true", help="print each attention matrix α (output × source)")
    parser.add_argument("--attention-png", metavar="FOLDER", help="write each attention matrix as a PNG heatmap")
    return parser


def translate_command(arguments: argparse.Namespace) -> None:
    if arguments.beam is not None and arguments.beam < 1:
        raise DataError(f"--beam {arguments.beam}: the beam size must be at least 1")
    if arguments.max_length is not None and arguments.max_length < 1:
        raise DataError(f"--max-length {arguments.max_length}: must be at least 1")
    task = TranslationTask.load(arguments.ckpt, map_location=arguments.device)
    sentences = arguments.sentences or [line for line in sys.stdin.read().splitlines() if line.strip()]
    translations = task.translate(sentences, arguments.beam, arguments.length_penalty, arguments.max_length)
    folder = Path(arguments.attention_png) if arguments.attention_png else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    for number, translation in enumerate(translations, 1):
        prefix = f"{translation.source}\t" if arguments.source else ""
        print(f"{prefix}{translation.text}\t{translation.log_prob:.4f}")
        if translation.attention is None:
            if arguments.attention or folder:
                print("(this model has no attention: the decoder sees the source only through C = h<Tx>)")
            continue
        outputs = [*translation.tokens, "<eos>"][:translation.attention.size(0)]
        if arguments.attention:
            print(format_attention(translation.source_tokens, outputs, translation.attention))
        if folder:
            path = folder / f"attention_{number:03d}.png"
            attention_figure(translation.source_tokens, outputs, translation.attention,
                             title=translation.source).savefig(path, dpi=100, bbox_inches="tight")
            print(f"wrote {path}")


def main(argv: Optional[List[str]] = None) -> None:
    run_command(translate_command, build_parser(), argv)


if __name__ == "__main__":
    main()
