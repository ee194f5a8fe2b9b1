"""Print the nearest neighbours of words (by cosine similarity), or answer analogies, in a space of word vectors.

    seqmodels neighbours --vectors glove.6B.100d.txt frog king -k 5
    seqmodels neighbours --vectors glove.6B.100d.txt --analogy man woman king
    seqmodels neighbours --ckpt logs/lm/runs/<date>/checkpoints/last.ckpt paris
    seqmodels neighbours --vectors glove.6B.100d.txt --input words.txt --output neighbours.txt --scores
    seqmodels neighbours --vectors glove.6B.100d.txt --evaluate

Each output line answers one input word (or the analogy): its ``-k`` neighbours, best first, separated by
spaces; ``--scores`` writes each as ``word=cosine``, ``--source`` puts the query and a tab first.

``--vectors`` reads a word2vec (text or binary) or GloVe file. ``--ckpt`` reads the word embedding of a
checkpoint written by train.py: the first ``state_dict`` entry whose key ends with ``embedding.weight``
(the word embedding of the language model and of the tagger, ``network.embedding.weight``, which comes
before the tagger's case and character embeddings), with the tokens of the vocabulary the checkpoint
holds (see ``checkpoint_tokens``). The special tokens (<pad>, <unk>, <bos>, <eos>) are never answers.

``--evaluate`` prints a table of the standard evaluations instead (seqmodels/word_evaluations.py): Google's
analogies by 3CosAdd (accuracy per section and in total, over the covered questions), and Spearman's correlation
on WordSim-353 and SimLex-999 (with the pairs out of vocabulary), all over the ``--restrict-vocab`` first words
with case ignored, as gensim's ``evaluate_word_analogies`` and ``evaluate_word_pairs`` do. The files come from
an installed gensim (``gensim/test/test_data/``) unless ``--analogies``, ``--wordsim``, ``--simlex`` give them.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, TextIO, Tuple

import torch

from seqmodels import word_evaluations as evaluations
from seqmodels.checkpoints import read_checkpoint
from seqmodels.cli.common import input_file, require_int, run_command
from seqmodels.cli.lines import (
    Inputs,
    add_line_arguments,
    check_line_arguments,
    output_stream,
    read_inputs,
    write_answers,
)
from seqmodels.errors import ConfigError, DataError
from seqmodels.similarity import WordVectors

EMBEDDING_SUFFIX = "embedding.weight"
GLOVE_KEYS = ("network.word_vectors.weight", "network.context_vectors.weight")  # GloVe's vectors: W + W̃
# where train.py's tasks keep their word vocabulary in hyper_parameters: the language model, the tagger
TOKEN_PLACES: Tuple[Tuple[str, ...], ...] = (("vocabulary", "tokens"), ("encoder", "words", "tokens"))


def checkpoint_tokens(hyper_parameters: Mapping[str, Any], source: str = "the checkpoint") -> List[str]:
    """The word tokens of a train.py checkpoint's ``hyper_parameters``: ``["vocabulary"]["tokens"]`` (language
    model) or ``["encoder"]["words"]["tokens"]`` (tagger), the first place that holds a list.

    Raises:
        DataError: neither place holds a list of tokens (``source`` names the file in the message).
    """
    for place in TOKEN_PLACES:
        node: Any = hyper_parameters
        for key in place:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, (list, tuple)):
            return [str(token) for token in node]
    places = " or ".join("hyper_parameters" + "".join(f"[{key!r}]" for key in place) for place in TOKEN_PLACES)
    raise DataError(f"{source}: no word vocabulary found (looked in {places}); was it written by train.py?")


def checkpoint_vectors(path: str | Path) -> WordVectors:
    """The word embedding of a train.py checkpoint with its vocabulary: the first ``state_dict`` entry whose
    key ends with ``embedding.weight`` (a GloVe checkpoint: W + W̃, the sum of ``network.word_vectors.weight`` and
    ``network.context_vectors.weight``), its rows named by ``checkpoint_tokens``.

    Raises:
        DataError: the file is missing or not a seqmodels checkpoint, it has no embedding, or the
            embedding and the vocabulary differ in size.
    """
    checkpoint = read_checkpoint(path)  # weights only, with a state_dict, checked against its weights' digest
    tokens = checkpoint_tokens(checkpoint.get("hyper_parameters") or {}, str(path))
    state = checkpoint["state_dict"]
    if all(key in state for key in GLOVE_KEYS):  # GloVe: its vectors are the sum W + W̃
        key, weight = " + ".join(GLOVE_KEYS), state[GLOVE_KEYS[0]] + state[GLOVE_KEYS[1]]
    else:
        key = next((key for key in state if key.endswith(EMBEDDING_SUFFIX)), None)
        if key is None:
            raise DataError(f"{path}: the checkpoint has no weight whose name ends with {EMBEDDING_SUFFIX!r}")
        weight = state[key]
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2 or weight.size(0) != len(tokens):
        shape = tuple(weight.shape) if isinstance(weight, torch.Tensor) else type(weight).__name__
        raise DataError(f"{path}: {key} has shape {shape} but the vocabulary has {len(tokens)} tokens")
    return WordVectors(tokens, weight)


class _IntermixedParser(argparse.ArgumentParser):
    """Lets WORDs come after options too (``king -k 5 queen``), which ``nargs="*"`` alone refuses."""

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        return self.parse_intermixed_args(args, namespace)


PROG = "seqmodels neighbours"


def build_parser() -> argparse.ArgumentParser:
    parser = _IntermixedParser(prog=PROG, description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--vectors", metavar="FILE", help="a word2vec (text or binary) or GloVe file (.gz read too)")
    source.add_argument("--ckpt", metavar="PATH", help="a checkpoint written by train.py (its word embedding)")
    add_line_arguments(parser, "word")
    parser.add_argument("--analogy", nargs=3, metavar=("A", "B", "C"),
                        help="print the answers of A is to B as C is to ? (e.g. man woman king)")
    parser.add_argument("-k", type=int, default=10, help="answers per query (default: 10)")
    parser.add_argument("--scores", action="store_true", help="write each answer as word=cosine")
    parser.add_argument("--source", action="store_true", help="put the query and a tab before its answers")
    evaluation = parser.add_argument_group("standard evaluations")
    evaluation.add_argument("--evaluate", action="store_true",
                            help="print Google analogy accuracy and WordSim-353 / SimLex-999 Spearman correlations")
    for flag, name in EVALUATION_FILES:
        evaluation.add_argument(flag, metavar="FILE", help=f"{name} (default: the one an installed gensim ships)")
    evaluation.add_argument("--restrict-vocab", type=int, metavar="N",
                            help="evaluate over the N first (most frequent) words only "
                                 f"(default: {evaluations.RESTRICT_VOCAB:,})")
    return parser


EVALUATION_FILES = (("--analogies", evaluations.ANALOGIES), ("--wordsim", evaluations.WORDSIM),
                    ("--simlex", evaluations.SIMLEX))


def neighbours_command(arguments: argparse.Namespace) -> None:
    check_line_arguments(arguments)
    check_evaluation_arguments(arguments)
    if arguments.analogy and (arguments.texts or arguments.input):
        raise ConfigError("give --analogy A B C or words to find the neighbours of, not both")
    if arguments.k < 1:
        raise ConfigError(f"-k must be at least 1, got {arguments.k}")
    data = read_evaluation_files(arguments) if arguments.evaluate else None
    if arguments.vectors:
        vectors = WordVectors.load(input_file("--vectors", arguments.vectors, "vectors file"))
    else:
        vectors = checkpoint_vectors(input_file("--ckpt", arguments.ckpt, "checkpoint file"))
    if data is not None:
        evaluate(vectors, data, arguments)
        return
    if arguments.analogy:
        a, b, c = arguments.analogy
        inputs = Inputs([f"{a} {b} {c}"], "--analogy")
        write_answers(arguments, inputs, lambda _: [answer(" ".join(arguments.analogy),
                                                           vectors.analogy(a, b, c, arguments.k), arguments)], PROG)
        return
    inputs = read_inputs(arguments, "look up", "word")

    def predict(words: List[str]) -> List[str]:
        queries = [word.strip() for word in words]
        for query in queries:
            if len(query.split()) != 1:
                raise DataError(f"{inputs.source}: {query!r} is not one word; give one word a line")
        return [answer(query, answers, arguments)
                for query, answers in zip(queries, vectors.nearest(queries, arguments.k))]

    write_answers(arguments, inputs, predict, PROG)


def check_evaluation_arguments(arguments: argparse.Namespace) -> None:
    """--evaluate without words, --analogy, --input, --scores or --source; the evaluation options only with it."""
    given = [flag for flag, value in (("words", arguments.texts), ("--input", arguments.input),
                                      ("--analogy", arguments.analogy), ("--scores", arguments.scores),
                                      ("--source", arguments.source)) if value]
    if arguments.evaluate and given:
        raise ConfigError(f"--evaluate prints the standard evaluations; give it or {given[0]}, not both")
    options = [flag for flag, _ in EVALUATION_FILES if vars(arguments)[flag[2:]] is not None]
    options += ["--restrict-vocab"] * (arguments.restrict_vocab is not None)
    if options and not arguments.evaluate:
        raise ConfigError(f"{options[0]} is an option of --evaluate; add --evaluate")
    require_int("--restrict-vocab", arguments.restrict_vocab, 1)


EvaluationData = Tuple[List[evaluations.Section], List[evaluations.Pair], List[evaluations.Pair]]


def read_evaluation_files(arguments: argparse.Namespace) -> EvaluationData:
    """The analogy questions and the WordSim-353 and SimLex-999 pairs: the files given, else gensim's (read before
    the vectors are loaded, so that a missing or malformed file costs no wait)."""
    analogies, wordsim, simlex = (
        input_file(flag, evaluations.evaluation_file(name, vars(arguments)[flag[2:]], flag), f"{name} file")
        for flag, name in EVALUATION_FILES)
    return (evaluations.read_analogies(analogies), evaluations.read_word_pairs(wordsim),
            evaluations.read_word_pairs(simlex))


def evaluate(vectors: WordVectors, data: EvaluationData, arguments: argparse.Namespace) -> None:
    """Run the three evaluations and write their table to --output (default stdout)."""
    restrict = evaluations.RESTRICT_VOCAB if arguments.restrict_vocab is None else arguments.restrict_vocab
    analogies = evaluations.evaluate_analogies(vectors, data[0], restrict)
    wordsim, simlex = (evaluations.evaluate_word_pairs(vectors, pairs, restrict) for pairs in data[1:])
    known = min(len(vectors), restrict)
    with output_stream(arguments.output) as stream:
        stream.write(f"{len(vectors):,} words × {vectors.dim}, evaluated over the first {known:,}\n\n")
        write_analogies(stream, analogies)
        stream.write(f"\n{'word pairs':<30} {'Spearman':>9} {'pairs':>7} {'OOV':>5}\n")
        for name, result in (("WordSim-353", wordsim), ("SimLex-999", simlex)):
            write_pairs(stream, name, result)


def write_analogies(stream: TextIO, result: evaluations.AnalogyResult) -> None:
    """One row per section and a total: accuracy, correct / covered questions, coverage."""
    stream.write(f"{'analogies (3CosAdd)':<30} {'accuracy':>9} {'correct':>8} / {'covered':<8} {'coverage':>8}\n")
    for score in [*result.sections, result.total]:
        stream.write(f"{score.name:<30} {percent(score.accuracy):>9} {score.correct:>8,} / {score.covered:<8,} "
                     f"{percent(score.coverage):>8}\n")


def write_pairs(stream: TextIO, name: str, result: evaluations.PairResult) -> None:
    spearman = "n/a" if math.isnan(result.spearman) else f"{result.spearman:.4f}"  # NaN: < 2 known pairs
    stream.write(f"{name:<30} {spearman:>9} {result.known:>7,} {result.oov:>5,}\n")


def percent(fraction: float) -> str:
    """``fraction`` as ``45.12%``, or ``n/a`` when it is NaN (nothing covered)."""
    return "n/a" if math.isnan(fraction) else f"{100 * fraction:.2f}%"


def answer(query: str, answers: Sequence[Tuple[str, float]], arguments: argparse.Namespace) -> str:
    """``[query<TAB>]word word ...`` (``word=cosine`` with ``--scores``), best first."""
    words = " ".join(f"{word}={score:.4f}" if arguments.scores else word for word, score in answers)
    return f"{query}\t{words}" if arguments.source else words


def main(argv: Optional[List[str]] = None) -> None:
    run_command(neighbours_command, build_parser(), argv)


if __name__ == "__main__":
    main()
