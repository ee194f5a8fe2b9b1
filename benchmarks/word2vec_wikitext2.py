"""Word vectors on WikiText-2: seqmodels' word2vec, hierarchical softmax and GloVe next to gensim's Word2Vec,
trained in one run on the same words, each scored by the same three evaluations.

    python benchmarks/word2vec_wikitext2.py                            # every row, once
    python benchmarks/word2vec_wikitext2.py --rows gensim,sgns --rounds 3   # alternated: medians of 3
    pip install gensim                                                 # the optional benchmark dependency

Rows (``--rows``, in this order):

- ``gensim``: gensim's ``Word2Vec`` — skip-gram (sg=1), 100-d, window 5, K = 5 negatives, t = 1e-4, min count 5,
  5 epochs, 2 worker threads: the settings of ``experiment=word2vec_wikitext2``;
- ``sgns``: ``python train.py experiment=word2vec_wikitext2`` (``seqmodels.train.run`` on the composed config):
  the same settings, its K = 5 noise words per pair estimated from a pool of 30 per run of 16 centre words;
- ``hs``: the same with the hierarchical softmax (``data.negatives=0 task.output=hierarchical_softmax``, and Adam,
  lr 0.01, without the clipping SGD needs: every example moves the tree's root, which a batch's summed SGD steps
  would blow up);
- ``gensim_hs``: gensim with the hierarchical softmax (hs=1, negative=0), its counterpart;
- ``glove``: ``experiment=glove_wikitext2``.

Both read the same words: the training split as seqmodels' word2vec reads it (``Word2VecData``: lower-cased,
punctuation split off, words seen fewer than 5 times left out), handed to gensim as lists of words. The
evaluations are :mod:`seqmodels.word_evaluations` for every row (Google analogies: 3CosAdd accuracy over the
covered questions; WordSim-353 and SimLex-999: Spearman) — gensim's vectors are scored by the same code that
``WordVectorEvaluations`` runs after our trainings, so the columns compare.

Columns: *train s* is the training alone (gensim: the ``Word2Vec(...)`` call, vocabulary scan included; ours:
``Trainer.fit`` from its start to the end of its last epoch, validation after every epoch included); *total s* adds,
for ours, reading the corpus, the test pass, writing vectors.txt and the evaluations. *words/s* is the corpus'
words times the epochs over *train s* (for GloVe, whose cost is per co-occurring pair, only a comparison of
times). *others* is the CPU cores other processes used during the row (trust rows where it is near 0: on 2
cores a neighbour stalls both OpenMP threads). Run it alone. Every row runs in a fresh process of its own: in one
process the rows slowed each other (ours took 33-37 s after a gensim row, 30 s alone; gensim 14.4-15.7 s after ours,
13.2-14.0 s alone).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import DEFAULT_DATA_DIR, FitClock, compose_config, cpu_snapshot, others_cores  # noqa: E402

ROWS = ("gensim", "sgns", "hs", "gensim_hs", "glove")
OURS = {"sgns": ["experiment=word2vec_wikitext2"],
        "hs": ["experiment=word2vec_wikitext2", "data.negatives=0", "task.output=hierarchical_softmax",
               "task.optimizer.name=adam", "task.optimizer.lr=0.01", "task.lr_decay=null",
               "trainer.gradient_clip_val=null"],
        "glove": ["experiment=glove_wikitext2"]}
GENSIM = {"gensim": {"negative": 5, "hs": 0}, "gensim_hs": {"negative": 0, "hs": 1}}
EVALUATIONS = ("analogy_accuracy", "wordsim353_spearman", "simlex999_spearman")
RESULT = "RESULT "  # the line a row's process ends with: its Result as JSON


@dataclasses.dataclass
class Result:
    row: str
    words: int             # corpus words × epochs
    train_s: float
    total_s: float
    scores: Dict[str, float]
    others: float

    @property
    def words_per_s(self) -> float:
        return self.words / self.train_s


def training_sentences(data_dir: str) -> List[List[str]]:
    """WikiText-2's training split as word2vec reads it: lists of words, the rare ones (<unk>) left out."""
    from seqmodels.data.encoding.vocabulary import SPECIALS
    from seqmodels.data.modules.word2vec import Word2VecData

    data = Word2VecData(corpus="wikitext-2", data_dir=data_dir, min_freq=5)
    data.setup("fit")
    tokens = data.vocabulary.tokens
    return [[tokens[i] for i in sentence if i >= len(SPECIALS)] for sentence in data.ids["train"]]


def scores_of(vectors: Any) -> Dict[str, float]:
    """The three evaluations of ``vectors`` (a WordVectors), as WordVectorEvaluations names them."""
    from seqmodels.word_evaluations import (
        evaluate_analogies,
        evaluate_word_pairs,
        evaluation_file,
        read_analogies,
        read_word_pairs,
    )

    analogies = evaluate_analogies(vectors, read_analogies(evaluation_file("questions-words.txt")))
    wordsim = evaluate_word_pairs(vectors, read_word_pairs(evaluation_file("wordsim353.tsv")))
    simlex = evaluate_word_pairs(vectors, read_word_pairs(evaluation_file("simlex999.txt")))
    return {"analogy_accuracy": analogies.total.accuracy, "wordsim353_spearman": wordsim.spearman,
            "simlex999_spearman": simlex.spearman}


