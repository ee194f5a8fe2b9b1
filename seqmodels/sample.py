"""Sample text from a trained language model.

    python -m seqmodels.sample --ckpt logs/lm/runs/<date>/checkpoints/last.ckpt --prompt "The " -n 3
    python -m seqmodels.sample --ckpt ... --temperature 0.7 --top-k 20 --max-length 300 --seed 0
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli import add_checkpoint_argument, run_command
from seqmodels.errors import ConfigError
from seqmodels.tasks.language_modeling import LanguageModelTask


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seqmodels.sample", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("--prompt", default="", help="text to continue (default: start a new sentence)")
    parser.add_argument("-n", "--num-samples", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=200, help="new tokens at most (stops earlier at <eos>)")
    parser.add_argument("--temperature", type=float, default=1.0, help="< 1 safer, > 1 more surprising, 0 greedy")
    parser.add_argument("--top-k", type=int, default=None, help="draw only among the k most likely tokens")
    parser.add_argument("--allow-unk", action="store_true", help="let <unk> be drawn (by default it is redrawn)")
    parser.add_argument("--seed", type=int, default=None, help="make the samples reproducible")
    parser.add_argument("--no-stop", action="store_true",
                        help="run on past <eos> (written as a line break) until --max-length")
    return parser


def sample_command(arguments: argparse.Namespace) -> None:
    task = LanguageModelTask.load(arguments.ckpt, map_location=arguments.device)
    try:
        texts = task.generate(arguments.prompt, arguments.num_samples, arguments.max_length, arguments.temperature,
                              arguments.top_k, redraw_unk=not arguments.allow_unk, seed=arguments.seed,
                              stop_at_eos=not arguments.no_stop)
    except ValueError as error:  # bad sampling options (temperature, top-k, length)
        raise ConfigError(str(error)) from error
    for text in texts:
        print(text)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(sample_command, build_parser(), argv)


if __name__ == "__main__":
    main()
