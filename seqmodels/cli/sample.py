"""Sample text from a trained language model: continue a prompt, or every line of a file of prompts.

    seqmodels sample --ckpt logs/lm/runs/<date>/checkpoints/last.ckpt --prompt "The " -n 3
    seqmodels sample --ckpt ... --temperature 0.7 --top-k 20 --max-length 300 --seed 0
    seqmodels sample --ckpt ... --input prompts.txt --output samples.txt -n 2     # a file of prompts, line-aligned

With ``--prompt`` (default: start a new sentence) the ``-n`` samples are written one after another, drawn
``--batch-size`` at a time. With ``--input`` each line is a prompt and output line ``i`` holds the ``-n`` samples
that continue line ``i`` (tab-separated, each stopping at <eos>); a blank line gives a blank line, and with
``--seed`` each line's samples are the same whatever the other lines.
"""

from __future__ import annotations

import argparse
from typing import Iterator, List, Optional

from seqmodels.cli.common import add_checkpoint_argument, load_task, require_finite, require_int, run_command
from seqmodels.cli.lines import add_line_arguments, check_line_arguments, output_stream, read_inputs, write_answers
from seqmodels.errors import ConfigError
from seqmodels.tasks.language_modeling import LanguageModelTask

MAX_SAMPLES = 10_000        # -n at most: samples are drawn 64 at a time and printed as they come
MAX_NEW_TOKENS = 100_000    # --max-length at most: one model step per token


PROG = "seqmodels sample"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    add_line_arguments(parser, "prompt", positional=False)
    parser.add_argument("--prompt", default=None, help="text to continue (default: start a new sentence)")
    parser.add_argument("-n", "--num-samples", type=int, default=1, help=f"samples to draw (1 to {MAX_SAMPLES:,})")
    parser.add_argument("--max-length", type=int, default=200,
                        help=f"new tokens at most (1 to {MAX_NEW_TOKENS:,}; stops earlier at <eos>)")
    parser.add_argument("--temperature", type=float, default=1.0, help="< 1 safer, > 1 more surprising, 0 greedy")
    parser.add_argument("--top-k", type=int, default=None,
                        help="draw only among the k most likely tokens (k >= the vocabulary: among all)")
    parser.add_argument("--allow-unk", action="store_true", help="let <unk> be drawn (by default it is redrawn)")
    parser.add_argument("--seed", type=int, default=None, help="make the samples reproducible (0 to 2**63 - 1)")
    parser.add_argument("--no-stop", action="store_true",
                        help="run on past <eos> (written as a line break) until --max-length")
    return parser


def check_arguments(arguments: argparse.Namespace) -> None:
    """ConfigError naming the first option whose value cannot be sampled with (before the model is loaded)."""
    require_int("-n", arguments.num_samples, 1, MAX_SAMPLES, why="run the command again for more")
    require_int("--max-length", arguments.max_length, 1, MAX_NEW_TOKENS, why="one model step per token")
    require_finite("--temperature", arguments.temperature, 0.0,
                   "the temperature must be >= 0 and finite (0: greedy, 1: the model's own probabilities)")
    if arguments.top_k is not None and arguments.top_k < 1:
        raise ConfigError(f"--top-k {arguments.top_k}: top_k must be >= 1 (leave --top-k out to draw among every "
                          "token)")
    require_int("--seed", arguments.seed, 0, 2**63 - 1)
    check_line_arguments(arguments)
    if arguments.input and arguments.prompt is not None:
        raise ConfigError(f"--input {arguments.input}: give one --prompt or a file of prompts, not both")
    if arguments.input and arguments.no_stop:
        raise ConfigError(f"--no-stop with --input {arguments.input}: samples that run past <eos> span several "
                          "lines and would break the line alignment; use --prompt")


def sample_command(arguments: argparse.Namespace) -> None:
    check_arguments(arguments)
    task = load_task(LanguageModelTask, arguments)
    if arguments.input:
        inputs = read_inputs(arguments, "continue", "prompt")
        write_answers(arguments, inputs, lambda prompts: ["\t".join(draw(task, prompt, arguments))
                                                          for prompt in prompts], PROG)
        return
    with output_stream(arguments.output) as stream:
        for texts in draw_batches(task, arguments.prompt or "", arguments):
            for text in texts:
                stream.write(text + "\n")
                stream.flush()


def draw_batches(task: LanguageModelTask, prompt: str, arguments: argparse.Namespace) -> Iterator[List[str]]:
    """The ``-n`` samples continuing ``prompt``, ``--batch-size`` at a time, as the options say."""
    return task.generate_batches(prompt, arguments.num_samples, arguments.max_length, arguments.temperature,
                                 arguments.top_k, redraw_unk=not arguments.allow_unk, seed=arguments.seed,
                                 stop_at_eos=not arguments.no_stop, batch_size=arguments.batch_size)


def draw(task: LanguageModelTask, prompt: str, arguments: argparse.Namespace) -> List[str]:
    """Every sample continuing ``prompt``."""
    return [text for texts in draw_batches(task, prompt, arguments) for text in texts]


def main(argv: Optional[List[str]] = None) -> None:
    run_command(sample_command, build_parser(), argv)


if __name__ == "__main__":
    main()