def run_gensim(row: str, sentences: List[List[str]], epochs: int, threads: int, seed: int) -> Result:
    from gensim.models import Word2Vec

    from seqmodels.similarity import WordVectors

    first = cpu_snapshot()
    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=100, window=5, sample=1e-4, min_count=5, sg=1, epochs=epochs,
                     workers=threads, seed=seed, **GENSIM[row])
    train_s = time.perf_counter() - start
    others = others_cores(first, cpu_snapshot())
    vectors = WordVectors(list(model.wv.index_to_key), torch.tensor(model.wv.vectors))
    words = sum(len(sentence) for sentence in sentences) * epochs
    return Result(row, words, train_s, train_s, scores_of(vectors), others)


def run_ours(row: str, data_dir: str, words: int, epochs: int, seed: int) -> Result:
    """``row``'s training through ``seqmodels.train.run``; word2vec for ``epochs`` epochs, GloVe for its own."""
    from seqmodels.train import run

    with tempfile.TemporaryDirectory() as folder:
        overrides = [*OURS[row], f"paths.data_dir={data_dir}", f"paths.log_dir={folder}", f"seed={seed}",
                     "callbacks.rich_progress_bar=null",
                     "+callbacks.fit_clock._target_=benchmarks.harness.FitClock"]
        if row != "glove":
            overrides.append(f"trainer.max_epochs={epochs}")
        cfg = compose_config(overrides, Path(folder) / "run")
        epochs = int(cfg.trainer.max_epochs)
        first = cpu_snapshot()
        start = time.perf_counter()
        metrics = run(cfg)
        total_s = time.perf_counter() - start
        others = others_cores(first, cpu_snapshot())
    clock = FitClock.latest
    scores = {name: metrics.get(f"vectors/{name}", math.nan) for name in EVALUATIONS}
    return Result(row, words * epochs, clock.end - clock.start, total_s, scores, others)


def table(results: Sequence[Result]) -> str:
    """One line per row: the medians over the rounds."""
    lines = ["| row | words/s | train s | total s | analogies | WordSim-353 | SimLex-999 | others |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in ROWS:
        mine = [result for result in results if result.row == row]
        if not mine:
            continue

        def median(value: Callable[[Result], float]) -> float:
            return statistics.median(value(result) for result in mine)

        lines.append(f"| {row} | {median(lambda r: r.words_per_s):,.0f} | {median(lambda r: r.train_s):.1f} | "
                     f"{median(lambda r: r.total_s):.1f} | {median(lambda r: r.scores['analogy_accuracy']):.2%} | "
                     f"{median(lambda r: r.scores['wordsim353_spearman']):.3f} | "
                     f"{median(lambda r: r.scores['simlex999_spearman']):.3f} | {median(lambda r: r.others):.2f} |")
    return "\n".join(lines)


def run_row(row: str, args: argparse.Namespace) -> Result:
    """One row, in this process."""
    torch.set_num_threads(args.threads)
    sentences = training_sentences(args.data_dir)
    if row in GENSIM:
        return run_gensim(row, sentences, args.epochs, args.threads, args.seed)
    return run_ours(row, args.data_dir, sum(len(sentence) for sentence in sentences), args.epochs, args.seed)


def run_row_alone(row: str, args: argparse.Namespace) -> Result:
    """One row in a process of its own: no row inherits another's threads (gensim's BLAS), memory or imports."""
    command = [sys.executable, __file__, "--one", row, "--data-dir", args.data_dir, "--epochs", str(args.epochs),
               "--threads", str(args.threads), "--seed", str(args.seed)]
    finished = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in finished.stdout.splitlines() if line.startswith(RESULT)]
    if finished.returncode != 0 or not lines:
        sys.exit(f"row {row} failed (exit {finished.returncode}):\n{finished.stderr[-3000:]}")
    return Result(**json.loads(lines[-1][len(RESULT):]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where wikitext-2/ is (default: %(default)s)")
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated, of " + ", ".join(ROWS))
    parser.add_argument("--rounds", type=int, default=1, help="run the rows this many times, alternated")
    parser.add_argument("--epochs", type=int, default=5, help="word2vec's epochs, both sides (GloVe: its config's)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads and gensim workers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", choices=ROWS, help=argparse.SUPPRESS)  # a row's own process (run_row_alone)
    args = parser.parse_args(argv)
    if args.one:
        print(RESULT + json.dumps(dataclasses.asdict(run_row(args.one, args))), flush=True)
        return
    rows = [row for row in args.rows.split(",") if row]
    unknown = sorted(set(rows) - set(ROWS))
    if unknown:
        parser.error(f"--rows: {unknown[0]!r} is not one of {', '.join(ROWS)}")
    print(f"WikiText-2 train, {args.threads} threads; every row in a process of its own", flush=True)
    results: List[Result] = []
    for _ in range(args.rounds):
        for row in rows:
            result = run_row_alone(row, args)
            results.append(result)
            print(f"{row}: train {result.train_s:.1f} s, total {result.total_s:.1f} s, "
                  f"{result.words_per_s:,.0f} words/s, {result.scores}, others {result.others:.2f}", flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
