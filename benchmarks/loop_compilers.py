"""Which compiler runs the scripted backend's time loops fastest here: TorchScript or torch.compile?

    python benchmarks/loop_compilers.py            # LSTM loops at (B, T, H) = (32, 35, 200)

Times the LSTM kernel's forward and backward loops (seqmodels/nn/backends/kernel_lstm.py)
three ways on the same inputs — plain eager Python, torch.jit.script, torch.compile — and
prints compile time and the median per call. The scripted backend uses whichever wins.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Callable, Dict

import torch

from seqmodels.nn.backends import kernel_lstm


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", type=int, nargs=3, default=[32, 35, 200], metavar=("B", "T", "H"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    B, T, H = args.shape
    torch.manual_seed(0)
    zx, W_aa = torch.randn(T, B, 4 * H), 0.05 * torch.randn(4 * H, H)
    state0 = [torch.zeros(B, H), torch.zeros(B, H)]
    grad_outputs = torch.randn(T, B, H)
    _, _, saved = kernel_lstm.forward(zx, W_aa, [], state0, None, 0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compilers: Dict[str, Callable[[Callable], Callable]] = {
            "eager": lambda f: f,
            "torch.jit.script": torch.jit.script,
            "torch.compile": torch.compile,
        }
        print(f"LSTM loops, (B, T, H) = ({B}, {T}, {H}), {args.threads} threads, median of {args.repeats}")
        print(f"{'compiler':<18} {'compile s':>10} {'forward ms':>11} {'backward ms':>12}")
        for name, compile_fn in compilers.items():
            start = time.perf_counter()
            forward, backward = compile_fn(kernel_lstm.forward), compile_fn(kernel_lstm.backward)

            def run_forward() -> object:
                return forward(zx, W_aa, [], state0, None, 0)

            def run_backward() -> object:
                return backward(grad_outputs, state0, saved, W_aa, [], None, 0)

            for _ in range(3):  # the first calls compile (torch.compile) or profile (TorchScript)
                run_forward()
                run_backward()
            compile_s = time.perf_counter() - start
            fwd, bwd = median_ms(run_forward, args.repeats), median_ms(run_backward, args.repeats)
            print(f"{name:<18} {compile_s:>10.1f} {fwd:>11.2f} {bwd:>12.2f}")


if __name__ == "__main__":
    main()
