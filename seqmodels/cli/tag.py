"""Tag text with a trained tagger (NER): one line of tags per input line, or a CoNLL file tagged column-wise.

    seqmodels tag --ckpt logs/ner/runs/<date>/checkpoints/last.ckpt "Harry Potter met Hermione Granger."
    seqmodels tag --ckpt ... --input text.txt --output tagged.txt --entities   # raw text, one sentence a line
    seqmodels tag --ckpt ... --conll --input eng.testa --output tagged.conll   # a CoNLL file: F1 on stderr

Raw text is tokenised by ``seqmodels.data.corpora.conll.tokenize`` (whitespace, then punctuation split off the
ends of words); each output line is ``token/TAG token/TAG ...``, or with ``--entities`` the entities found,
``TYPE the words``, tab-separated. With ``--conll`` the input is CoNLL columns (one token a line, a blank line
after each sentence) and every input line comes out with the predicted tag added as a last column
(``token [other columns] gold predicted``: conlleval's input); blank and ``-DOCSTART-`` lines come out as they
are. When the file has tags (two or more columns; ``--tag-column`` picks the gold one, default the last), the
entity-level precision, recall and F1 per type and overall (conlleval's) are printed on stderr, and the tags
are written in the file's scheme (IOB1, IOB2 or BIOES, read from its tags). ``--tag-scheme`` writes another.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import List, Optional

from seqmodels.cli.common import add_checkpoint_argument, load_task, run_command
from seqmodels.cli.lines import (
    Inputs,
    add_line_arguments,
    check_line_arguments,
    output_stream,
    progress_bar,
    read_inputs,
    write_answers,
)
from seqmodels.data.corpora.conll import ColumnSentence, column_sentences
from seqmodels.data.encoding.tag_schemes import SCHEMES, TagError, convert, detect_scheme, spans
from seqmodels.errors import ConfigError, DataError
from seqmodels.metrics.span_f1 import SpanF1
from seqmodels.tasks.tagging import TaggingTask

PROG = "seqmodels tag"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    add_line_arguments(parser, "sentence")
    parser.add_argument("--conll", action="store_true",
                        help="the input is CoNLL columns (one token a line); the output adds a predicted-tag column")
    parser.add_argument("--tag-column", type=int, default=-1, metavar="K",
                        help="the gold tag column of a --conll input with tags (default: -1, the last)")
    parser.add_argument("--tag-scheme", choices=SCHEMES,
                        help="write tags in this scheme (default: the --conll input's, else the model's)")
    parser.add_argument("--entities", action="store_true",
                        help="write the entities of each sentence (TYPE words, tab-separated) instead of its tags")
    return parser


def check_arguments(arguments: argparse.Namespace) -> None:
    """ConfigError for options that cannot go together, before the model is loaded."""
    check_line_arguments(arguments)
    if arguments.conll and arguments.texts:
        raise ConfigError(f"--conll reads CoNLL columns from --input FILE or stdin, not sentence arguments "
                          f"({arguments.texts[0]!r}): write --conll --input FILE")
    if arguments.conll and arguments.entities:
        raise ConfigError("--entities writes one line per sentence, --conll one line per token; choose one")


@dataclass(frozen=True)
class ConllInput:
    """A CoNLL column text: its lines, its sentences, and the gold tags when it has a tag column."""

    inputs: Inputs
    sentences: List[ColumnSentence]
    gold: Optional[List[List[str]]]
    scheme: Optional[str]  # the scheme the gold tags are written in (None: no tags, or all "O")


def read_conll_input(inputs: Inputs, tag_column: int) -> ConllInput:
    """The sentences of a CoNLL input; DataError naming the line of a bad column count or gold tag."""
    sentences = column_sentences(inputs.lines, inputs.source)
    if not sentences:
        raise DataError(f"{inputs.source}: no sentence (only -DOCSTART- and blank lines)")
    columns = len(sentences[0].rows[0])
    if columns == 1:
        return ConllInput(inputs, sentences, None, None)
    if not -columns <= tag_column < columns or tag_column % columns == 0:
        raise ConfigError(f"--tag-column {tag_column}: the input has {columns} columns, the first the tokens; "
                          f"choose 1..{columns - 1}, or -{columns - 1}..-1 from the end")
    gold = [[row[tag_column] for row in sentence.rows] for sentence in sentences]
    for sentence, tags in zip(sentences, gold):
        try:
            spans(tags)
        except TagError as error:
            raise DataError(f"{inputs.source}, line {sentence.line + error.position}: {error.detail} "
                            f"(--tag-column {tag_column} picks the gold tags)") from None
    return ConllInput(inputs, sentences, gold, detect_scheme(gold))


def tag_conll(task: TaggingTask, conll: ConllInput, arguments: argparse.Namespace) -> None:
    """Write every input line, each token line with its predicted tag added, a batch of sentences at a time;
    then, when the input has gold tags, the scores on stderr."""
    scheme = arguments.tag_scheme or conll.scheme or task.scheme
    lines = conll.inputs.lines
    predicted: List[List[str]] = []
    written = 0
    with output_stream(arguments.output) as stream, progress_bar(len(conll.sentences), "sentence", PROG) as bar:
        for start in range(0, len(conll.sentences), arguments.batch_size):
            batch = conll.sentences[start:start + arguments.batch_size]
            tagged = task.tag([[row[0] for row in sentence.rows] for sentence in batch], arguments.batch_size)
            for sentence, pairs in zip(batch, tagged):
                tags = convert([tag for _, tag in pairs], task.scheme, scheme)
                predicted.append(tags)
                for offset, tag in enumerate(tags):
                    number = sentence.line + offset  # 1-based
                    stream.writelines(line + "\n" for line in lines[written:number - 1])
                    separator = "\t" if "\t" in lines[number - 1] else " "
                    stream.write(f"{lines[number - 1].rstrip()}{separator}{tag}\n")
                    written = number
            stream.flush()
            bar.update(len(batch))
        stream.writelines(line + "\n" for line in lines[written:])
    if conll.gold is not None:
        print_scores(conll.gold, predicted, conll.inputs.source)


def print_scores(gold: List[List[str]], predicted: List[List[str]], source: str) -> None:
    """conlleval's entity-level precision, recall and F1, per type and overall, on stderr."""
    types = sorted({kind for tags in [*gold, *predicted] for kind, _, _ in spans(tags)})
    tokens = sum(len(tags) for tags in gold)
    print(f"{PROG}: {source}: {len(gold):,} sentences, {tokens:,} tokens", file=sys.stderr)
    if not types:
        print(f"{PROG}: no entity in the gold tags or the predictions: nothing to score", file=sys.stderr)
        return
    metric = SpanF1(types)
    metric.update(predicted, gold)
    scores = {key: float(value) * 100 for key, value in metric.compute().items()}
    counts = {name: (int(metric.gold[i]), int(metric.predicted[i])) for i, name in enumerate(types)}
    width = max(len("overall"), *(len(name) for name in types))
    print(f"  {'type':<{width}}  precision  recall      F1    gold  predicted", file=sys.stderr)
    for name in types:
        print(f"  {name:<{width}}  {scores['precision/' + name]:9.2f}  {scores['recall/' + name]:6.2f}  "
              f"{scores['f1/' + name]:6.2f}  {counts[name][0]:6d}  {counts[name][1]:9d}", file=sys.stderr)
    print(f"  {'overall':<{width}}  {scores['precision']:9.2f}  {scores['recall']:6.2f}  {scores['f1']:6.2f}  "
          f"{int(metric.gold.sum()):6d}  {int(metric.predicted.sum()):9d}", file=sys.stderr)


def tag_command(arguments: argparse.Namespace) -> None:
    check_arguments(arguments)
    task = load_task(TaggingTask, arguments)
    inputs = read_inputs(arguments, "tag", "sentence")
    if arguments.conll:
        tag_conll(task, read_conll_input(inputs, arguments.tag_column), arguments)
        return
    scheme = arguments.tag_scheme or task.scheme

    def predict(sentences: List[str]) -> List[str]:
        answers = []
        for pairs in task.tag(sentences, arguments.batch_size):
            tokens, tags = [token for token, _ in pairs], convert([tag for _, tag in pairs], task.scheme, scheme)
            if arguments.entities:
                answers.append("\t".join(f"{kind} {' '.join(tokens[start:end])}" for kind, start, end in spans(tags)))
            else:
                answers.append(" ".join(f"{token}/{tag}" for token, tag in zip(tokens, tags)))
        return answers

    write_answers(arguments, inputs, predict, PROG)


def main(argv: Optional[List[str]] = None) -> None:
    run_command(tag_command, build_parser(), argv)


if __name__ == "__main__":
    main()
