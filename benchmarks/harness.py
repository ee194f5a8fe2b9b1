"""What the training benchmarks share: composing configs/ as train.py would, a time budget for
Lightning's ``max_time``, and a callback that times the training steps."""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Tuple

import pytorch_lightning as pl
from omegaconf import DictConfig, open_dict

ROOT = Path(__file__).resolve().parents[1]
# where the real corpora are: SEQMODELS_DATA_DIR, else ../shared/data beside the checkout
DEFAULT_DATA_DIR = os.environ.get("SEQMODELS_DATA_DIR") or str(ROOT.parent / "shared" / "data")


def compose_config(overrides: Sequence[str], output_dir: Path) -> DictConfig:
    """configs/train.yaml with ``overrides``, its run folder ``output_dir`` (as a train.py job sees it)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    from seqmodels.resolvers import register_resolvers

    register_resolvers()  # as train.py does before Hydra composes: ${metric_mode:...}, ${run_folder:...}
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(output_dir)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


Snapshot = Tuple[float, float, float]  # (wall s, busy CPU s of the whole machine, CPU s of this process)


def cpu_snapshot() -> Snapshot:
    """Now: wall time, the busy CPU seconds of the whole machine, and this process's CPU seconds."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:9]]
        busy = (sum(ticks[:3]) + sum(ticks[5:8])) / os.sysconf("SC_CLK_TCK")  # user nice system irq softirq steal
    except (OSError, ValueError):
        busy = math.nan
    own = os.times()
    return time.perf_counter(), busy, own.user + own.system


def others_cores(start: Snapshot, end: Snapshot) -> float:
    """Cores that other processes kept busy on average between two snapshots."""
    wall = end[0] - start[0]
    if wall <= 0:
        return math.nan
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / wall)


def max_time(minutes: float) -> str:
    """Lightning's ``max_time`` string (DD:HH:MM:SS) for a budget in minutes."""
    seconds = int(minutes * 60)
    return f"00:{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def budget_overrides(minutes: Optional[float]) -> List[str]:
    """A time budget: as many epochs as ``minutes`` of wall clock allow (``trainer.max_time``); None: the
    recipe's own ``trainer.max_epochs`` (its learning-rate schedule may count on them), timed as it runs."""
    if minutes is None:
        return []
    return ["trainer.max_epochs=1000", f"+trainer.max_time={max_time(minutes)}"]


def add_budget_arguments(parser: argparse.ArgumentParser, experiments: Sequence[str], minutes: float) -> None:
    """``--experiment`` (the recipe, the first of ``experiments`` by default), ``--minutes`` (the budget, default
    ``minutes``) and ``--recipe-epochs`` (train the recipe's own epochs instead of a budget)."""
    parser.add_argument("--experiment", choices=list(experiments), default=experiments[0], help="the recipe")
    parser.add_argument("--minutes", type=float, default=minutes, help="the training budget (wall clock)")
    parser.add_argument("--recipe-epochs", action="store_true",
                        help="train the recipe's own trainer.max_epochs, not a time budget (its comment's setting)")


def budget_of(args: argparse.Namespace) -> Optional[float]:
    """The minutes of :func:`budget_overrides` that the :func:`add_budget_arguments` options ask for."""
    return None if args.recipe_epochs else args.minutes


def describe_budget(minutes: Optional[float]) -> str:
    return "the recipe's own epochs" if minutes is None else f"{minutes:g} min of training"


class TrainingSpeed(pl.Callback):
    """Units (``count(batch)``: tokens, sentences) and wall time of the training steps (forward, backward,
    update), the epochs started, and at the end of each epoch (epoch, minutes since the fit started, the task's main
    validation metric) in ``history``. The instances Hydra builds are kept in ``instances``."""

    instances: List["TrainingSpeed"] = []

    def __init__(self, count: Callable[[Any], int]) -> None:
        self.count, self.units, self.seconds, self.epochs, self._start = count, 0, 0.0, 0, 0.0
        self.history: List[Tuple[int, float, float]] = []
        self._fit_start = math.nan
        TrainingSpeed.instances.append(self)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._fit_start = time.perf_counter()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # the epoch's validation has run (and the task logged its metric) before this hook, which a callback's
        # on_validation_epoch_end, called before the task's, could not see
        metric = trainer.callback_metrics.get(pl_module.main_metric)
        if metric is not None:
            minutes = (time.perf_counter() - self._fit_start) / 60
            self.history.append((trainer.current_epoch + 1, minutes, float(metric)))

    def print_history(self, scale: float = 1.0) -> None:
        """One line per validation: epoch, minutes since the fit started, the main metric (times ``scale``)."""
        print("epoch  minutes  dev")
        for epoch, minutes, value in self.history:
            print(f"{epoch:>5} {minutes:>8.1f} {scale * value:>6.2f}")

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.epochs += 1

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        self._start = time.perf_counter()

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.seconds += time.perf_counter() - self._start
        self.units += self.count(batch)


class FitClock(pl.Callback):
    """The wall time from the start of ``Trainer.fit`` to the end of its last training epoch (validation included;
    what ``on_train_end`` callbacks do afterwards, such as writing vectors.txt, is not training)."""

    latest: "FitClock"

    def __init__(self) -> None:
        self.start = self.end = math.nan
        FitClock.latest = self

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.end = time.perf_counter()


def real_tokens(batch: Any) -> int:
    return int(batch.lengths.sum())


def texts(batch: Any) -> int:
    return int(batch.lengths.numel())


def target_tokens(batch: Any) -> int:
    """The tokens a seq2seq batch predicts (y<1..Ty> and <eos>)."""
    return int(batch.target_lengths.sum())


def speed_callback(count: str) -> str:
    """The Hydra override that adds a TrainingSpeed counting with ``benchmarks.harness.<count>``."""
    return ("+callbacks.training_speed={_target_: benchmarks.harness.TrainingSpeed, "
            f"count: {{_target_: hydra.utils.get_method, path: benchmarks.harness.{count}}}}}")


class ThroughputLog(pl.Callback):
    """Writes this process's training units, step seconds and threads to ``<folder>/rank<r>.json`` at the end of
    training (a DDP run has one file per process); ``count`` is the name of a counter in this module."""

    def __init__(self, folder: str, count: str) -> None:
        self.folder, self.speed = Path(folder), TrainingSpeed(globals()[count])

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                             batch_idx: int) -> None:
        self.speed.on_train_batch_start(trainer, pl_module, batch, batch_idx)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.speed.on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        import json

        import torch

        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"units": self.speed.units, "seconds": self.speed.seconds, "threads": torch.get_num_threads(),
                  "steps": trainer.global_step, "world_size": trainer.world_size}
        (self.folder / f"rank{trainer.global_rank}.json").write_text(json.dumps(record))


def lm_targets(batch: Any) -> int:
    """The target tokens of a language-model batch (inputs, targets, lengths)."""
    _, targets, lengths = batch
    return int(targets.numel() if lengths is None else lengths.sum())
