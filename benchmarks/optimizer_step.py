"""One training step (forward, backward, optimiser step) of the SST-2 GloVe recipe's shape — a BiLSTM 128 over a
50-d embedding, batch 32 of 12 words — with each optimiser fused (``fused=True``, the default for Adam, AdamW and
Adagrad, see seqmodels/tasks/optimization.py) and looped over tensors, at two vocabulary sizes: 2,000 words and
102,393 (SST-2's training words plus GloVe's first 100,000, ``data.vector_words``).

    python benchmarks/optimizer_step.py
    python benchmarks/optimizer_step.py --repeats 60 --threads 2

Prints the median step time of each and the ratio looped / fused, measured side by side: the two take turns
within every repeat, so a noisy neighbour slows both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable, Dict, List

import torch
from torch import nn

from seqmodels.tasks.optimization import build_optimizer

VOCABULARIES = (2_000, 102_393)
OPTIMIZERS = ("adam", "adamw", "adagrad", "sgd")


def training_step(vocabulary: int, name: str, fused: bool) -> Callable[[], None]:
    """A closure running one step of a fresh BiLSTM classifier with the optimiser ``name``."""
    torch.manual_seed(0)
    embedding, lstm = nn.Embedding(vocabulary, 50), nn.LSTM(50, 128, bidirectional=True, batch_first=True)
    output = nn.Linear(256, 2)
    parameters = [*embedding.parameters(), *lstm.parameters(), *output.parameters()]
    optimizer = build_optimizer(parameters, {"name": name, "lr": 0.002, "fused": fused})
    words, labels = torch.randint(0, vocabulary, (32, 12)), torch.randint(0, 2, (32,))

    def step() -> None:
        states, _ = lstm(embedding(words))
        nn.functional.cross_entropy(output(states.max(dim=1).values), labels).backward()
        optimizer.step()
        optimizer.zero_grad()
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30, help="timed steps of each (after 3 warm-up steps)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{torch.get_num_threads()} threads, torch {torch.__version__}, median of {args.repeats} steps")
    print(f"{'vocabulary':>10} {'optimizer':>9} {'looped ms':>10} {'fused ms':>9} {'looped/fused':>13}")
    for vocabulary in VOCABULARIES:
        for name in OPTIMIZERS:
            steps = {fused: training_step(vocabulary, name, fused) for fused in (False, True)}
            times: Dict[bool, List[float]] = {False: [], True: []}
            for repeat in range(args.repeats + 3):
                for fused, step in steps.items():
                    started = time.perf_counter()
                    step()
                    if repeat >= 3:
                        times[fused].append(time.perf_counter() - started)
            looped, fused = (1000 * statistics.median(times[f]) for f in (False, True))
            print(f"{vocabulary:>10,} {name:>9} {looped:>10.1f} {fused:>9.1f} {looped / fused:>12.2f}x")


if __name__ == "__main__":
    main()
