"""Score sentences with a trained language model: log-probability and perplexity of each.

    seqmodels score --ckpt .../last.ckpt "The apple and pear salad." "The apple and pair salad."
    seqmodels score --ckpt .../last.ckpt --file sentences.txt      # one sentence per line
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli.common import add_checkpoint_argument, load_task, read_sentences, run_command
from seqmodels.errors import ConfigError
from seqmodels.tasks.language_modeling import LanguageModelTask
from seqmodels.text_files import check_not_folder, read_lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqmodels score", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("sentences", nargs="*", help="sentences to score")
    parser.add_argument("--file", help="a UTF-8 file with one sentence per line (blank lines are skipped)")
    return parser


def score_command(arguments: argparse.Namespace) -> None:
    sentences = read_sentences(arguments.sentences, "score", from_stdin=False)
    if arguments.file:
        check_not_folder(arguments.file, "--file")
        sentences += [line for line in read_lines(arguments.file) if line.strip()]
    if not sentences:
        raise ConfigError("give sentences to score, as arguments or with --file")
    task = load_task(LanguageModelTask, arguments)
    print(f"{'log P':>10}  {'ppl':>8}  {'tokens':>6}  {'unk':>4}  sentence")
    for score in task.score(sentences):
        print(f"{score.log_prob:10.3f}  {score.perplexity:8.2f}  {score.tokens:6d}  {score.unknown:4d}  {score.text}")


def main(argv: Optional[List[str]] = None) -> None:
    run_command(score_command, build_parser(), argv)


if __name__ == "__main__":
    main()
