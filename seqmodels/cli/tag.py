"""Tag text with a trained tagger (NER): tokens with their tags, and the entities found.

    seqmodels tag --ckpt logs/ner/runs/<date>/checkpoints/last.ckpt "Harry Potter met Hermione Granger."
    seqmodels tag --ckpt ... --conll eng.testa --output tagged.conll   # a CoNLL file's tokens, tagged
    echo "Some text." | seqmodels tag --ckpt ...                       # one sentence a line from stdin

Raw text is tokenised by ``seqmodels.data.corpora.conll.tokenize`` (whitespace, then punctuation split off
the ends of words). With ``--conll`` the file's tokens are used as they are; ``--output`` writes
``token gold predicted`` lines (conlleval's input) when the file has tags, else ``token predicted``.
stdin is read as strict UTF-8; an empty or blank sentence argument is an error, as in the other commands.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from seqmodels.cli.common import (
    add_checkpoint_argument,
    load_task,
    output_file,
    read_sentences,
    run_command,
    write_failed,
)
from seqmodels.data.corpora.conll import read_conll, write_conll
from seqmodels.errors import ConfigError
from seqmodels.tasks.tagging import TaggingTask
from seqmodels.text_files import check_not_folder


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqmodels tag", description=__doc__.split("\n")[0])
    add_checkpoint_argument(parser)
    parser.add_argument("sentences", nargs="*", help="sentences to tag (default: one per line from stdin, UTF-8)")
    parser.add_argument("--conll", metavar="FILE", help="tag the sentences of a CoNLL-column file instead")
    parser.add_argument("--tag-column", type=int, default=-1, help="the gold tag column of --conll (default: last)")
    parser.add_argument("--output", metavar="FILE", help="write the tagged --conll sentences to FILE (CoNLL format)")
    return parser


def check_arguments(arguments: argparse.Namespace) -> None:
    """ConfigError for options that cannot go together; DataError for a --conll or --output path that cannot
    be used (both before the model is loaded)."""
    if arguments.conll and arguments.sentences:
        raise ConfigError("give sentences or --conll FILE, not both")
    if arguments.output and not arguments.conll:
        raise ConfigError(f"--output {arguments.output}: it writes the tagged --conll sentences; add --conll FILE "
                          "(tagged text goes to stdout)")
    if arguments.conll:
        check_not_folder(arguments.conll, "--conll")
    if arguments.output:
        output_file("--output", arguments.output)


def tag_command(arguments: argparse.Namespace) -> None:
    check_arguments(arguments)
    task = load_task(TaggingTask, arguments)
    if arguments.conll:
        gold = read_conll(arguments.conll, tag_column=arguments.tag_column)
        tagged = task.tag([sentence.tokens for sentence in gold])
        predictions = [(list(s.tokens), [tag for _, tag in pairs]) for s, pairs in zip(gold, tagged)]
        if arguments.output:
            try:
                write_conll(arguments.output, predictions, gold=[s.tags for s in gold])
            except OSError as error:
                raise write_failed("--output", arguments.output, error) from None
            print(f"{len(predictions)} sentences tagged -> {arguments.output}")
            return
    else:
        tagged = task.tag(read_sentences(arguments.sentences, "tag"))
    for pairs in tagged:
        print(" ".join(f"{token}/{tag}" for token, tag in pairs))
        for kind, start, end, words in task.entities(pairs):
            print(f"  {kind:<6} {start:>3}-{end:<3} {words}")


def main(argv: Optional[List[str]] = None) -> None:
    run_command(tag_command, build_parser(), argv)


if __name__ == "__main__":
    main()
