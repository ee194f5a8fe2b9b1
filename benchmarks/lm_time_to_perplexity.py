"""Time to perplexity on WikiText-2: the wall time our recipe needs to reach the validation perplexity that the
PyTorch word_language_model example reaches, both timed live in one run.

    python benchmarks/lm_time_to_perplexity.py                                  # the example for one epoch
    python benchmarks/lm_time_to_perplexity.py --example-batches 1000           # a shorter budget
    python benchmarks/lm_time_to_perplexity.py --target-ppl 400                 # a perplexity of your choice
    python benchmarks/lm_time_to_perplexity.py --experiment lm_wikitext2        # the example's own recipe

1. **The example** (``ExampleTrainer`` of ``benchmarks/lm_wikitext2.py``: its RNNModel — torch.nn.LSTM, 2x200,
   dropout 0.2 — log_softmax + NLLLoss, SGD lr 20, clip 0.25, batch 20, bptt 35) trains for
   ``--example-batches`` batches (default: one epoch, 2,983), its validation perplexity on the whole valid split
   taken every ``--example-eval-every`` batches and at the end. The target is the perplexity it has at the end
   (or ``--target-ppl``).
2. **Ours**: ``python train.py experiment=<--experiment>`` (default ``lm_wikitext2_fast``) run through
   ``seqmodels.train.run`` on the real configs, validating on the whole valid split every ``--eval-every``
   batches, stopping at the first validation at or below the target (or after ``--max-epochs``).

Time is training wall time: everything from the first batch to the validation that reaches the target except
the validations themselves (their time is taken out on both sides; for Lightning that includes the loop, the
data loading, logging and callbacks). A contender's time to the target is the training time at its first
validation at or below the target; between two validations it reached it somewhere, so the number is an upper
bound, by at most one evaluation interval (for the example, whose target is its own final perplexity, it is
exact). The last line is
``speedup over the PyTorch example at equal validation perplexity: <example's time / ours>x``.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytorch_lightning as pl
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import DEFAULT_DATA_DIR, compose_config  # noqa: E402
from benchmarks.lm_wikitext2 import EXAMPLE_SETTINGS, ExampleTrainer, check_data  # noqa: E402

Point = Tuple[int, float, float]  # (batches trained, training seconds, validation perplexity)


@dataclass
class Curve:
    """A contender's validation perplexity against its training time."""

    name: str
    points: List[Point] = field(default_factory=list)
    tokens_per_batch: int = 0

    def time_to(self, target: float) -> Optional[Point]:
        """The first point at or below ``target``, None if it never got there."""
        return next((point for point in self.points if point[2] <= target), None)


class PerplexityClock(pl.Callback):
    """Training time (wall time less the validations) at every validation, with val/ppl; stops the run at the
    first validation at or below ``target``. The instance Hydra builds is ``PerplexityClock.latest``."""

    latest: Optional["PerplexityClock"] = None

    def __init__(self, target: float) -> None:
        self.target, self.points, self.batches = target, [], 0
        self._start, self._paused, self._val_start = math.nan, 0.0, math.nan
        PerplexityClock.latest = self

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._start = time.perf_counter()

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.batches += 1

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._val_start = time.perf_counter()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        now = time.perf_counter()
        trained = self._val_start - self._start - self._paused
        self._paused += now - self._val_start
        perplexity = float(trainer.callback_metrics["val/ppl"])
        self.points.append((self.batches, trained, perplexity))
        print(f"    ours: batch {self.batches:>5}, {trained:7.1f} s trained, val ppl {perplexity:7.1f}", flush=True)
        if perplexity <= self.target:
            trainer.should_stop = True


def example_curve(cfg: Any, datamodule: Any, batches: int, eval_every: int) -> Curve:
    """The example trained for ``batches`` batches, validated every ``eval_every`` and at the end."""
    trainer = ExampleTrainer(cfg, len(datamodule.vocabulary))
    curve = Curve("PyTorch example", tokens_per_batch=cfg.data.batch_size * cfg.data.bptt)
    trained = 0.0
    batch_iter = iter(datamodule.train_dataloader())
    for number in range(1, batches + 1):
        inputs, targets, _lengths = next(batch_iter)
        start = time.perf_counter()
        trainer.step(inputs, targets)
        trained += time.perf_counter() - start
        if number == batches or (eval_every and number % eval_every == 0):
            curve.points.append((number, trained, trainer.valid_perplexity(datamodule)))
            print(f"    example: batch {number:>5}, {trained:7.1f} s trained, val ppl {curve.points[-1][2]:7.1f}",
                  flush=True)
    return curve


