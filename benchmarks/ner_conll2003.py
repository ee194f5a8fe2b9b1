"""BiLSTM-CRF on CoNLL-2003 English (``experiment=ner_conll2003``, or ``ner_conll2003_glove`` with GloVe 6B 50-d
vectors) for a fixed CPU time budget or the recipe's own epochs: dev (eng.testa) entity F1, training time,
training tokens/s, and tagging tokens/s at prediction time.

    python benchmarks/ner_conll2003.py                      # 15 minutes of training
    python benchmarks/ner_conll2003.py --minutes 2 -- task.output=softmax model.hidden_size=100
    python benchmarks/ner_conll2003.py --experiment ner_conll2003_glove --recipe-epochs    # as the recipe says

Training runs through ``seqmodels.train.run`` on the real configs (Hydra's compose API), stopped by
Lightning's ``max_time``; validation runs after every epoch (its time counts in the budget, as a user's
run would spend it). Training tokens/s counts the real tokens of the training batches over the time spent
in training steps. Prediction tokens/s is ``TaggingTask.tag`` on every eng.testa sentence with the best
checkpoint, batch 64, no gradient.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import (  # noqa: E402
    DEFAULT_DATA_DIR,
    TrainingSpeed,
    add_budget_arguments,
    budget_of,
    budget_overrides,
    compose_config,
    describe_budget,
    speed_callback,
)

EXPERIMENTS = ("ner_conll2003", "ner_conll2003_glove")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="the folder holding conll2003/")
    add_budget_arguments(parser, EXPERIMENTS, 15.0)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("overrides", nargs="*", help="more Hydra overrides, after --")
    args = parser.parse_args()
    folder = Path(args.data_dir) / "conll2003"
    if not (folder / "eng.train").is_file() or not (folder / "eng.testa").is_file():
        raise SystemExit(f"error: CoNLL-2003 is not in {folder} (eng.train, eng.testa); pass --data-dir or set "
                         "SEQMODELS_DATA_DIR")
    if args.threads:
        torch.set_num_threads(args.threads)
    from seqmodels.data.corpora.conll import read_conll
    from seqmodels.tasks.tagging import TaggingTask
    from seqmodels.train import run

    budget = budget_of(args)
    print(f"{args.experiment}: {describe_budget(budget)}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as run_folder:
        overrides = [f"experiment={args.experiment}", f"paths.data_dir={args.data_dir}", *budget_overrides(budget),
                     "callbacks.rich_progress_bar=null",
                     "++trainer.enable_progress_bar=false", "test=false", speed_callback("real_tokens"),
                     *args.overrides]
        cfg = compose_config(overrides.copy(), Path(run_folder))
        print("overrides:", " ".join(overrides[:-len(args.overrides) or None]), *args.overrides)
        started = time.perf_counter()
        metrics = run(cfg)
        wall = time.perf_counter() - started
        best = sorted((Path(run_folder) / "checkpoints").glob("best-*.ckpt"))[-1]
        tagger = TaggingTask.load(best)
        speed = TrainingSpeed.instances[-1]
        sentences = [s.tokens for s in read_conll(folder / "eng.testa")]
        tokens = sum(len(s) for s in sentences)
        timings: List[float] = []
        for _ in range(3):
            start = time.perf_counter()
            tagger.tag(sentences)
            timings.append(time.perf_counter() - start)
    print()
    speed.print_history(scale=100)
    cut = "" if budget is None else " (the last one cut by the budget)"
    print(f"\ntrained {speed.epochs} epochs{cut} in {wall / 60:.1f} min wall "
          f"({speed.seconds / 60:.1f} min in training steps)")
    print(f"dev (eng.testa) entity F1, best epoch: {100 * float(tagger.best_score or metrics['val/f1']):.2f}")
    print(f"training: {speed.units / speed.seconds:,.0f} tokens/s (real tokens of the training steps)")
    print(f"tagging:  {tokens / statistics.median(timings):,.0f} tokens/s ({tokens:,} eng.testa tokens, median of 3)")


if __name__ == "__main__":
    main()
