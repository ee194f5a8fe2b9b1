"""Classify texts with a trained classifier (sentiment, ...): the label of each text, one line per input line.

    seqmodels classify --ckpt logs/sentiment/runs/<date>/checkpoints/last.ckpt "the food was not good"
    seqmodels classify --ckpt ... --input reviews.txt --output labels.txt     # a file, line-aligned
    echo "great service but awful food" | seqmodels classify --ckpt ... --scores

Each output line is the label; ``--scores`` adds a tab and its probability, ``--all`` a tab and
``label=p`` for every label; ``--source`` puts the text and a tab first.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli.common import add_checkpoint_argument, load_task, run_command
from seqmodels.cli.lines import add_line_arguments, check_line_arguments, read_inputs, write_answers
from seqmodels.tasks.classification import ClassificationTask, Prediction

PROG = "seqmodels classify"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    add_line_arguments(parser, "text")
    parser.add_argument("--scores", action="store_true", help="add the label's probability after a tab")
    parser.add_argument("--all", action="store_true", help="add the probability of every label, label=p")
    parser.add_argument("--source", action="store_true", help="put the text and a tab before each result")
    return parser


def answer(prediction: Prediction, arguments: argparse.Namespace) -> str:
    """``[text<TAB>]label[<TAB>p][<TAB>label=p ...]`` as the options ask."""
    fields = [prediction.text] if arguments.source else []
    fields.append(prediction.label)
    if arguments.scores:
        fields.append(f"{prediction.probability:.4f}")
    if arguments.all:
        fields.append(" ".join(f"{label}={p:.4f}" for label, p in prediction.probabilities.items()))
    return "\t".join(fields)


def classify_command(arguments: argparse.Namespace) -> None:
    check_line_arguments(arguments)
    task = load_task(ClassificationTask, arguments)
    inputs = read_inputs(arguments, "classify", "text")

    def predict(texts: List[str]) -> List[str]:
        return [answer(prediction, arguments) for prediction in task.classify(texts, arguments.batch_size)]

    write_answers(arguments, inputs, predict, PROG)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(classify_command, build_parser(), argv)


if __name__ == "__main__":
    main()