def our_curve(experiment: str, data_dir: Path, target: float, eval_every: int, max_epochs: int,
              seed: Optional[int]) -> Curve:
    """``train.py experiment=<experiment>`` validated every ``eval_every`` batches until it reaches ``target``."""
    from seqmodels.train import run

    overrides = [
        f"experiment={experiment}", f"paths.data_dir={data_dir}", f"trainer.max_epochs={max_epochs}",
        f"++trainer.val_check_interval={eval_every}", "++trainer.num_sanity_val_steps=0",
        "++trainer.min_epochs=0",  # the first validation at the target may come before the first epoch ends
        "++trainer.enable_progress_bar=false", "++trainer.enable_model_summary=false", "test=false",
        "callbacks.rich_progress_bar=null", "callbacks.ngram_baseline=null",
        f"+callbacks.perplexity_clock._target_={PerplexityClock.__module__}.PerplexityClock",
        f"+callbacks.perplexity_clock.target={target}",
    ] + ([f"seed={seed}"] if seed is not None else [])
    with tempfile.TemporaryDirectory(prefix="lm_time_to_ppl_") as output_dir:
        cfg = compose_config(overrides, Path(output_dir))
        PerplexityClock.latest = None
        run(cfg)
    clock = PerplexityClock.latest
    if clock is None or not clock.points:
        raise RuntimeError("the PerplexityClock callback saw no validation inside run(cfg)")
    return Curve(f"ours, experiment={experiment}", clock.points, cfg.data.batch_size * cfg.data.bptt)


def report(curve: Curve, target: float) -> Optional[float]:
    """Print the curve; return the training seconds to ``target`` (None if not reached)."""
    print(f"\n{curve.name}")
    print(f"  {'batches':>8} {'train s':>9} {'ms/batch':>9} {'tokens/s':>9} {'val ppl':>8}")
    for batches, seconds, perplexity in curve.points:
        per_batch = 1000 * seconds / batches
        print(f"  {batches:>8} {seconds:>9.1f} {per_batch:>9.1f} {curve.tokens_per_batch * 1000 / per_batch:>9.0f} "
              f"{perplexity:>8.1f}" + ("  <- target reached" if curve.time_to(target) == (batches, seconds,
                                                                                        perplexity) else ""))
    reached = curve.time_to(target)
    return None if reached is None else reached[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="folder holding wikitext-2/ (default: $SEQMODELS_DATA_DIR or ../shared/data)")
    parser.add_argument("--experiment", default="lm_wikitext2_fast", help="our recipe (configs/experiment/)")
    parser.add_argument("--example-batches", type=int, default=0, help="the example's budget (default: one epoch)")
    parser.add_argument("--example-eval-every", type=int, default=1000,
                        help="the example's validations (besides the one at the end; 0: only that one)")
    parser.add_argument("--eval-every", type=int, default=250, help="our validations, in our batches")
    parser.add_argument("--max-epochs", type=int, default=3, help="our budget")
    parser.add_argument("--target-ppl", type=float, default=None,
                        help="default: the example's validation perplexity at the end of its budget")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=None, help="default: the configs' seed")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    data_dir = Path(args.data_dir).expanduser().resolve()
    check_data(data_dir)

    from seqmodels.data.modules.language_modeling import LanguageModelData

    with tempfile.TemporaryDirectory() as scratch:  # the example's settings, as experiment=lm_wikitext2 has them
        example_cfg = compose_config(["experiment=lm_wikitext2", f"paths.data_dir={data_dir}"]
                                     + ([f"seed={args.seed}"] if args.seed is not None else []), Path(scratch))
    from omegaconf import OmegaConf
    differing = {key: (OmegaConf.select(example_cfg, key), value) for key, value in EXAMPLE_SETTINGS.items()
                 if OmegaConf.select(example_cfg, key) != value}
    if differing:
        raise SystemExit(f"error: experiment=lm_wikitext2 no longer has the example's settings (got, example): "
                         f"{differing}")
    datamodule = LanguageModelData(corpus="wikitext-2", data_dir=str(data_dir), level="word",
                                   bptt=example_cfg.data.bptt, batch_size=example_cfg.data.batch_size,
                                   eval_batch_size=example_cfg.data.eval_batch_size)
    datamodule.setup("fit")
    epoch = len(datamodule.train_dataloader())
    example_batches = args.example_batches or epoch
    if not 1 <= example_batches <= epoch:
        parser.error(f"--example-batches must be in [1, {epoch}] (one epoch of the example)")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32 on CPU; WikiText-2 from {data_dir}: "
          f"{epoch} example batches an epoch, valid split {len(datamodule.stream('valid')):,} tokens")
    print(f"the example: {example_batches} batches, validated every {args.example_eval_every or example_batches} "
          f"and at the end; ours: experiment={args.experiment}, validated every {args.eval_every} batches, "
          f"at most {args.max_epochs} epochs\n", flush=True)

    example = example_curve(example_cfg, datamodule, example_batches, args.example_eval_every)
    target = args.target_ppl if args.target_ppl is not None else example.points[-1][2]
    print(f"  target: validation perplexity {target:.1f}\n", flush=True)
    ours = our_curve(args.experiment, data_dir, target, args.eval_every, args.max_epochs, args.seed)

    example_s, our_s = report(example, target), report(ours, target)
    print(f"\ntarget validation perplexity {target:.1f}: the example "
          + (f"{example_s:.1f} s" if example_s is not None else "did not reach it")
          + ", ours " + (f"{our_s:.1f} s" if our_s is not None else "did not reach it")
          + " (training wall time, validations left out)")
    if example_s is None or our_s is None:
        print("speedup over the PyTorch example at equal validation perplexity: not measured (target not reached)")
    else:
        print(f"speedup over the PyTorch example at equal validation perplexity: {example_s / our_s:.2f}x")


if __name__ == "__main__":
    main()
