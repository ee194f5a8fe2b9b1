"""Translate sentences with a trained seq2seq model (greedy or beam search), one line per input line.

    seqmodels translate --ckpt logs/seq2seq/runs/<date>/checkpoints/last.ckpt "the 3rd of march 1998"
    seqmodels translate --ckpt ... --beam 5 --input sentences.de --output sentences.en   # a file, line-aligned
    seqmodels translate --ckpt ... --attention "Tue 17 Jun 2003"                         # α printed too
    seqmodels translate --ckpt ... --attention-png maps/ "1/2/99"                        # heatmaps as PNG files

Each output line is the translation; ``--scores`` adds a tab and log P(output | source), ``--source`` puts
the source and a tab first. A blank input line gives a blank output line. ``--attention`` prints each
attention matrix after its line (for reading: the output is then not line-aligned, so it goes to stdout
only). No output runs past the model's ``task.decoding.max_length_cap`` tokens (default 512): an over-long
source is translated with its output cut there, and a warning on stderr says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from torch import Tensor

from seqmodels.cli.common import (
    add_checkpoint_argument,
    load_task,
    output_folder,
    require_finite,
    require_int,
    run_command,
    warn,
    write_failed,
)
from seqmodels.cli.lines import add_line_arguments, check_line_arguments, read_inputs, write_answers
from seqmodels.errors import ConfigError
from seqmodels.plots import attention_figure, format_attention
from seqmodels.tasks.translation import MAX_BEAM_SIZE, Translation, TranslationTask

PROG = "seqmodels translate"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    add_line_arguments(parser, "sentence")
    parser.add_argument("--beam", type=int, default=None, metavar="K",
                        help=f"beam size (1 = greedy, at most {MAX_BEAM_SIZE}; default: the model's "
                             "task.decoding.beam_size)")
    parser.add_argument("--length-penalty", type=float, default=None, metavar="ALPHA",
                        help="GNMT length penalty α >= 0 for beam search (default: the model's)")
    parser.add_argument("--max-length", type=int, default=None, metavar="N",
                        help="the most output tokens (default: ratio · source length + offset; never above the "
                             "model's task.decoding.max_length_cap, 512 unless trained otherwise)")
    parser.add_argument("--scores", action="store_true", help="add log P(output | source) after a tab")
    parser.add_argument("--source", action="store_true", help="put the source sentence and a tab before each output")
    parser.add_argument("--attention", action="store_true",
                        help="print each attention matrix α (output × source) after its line (stdout only)")
    parser.add_argument("--attention-png", metavar="FOLDER", help="write each attention matrix as a PNG heatmap")
    return parser


def check_arguments(arguments: argparse.Namespace) -> None:
    """ConfigError naming the first option that cannot be decoded with (before the model is loaded)."""
    check_line_arguments(arguments)
    require_int("--beam", arguments.beam, 1, MAX_BEAM_SIZE, what="the beam size ",
                why="a wider beam costs its width in memory and time")
    require_finite("--length-penalty", arguments.length_penalty, 0.0,
                   "the length penalty α must be a finite number >= 0 (0: none; GNMT uses 0.6 to 1)")
    require_int("--max-length", arguments.max_length, 1)
    if arguments.attention and arguments.output:
        raise ConfigError(f"--attention with --output {arguments.output}: the matrices would break the line "
                          "alignment of the file; use --attention-png FOLDER, or leave --output out")


def answer(translation: Translation, arguments: argparse.Namespace) -> str:
    """``[source<TAB>]translation[<TAB>log P]`` as the options ask."""
    fields = [translation.source] if arguments.source else []
    fields.append(translation.text)
    if arguments.scores:
        fields.append(f"{translation.log_prob:.4f}")
    return "\t".join(fields)


class Translator:
    """Translates a batch of lines as the options say, and reports what comes with each translation: the cap
    warning, the attention matrix (printed or drawn), numbered by the input's non-blank lines."""

    def __init__(self, task: TranslationTask, arguments: argparse.Namespace) -> None:
        self.task, self.arguments = task, arguments
        self.cap = int(task.decoding["max_length_cap"])
        require_int("--max-length", arguments.max_length, 1, self.cap,
                    why="this model's task.decoding.max_length_cap; outputs never run longer")
        self.folder = output_folder("--attention-png", arguments.attention_png) if arguments.attention_png else None
        self.done = 0

    def __call__(self, sentences: List[str]) -> List[str]:
        arguments = self.arguments
        translations = self.task.translate(sentences, arguments.beam, arguments.length_penalty, arguments.max_length,
                                           batch_size=arguments.batch_size)
        answers = []
        for translation in translations:
            self.done += 1
            if translation.capped:
                warn(PROG, f"sentence {self.done} ({len(translation.source_tokens):,} source tokens): the output "
                     f"stopped at {self.cap} tokens, this model's task.decoding.max_length_cap; split long texts "
                     "into sentences")
            answers.append(answer(translation, arguments) + self.attention(translation))
        return answers

    def attention(self, translation: Translation) -> str:
        """The matrix as text to print under the line (``--attention``: the answer then spans several lines,
        stdout only), after drawing it (``--attention-png``)."""
        if not (self.arguments.attention or self.folder):
            return ""
        if translation.attention is None:
            return "\n(this model has no attention: the decoder sees the source only through C = h<Tx>)" \
                if self.arguments.attention else ""
        outputs = [*translation.tokens, "<eos>"][:translation.attention.size(0)]
        if self.folder:
            write_attention_png(self.folder / f"attention_{self.done:03d}.png", translation.source_tokens, outputs,
                                translation.attention, translation.source)
        return "\n" + format_attention(translation.source_tokens, outputs, translation.attention) \
            if self.arguments.attention else ""


def write_attention_png(path: Path, source: List[str], outputs: List[str], attention: Tensor, title: str) -> None:
    """The heatmap of ``attention`` (outputs × source tokens) as a PNG; a failed write names the file."""
    try:
        attention_figure(source, outputs, attention, title=title).savefig(path, dpi=100, bbox_inches="tight")
    except OSError as error:
        raise write_failed("--attention-png", path, error) from None


def translate_command(arguments: argparse.Namespace) -> None:
    check_arguments(arguments)
    task = load_task(TranslationTask, arguments)
    inputs = read_inputs(arguments, "translate", "sentence")
    translator = Translator(task, arguments)
    write_answers(arguments, inputs, translator, PROG, multiline=arguments.attention)
    if translator.folder:
        print(f"{PROG}: wrote {translator.done} attention heatmaps to {translator.folder}", file=sys.stderr)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(translate_command, build_parser(), argv)


if __name__ == "__main__":
    main()
