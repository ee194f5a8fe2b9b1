"""Data-parallel scaling on the CPU: the same language model trained by 1 process and by 2 DDP processes (gloo).

Prints training tokens/s of each (target tokens of all processes / the slowest process's step time), the
speed-up, and the threads each process used. Each process keeps ``data.batch_size`` rows, so 2 processes take
steps of twice the tokens: the same number of epochs needs half the steps.

    python benchmarks/ddp_scaling.py                   # word-level LSTM LM on the embedded corpus, 150 steps
    python benchmarks/ddp_scaling.py --steps 300 -- model.hidden_size=512

Both runs are ``python train.py`` subprocesses (DDP re-launches train.py once per extra process); each trains
one epoch at most (the embedded corpus is 100 steps of 20 x 35 words for one process, 50 for each of two).

Measured on the 2-core CPU (2026-11-26): 1 process 8,589 tokens/s (2 threads), 2 DDP processes 8,372
tokens/s (1 thread each): 0.97x. One process already keeps both cores busy with intra-op threads, so two
processes add no compute, only overhead: every step all-reduces 3.6M gradients (14 MB: the 8,189-word
embedding and softmax dominate) through gloo over loopback, and the two processes wait for each other.
DDP pays on machines with more cores or GPUs than one process can use; this benchmark shows the overhead.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("+callbacks.throughput={_target_: benchmarks.harness.ThroughputLog, folder: ${paths.output_dir}/speed, "
         "count: lm_targets}")


def train(trainer: str, steps: int, extra: List[str]) -> Dict[str, float]:
    with tempfile.TemporaryDirectory() as run_folder:
        command = [sys.executable, "train.py", f"trainer={trainer}", "data.level=word", "data.bptt=35",
                   "data.batch_size=20", "model.embedding_size=200", "model.hidden_size=200", "trainer.max_epochs=1",
                   f"trainer.limit_train_batches={steps}", "trainer.limit_val_batches=0", "test=false",
                   "callbacks.rich_progress_bar=null", "callbacks.embedding_projector=null",
                   "callbacks.text_samples=null", "callbacks.ngram_baseline=null", "callbacks.model_checkpoint=null",
                   "callbacks.last_checkpoint=null", "callbacks.periodic_checkpoint=null", "task.lr_decay=null",
                   "++trainer.enable_progress_bar=false",
                   "++trainer.num_sanity_val_steps=0", PROBE, f"paths.output_dir={run_folder}", *extra]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - started
        ranks = [json.loads(path.read_text()) for path in sorted(Path(run_folder, "speed").glob("rank*.json"))]
    seconds = max(rank["seconds"] for rank in ranks)
    return {"processes": len(ranks), "tokens": sum(rank["units"] for rank in ranks), "seconds": seconds,
            "tokens/s": sum(rank["units"] for rank in ranks) / seconds, "steps": ranks[0]["steps"],
            "threads": ranks[0]["threads"], "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=150, help="training steps of each run (per process)")
    parser.add_argument("overrides", nargs="*", help="more Hydra overrides for both, after --")
    args = parser.parse_args()
    results = {"1 process": train("cpu", args.steps, args.overrides),
               "2 DDP processes": train("ddp_cpu", args.steps, args.overrides)}
    print(f"{'':<18}{'tokens/s':>10}{'steps':>7}{'threads each':>14}{'step time s':>13}{'wall s':>8}")
    for name, result in results.items():
        print(f"{name:<18}{result['tokens/s']:>10,.0f}{result['steps']:>7}{result['threads']:>14}"
              f"{result['seconds']:>13.1f}{result['wall']:>8.1f}")
    print(f"speed-up: {results['2 DDP processes']['tokens/s'] / results['1 process']['tokens/s']:.2f}x")


if __name__ == "__main__":
    main()
