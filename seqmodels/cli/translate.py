"""Translate sentences with a trained seq2seq model (greedy or beam search), optionally with its attention.

    seqmodels translate --ckpt logs/seq2seq/runs/<date>/checkpoints/last.ckpt "the 3rd of march 1998"
    seqmodels translate --ckpt ... --beam 5 --attention "Tue 17 Jun 2003"
    cat sentences.de | seqmodels translate --ckpt ... --beam 5      # one sentence per line from stdin
    seqmodels translate --ckpt ... --attention-png maps/ "1/2/99"   # heatmaps as PNG files

Prints one line per sentence, ``output<TAB>log P(output | source)``, with ``--source`` first the source.
stdin is read as strict UTF-8. No output runs past the model's ``task.decoding.max_length_cap`` tokens
(default 512): an over-long source is translated with its output cut there, and a warning on stderr says so.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from torch import Tensor

from seqmodels.cli.common import (
    add_checkpoint_argument,
    load_task,
    output_folder,
    read_sentences,
    require_finite,
    require_int,
    run_command,
    warn,
    write_failed,
)
from seqmodels.plots import attention_figure, format_attention
from seqmodels.tasks.translation import MAX_BEAM_SIZE, TranslationTask


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqmodels translate", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("sentences", nargs="*", help="sentences to translate (default: one per line from stdin, UTF-8)")
    parser.add_argument("--beam", type=int, default=None, metavar="K",
                        help=f"beam size (1 = greedy, at most {MAX_BEAM_SIZE}; default: the model's "
                             "task.decoding.beam_size)")
    parser.add_argument("--length-penalty", type=float, default=None, metavar="ALPHA",
                        help="GNMT length penalty α >= 0 for beam search (default: the model's)")
    parser.add_argument("--max-length", type=int, default=None, metavar="N",
                        help="the most output tokens (default: ratio · source length + offset; never above the "
                             "model's task.decoding.max_length_cap, 512 unless trained otherwise)")
    parser.add_argument("--source", action="store_true", help="print the source sentence before each output")
    parser.add_argument("--attention", action="store_true", help="print each attention matrix α (output × source)")
    parser.add_argument("--attention-png", metavar="FOLDER", help="write each attention matrix as a PNG heatmap")
    return parser


def check_arguments(arguments: argparse.Namespace) -> None:
    """ConfigError naming the first option that cannot be decoded with (before the model is loaded)."""
    require_int("--beam", arguments.beam, 1, MAX_BEAM_SIZE, what="the beam size ",
                why="a wider beam costs its width in memory and time")
    require_finite("--length-penalty", arguments.length_penalty, 0.0,
                   "the length penalty α must be a finite number >= 0 (0: none; GNMT uses 0.6 to 1)")
    require_int("--max-length", arguments.max_length, 1)


def translate_command(arguments: argparse.Namespace) -> None:
    check_arguments(arguments)
    task = load_task(TranslationTask, arguments)
    cap = int(task.decoding["max_length_cap"])
    require_int("--max-length", arguments.max_length, 1, cap,
                why="this model's task.decoding.max_length_cap; outputs never run longer")
    folder = output_folder("--attention-png", arguments.attention_png) if arguments.attention_png else None
    sentences = read_sentences(arguments.sentences, "translate")
    translations = task.translate(sentences, arguments.beam, arguments.length_penalty, arguments.max_length)
    for number, translation in enumerate(translations, 1):
        prefix = f"{translation.source}\t" if arguments.source else ""
        print(f"{prefix}{translation.text}\t{translation.log_prob:.4f}")
        if translation.capped:
            warn(build_parser().prog, f"sentence {number} ({len(translation.source_tokens):,} source tokens): the "
                 f"output stopped at {cap} tokens, this model's task.decoding.max_length_cap; split long texts "
                 "into sentences")
        if translation.attention is None:
            if arguments.attention or folder:
                print("(this model has no attention: the decoder sees the source only through C = h<Tx>)")
            continue
        outputs = [*translation.tokens, "<eos>"][:translation.attention.size(0)]
        if arguments.attention:
            print(format_attention(translation.source_tokens, outputs, translation.attention))
        if folder:
            write_attention_png(folder / f"attention_{number:03d}.png", translation.source_tokens, outputs,
                                translation.attention, translation.source)


def write_attention_png(path: Path, source: List[str], outputs: List[str], attention: Tensor, title: str) -> None:
    """The heatmap of ``attention`` (outputs × source tokens) as a PNG; a failed write names the file."""
    try:
        attention_figure(source, outputs, attention, title=title).savefig(path, dpi=100, bbox_inches="tight")
    except OSError as error:
        raise write_failed("--attention-png", path, error) from None
    print(f"wrote {path}")


def main(argv: Optional[List[str]] = None) -> None:
    run_command(translate_command, build_parser(), argv)


if __name__ == "__main__":
    main()
