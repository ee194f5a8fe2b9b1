"""Classify texts with a trained classifier (sentiment, ...): the label and its probability.

    seqmodels classify --ckpt logs/sentiment/runs/<date>/checkpoints/last.ckpt "the food was not good"
    echo "great service but awful food" | seqmodels classify --ckpt ...   # one text per line from stdin
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli.common import add_checkpoint_argument, load_task, read_sentences, run_command
from seqmodels.tasks.classification import ClassificationTask


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqmodels classify", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("texts", nargs="*", help="texts to classify (default: one per line from stdin, UTF-8)")
    parser.add_argument("--all", action="store_true", help="print the probability of every label")
    return parser


def classify_command(arguments: argparse.Namespace) -> None:
    task = load_task(ClassificationTask, arguments)
    texts = read_sentences(arguments.texts, "classify", noun="text")
    for prediction in task.classify(texts):
        extra = ("  " + " ".join(f"{label}={p:.3f}" for label, p in prediction.probabilities.items())
                 if arguments.all else "")
        print(f"{prediction.label}\t{prediction.probability:.3f}\t{prediction.text}{extra}")


def main(argv: Optional[List[str]] = None) -> None:
    run_command(classify_command, build_parser(), argv)


if __name__ == "__main__":
    main()
