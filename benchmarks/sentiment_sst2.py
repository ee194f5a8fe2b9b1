"""The course's two sentiment models on SST-2, side by side for the same CPU time budget: the average of the
word embeddings (``experiment=sentiment_sst2_mean``) and a BiLSTM (``experiment=sentiment_sst2_bilstm``); and the
BiLSTM over GloVe 6B 50-d vectors (``experiment=sentiment_sst2_glove``) when asked for. Prints the best dev
accuracy of each, its training time and its training speed in sentences/s.

    python benchmarks/sentiment_sst2.py                  # 5 minutes each
    python benchmarks/sentiment_sst2.py --minutes 2 -- model.hidden_size=64
    python benchmarks/sentiment_sst2.py --experiments sentiment_sst2_glove --recipe-epochs   # as the recipe says

Training runs through ``seqmodels.train.run`` on the real configs, stopped by Lightning's ``max_time``;
validation on dev.tsv after every epoch picks the best checkpoint (its time counts in the budget).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import (  # noqa: E402
    DEFAULT_DATA_DIR,
    TrainingSpeed,
    budget_overrides,
    compose_config,
    describe_budget,
    speed_callback,
)

CONTENDERS = {"sentiment_sst2_mean": "mean of embeddings", "sentiment_sst2_bilstm": "BiLSTM",
              "sentiment_sst2_glove": "BiLSTM + GloVe 50-d"}


def train_one(experiment: str, data_dir: str, minutes: Optional[float], extra: List[str]) -> Dict[str, float]:
    from seqmodels.train import run

    with tempfile.TemporaryDirectory() as run_folder:
        overrides = [f"experiment={experiment}", f"paths.data_dir={data_dir}", *budget_overrides(minutes),
                     "callbacks.rich_progress_bar=null",
                     "++trainer.enable_progress_bar=false", "test=false", speed_callback("texts"), *extra]
        started = time.perf_counter()
        metrics = run(compose_config(overrides, Path(run_folder)))
        wall = time.perf_counter() - started
    speed = TrainingSpeed.instances[-1]
    print(f"{experiment}:")
    speed.print_history(scale=100)
    return {"dev_accuracy": metrics["hp/best"], "sentences_per_s": speed.units / speed.seconds,
            "epochs": speed.epochs, "wall_min": wall / 60}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="the folder holding sst2/")
    parser.add_argument("--experiments", nargs="+", choices=list(CONTENDERS), default=list(CONTENDERS)[:2],
                        help="the recipes to train, one after the other")
    parser.add_argument("--minutes", type=float, default=5.0, help="the training budget of each model")
    parser.add_argument("--recipe-epochs", action="store_true",
                        help="train each recipe's own trainer.max_epochs, not a time budget")
    parser.add_argument("overrides", nargs="*", help="more Hydra overrides for both, after --")
    args = parser.parse_args()
    folder = Path(args.data_dir) / "sst2"
    if not (folder / "train.tsv").is_file() or not (folder / "dev.tsv").is_file():
        raise SystemExit(f"error: SST-2 is not in {folder} (train.tsv, dev.tsv); pass --data-dir or set "
                         "SEQMODELS_DATA_DIR")
    minutes = None if args.recipe_epochs else args.minutes
    print(f"budget: {describe_budget(minutes)} each, {torch.get_num_threads()} threads, torch {torch.__version__}")
    results = {CONTENDERS[experiment]: train_one(experiment, args.data_dir, minutes, args.overrides)
               for experiment in args.experiments}
    print(f"\n{'model':<20} {'dev accuracy':>12} {'sentences/s':>12} {'epochs':>7} {'wall min':>9}")
    for name, result in results.items():
        print(f"{name:<20} {100 * result['dev_accuracy']:>11.2f}% {result['sentences_per_s']:>12,.0f} "
              f"{result['epochs']:>7} {result['wall_min']:>9.1f}")


if __name__ == "__main__":
    main()
