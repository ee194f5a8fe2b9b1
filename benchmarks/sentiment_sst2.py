"""The course's two sentiment models on SST-2, side by side for the same CPU time budget: the average of the
word embeddings (``experiment=sentiment_sst2_mean``) and a BiLSTM (``experiment=sentiment_sst2_bilstm``).
Prints the best dev accuracy of each and its training speed in sentences/s.

    python benchmarks/sentiment_sst2.py                  # 5 minutes each
    python benchmarks/sentiment_sst2.py --minutes 2 -- model.hidden_size=64

Training runs through ``seqmodels.train.run`` on the real configs, stopped by Lightning's ``max_time``;
validation on dev.tsv after every epoch picks the best checkpoint (its time counts in the budget).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import DEFAULT_DATA_DIR, TrainingSpeed, compose_config, max_time, speed_callback  # noqa: E402

CONTENDERS = {"mean of embeddings": "sentiment_sst2_mean", "BiLSTM": "sentiment_sst2_bilstm"}


def train_one(experiment: str, data_dir: str, minutes: float, extra: List[str]) -> Dict[str, float]:
    from seqmodels.train import run

    with tempfile.TemporaryDirectory() as run_folder:
        overrides = [f"experiment={experiment}", f"paths.data_dir={data_dir}", "trainer.max_epochs=1000",
                     f"+trainer.max_time={max_time(minutes)}", "callbacks.rich_progress_bar=null",
                     "++trainer.enable_progress_bar=false", "test=false", speed_callback("texts"), *extra]
        started = time.perf_counter()
        metrics = run(compose_config(overrides, Path(run_folder)))
        wall = time.perf_counter() - started
    speed = TrainingSpeed.instances[-1]
    return {"dev_accuracy": metrics["hp/best"], "sentences_per_s": speed.units / speed.seconds,
            "epochs": speed.epochs, "wall_min": wall / 60}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="the folder holding sst2/")
    parser.add_argument("--minutes", type=float, default=5.0, help="the training budget of each model")
    parser.add_argument("overrides", nargs="*", help="more Hydra overrides for both, after --")
    args = parser.parse_args()
    folder = Path(args.data_dir) / "sst2"
    if not (folder / "train.tsv").is_file() or not (folder / "dev.tsv").is_file():
        raise SystemExit(f"error: SST-2 is not in {folder} (train.tsv, dev.tsv); pass --data-dir or set "
                         "SEQMODELS_DATA_DIR")
    print(f"budget: {args.minutes:g} min of training each, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}")
    results = {name: train_one(experiment, args.data_dir, args.minutes, args.overrides)
               for name, experiment in CONTENDERS.items()}
    print(f"\n{'model':<20} {'dev accuracy':>12} {'sentences/s':>12} {'epochs':>7} {'wall min':>9}")
    for name, result in results.items():
        print(f"{name:<20} {100 * result['dev_accuracy']:>11.2f}% {result['sentences_per_s']:>12,.0f} "
              f"{result['epochs']:>7} {result['wall_min']:>9.1f}")


if __name__ == "__main__":
    main()
