"""Score sentences with a trained language model: log-probability and perplexity, one line per input line.

    seqmodels score --ckpt .../last.ckpt "The apple and pear salad." "The apple and pair salad."
    seqmodels score --ckpt .../last.ckpt --input sentences.txt --output scores.tsv   # a file, line-aligned

Each output line is ``log P<TAB>perplexity<TAB>tokens<TAB>unknown``: log P(sentence) = Σ log P(y<t> | y<1..t-1>)
over its tokens and the final <eos>, its perplexity exp(−log P / tokens), the tokens counted (with <eos>) and
how many of them the model read as <unk>. ``--source`` puts the sentence and a tab first.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli.common import add_checkpoint_argument, load_task, run_command
from seqmodels.cli.lines import add_line_arguments, check_line_arguments, read_inputs, write_answers
from seqmodels.tasks.language_modeling import LanguageModelTask, SentenceScore

PROG = "seqmodels score"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    add_line_arguments(parser, "sentence")
    parser.add_argument("--source", action="store_true", help="put the sentence and a tab before each score")
    return parser


def answer(score: SentenceScore, arguments: argparse.Namespace) -> str:
    """``[sentence<TAB>]log P<TAB>perplexity<TAB>tokens<TAB>unknown``."""
    fields = [score.text] if arguments.source else []
    fields += [f"{score.log_prob:.4f}", f"{score.perplexity:.4f}", str(score.tokens), str(score.unknown)]
    return "\t".join(fields)


def score_command(arguments: argparse.Namespace) -> None:
    check_line_arguments(arguments)
    task = load_task(LanguageModelTask, arguments)
    inputs = read_inputs(arguments, "score", "sentence")

    def predict(sentences: List[str]) -> List[str]:
        return [answer(score, arguments) for score in task.score(sentences, arguments.batch_size)]

    write_answers(arguments, inputs, predict, PROG)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(score_command, build_parser(), argv)


if __name__ == "__main__":
    main()
