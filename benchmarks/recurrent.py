"""Forward+backward throughput of every Recurrent backend next to torch.nn's own modules.

    python benchmarks/recurrent.py                      # all cells, all backends, 3 shapes
    python benchmarks/recurrent.py --cells lstm --repeats 15 --threads 2

Prints tokens/s (B*T per second; median over repeats after warm-up) and the ratio to
torch.nn's module of the same family, measured side by side in one run: the contenders take
turns within every repeat, so a noisy neighbour slows them all alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable, Dict, List, Tuple

import torch
from torch import nn

from seqmodels.nn import Recurrent

SHAPES = [(32, 35, 200, 200), (20, 35, 650, 650), (64, 100, 128, 256)]  # (B, T, I, H)

# family -> [(label, builder(I, H) -> module, is the torch.nn baseline)]
Contender = Tuple[str, Callable[[int, int], nn.Module], bool]
FAMILIES: Dict[str, List[Contender]] = {
    "lstm": [
        ("torch.nn.LSTM", lambda i, h: nn.LSTM(i, h, batch_first=True), True),
        ("fused", lambda i, h: Recurrent("lstm", i, h, backend="fused"), False),
        ("scripted", lambda i, h: Recurrent("lstm", i, h, backend="scripted"), False),
        ("scripted peephole", lambda i, h: Recurrent("lstm", i, h, backend="scripted", peephole=True), False),
        ("reference", lambda i, h: Recurrent("lstm", i, h, backend="reference"), False),
    ],
    "gru": [
        ("torch.nn.GRU", lambda i, h: nn.GRU(i, h, batch_first=True), True),
        ("fused reset_after", lambda i, h: Recurrent("gru", i, h, backend="fused", reset_after=True), False),
        ("scripted reset_after", lambda i, h: Recurrent("gru", i, h, backend="scripted", reset_after=True), False),
        ("scripted full", lambda i, h: Recurrent("gru", i, h, backend="scripted"), False),
        ("scripted minimal", lambda i, h: Recurrent("gru", i, h, backend="scripted", minimal=True), False),
        ("reference full", lambda i, h: Recurrent("gru", i, h, backend="reference"), False),
    ],
    "rnn": [
        ("torch.nn.RNN", lambda i, h: nn.RNN(i, h, batch_first=True), True),
        ("fused", lambda i, h: Recurrent("rnn", i, h, backend="fused"), False),
        ("scripted", lambda i, h: Recurrent("rnn", i, h, backend="scripted"), False),
        ("reference", lambda i, h: Recurrent("rnn", i, h, backend="reference"), False),
    ],
}


def step_fn(module: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> Callable[[], None]:
    """One forward+backward pass, parameter and input gradients included."""

    def step() -> None:
        x.grad = None
        module.zero_grad(set_to_none=True)
        outputs, _ = module(x)
        outputs.backward(grad)

    return step


def measure(steps: Dict[str, Callable[[], None]], repeats: int, warmup: int) -> Dict[str, float]:
    """Median seconds per step of each contender, taking turns within every repeat.

    The order rotates each repeat: whoever goes first in a round was measured to run up to
    25% slower (allocator and cache state left by the previous contender), so every
    contender goes first equally often.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    labels = list(steps)
    times: Dict[str, List[float]] = {label: [] for label in labels}
    for repeat in range(repeats):
        for label in labels[repeat % len(labels) :] + labels[: repeat % len(labels)]:
            start = time.perf_counter()
            steps[label]()
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(t) for label, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], help="contender labels to leave out, e.g. reference")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32, forward+backward, "
          f"median of {args.repeats} after {args.warmup} warm-up\n")
    print(f"{'shape (B,T,I,H)':<20} {'contender':<22} {'tokens/s':>10} {'ms/step':>9} {'vs torch.nn':>11}")
    for family in args.cells:
        for B, T, I, H in SHAPES:
            x = torch.randn(B, T, I, requires_grad=True)
            grad = torch.randn(B, T, H)
            contenders = [c for c in FAMILIES[family] if c[0] not in args.skip]
            steps = {label: step_fn(build(I, H), x, grad) for label, build, _ in contenders}
            seconds = measure(steps, args.repeats, args.warmup)
            baseline = next(seconds[label] for label, _, is_base in contenders if is_base)
            for label, _, _ in contenders:
                s = seconds[label]
                print(f"{str((B, T, I, H)):<20} {label:<22} {B * T / s:>10.0f} {1000 * s:>9.2f} {baseline / s:>10.2f}x")
            print()


if __name__ == "__main__":
    main()
