"""A sweep's metric against one swept option, one line per value of another: e.g. validation accuracy against
the agreement distance k for each cell (``experiment=vanishing_gradients``).

``MetricVsOption`` is a Hydra callback: after a multirun it reads every job's ``.hydra/overrides.yaml`` and
``metrics.json`` (see :mod:`seqmodels.sweeps.summary`), and writes into the sweep folder

- ``<name>.md`` and ``<name>.csv``: a table, one row per series value (e.g. rnn, gru, lstm), one column per
  x value (e.g. k = 2, 8, 16, 32, 64);
- ``<name>.png``: the metric against x, one line per series (matplotlib);
- the same figure and table in TensorBoard, under ``<sweep folder>/tensorboard``.

``python -m seqmodels.sweeps.plots <sweep folder> --x data.distance --series model`` builds them again.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hydra.experimental.callback import Callback
from matplotlib.figure import Figure
from omegaconf import DictConfig, OmegaConf

from seqmodels.sweeps.summary import JobResult, markdown, read_jobs

Grid = Dict[str, Dict[str, float]]  # series value -> x value -> metric


def override_value(job: JobResult, key: str) -> Optional[str]:
    """The value a job's overrides give ``key`` (``model=gru`` -> "gru"), or None."""
    for item in job.overrides:
        name, _, value = item.partition("=")
        if name.lstrip("+~") == key:
            return value
    return None


def grid(jobs: Sequence[JobResult], x: str, series: str, metric: str) -> Grid:
    """The metric of every finished job, by its series and x values (jobs lacking either are left out)."""
    values: Grid = {}
    for job in jobs:
        x_value, series_value = override_value(job, x), override_value(job, series)
        if job.metrics is None or x_value is None or series_value is None:
            continue
        values.setdefault(series_value, {})[x_value] = job.metrics.get(metric, math.nan)
    return values


def _sorted_x(values: Grid) -> List[str]:
    xs = {x for row in values.values() for x in row}

    def key(x: str) -> Tuple[int, float, str]:
        try:
            return (0, float(x), x)
        except ValueError:
            return (1, 0.0, x)

    return sorted(xs, key=key)


def rows(values: Grid, x: str, series: str, metric: str) -> List[List[str]]:
    xs = _sorted_x(values)
    header = [f"{series} \\ {x}", *xs]
    body = [[name, *(f"{row[value]:.4g}" if value in row else "" for value in xs)]
            for name, row in sorted(values.items())]
    return [header, *body]


def figure(values: Grid, x: str, series: str, metric: str) -> Figure:
    """The metric against x, one line per series value."""
    plot = Figure(figsize=(6, 4))
    axes = plot.subplots()
    xs = _sorted_x(values)
    numeric = all(_is_number(value) for value in xs)
    for name, row in sorted(values.items()):
        points = [value for value in xs if value in row]
        axes.plot([float(p) if numeric else p for p in points], [row[p] for p in points], marker="o", label=name)
    if numeric and len(xs) > 1 and min(float(v) for v in xs) > 0:
        axes.set_xscale("log", base=2)
    axes.set_xlabel(x)
    axes.set_ylabel(metric)
    axes.set_title(f"{metric} against {x}")
    axes.grid(True, alpha=0.3)
    axes.legend(title=series)
    plot.tight_layout()
    return plot


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def write(sweep_dir: Path, x: str, series: str, metric: str, name: str) -> str:
    """Table (Markdown, CSV), PNG and TensorBoard entries in ``sweep_dir``; returns the Markdown table."""
    values = grid(read_jobs(sweep_dir), x, series, metric)
    table = rows(values, x, series, metric)
    with open(sweep_dir / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    text = f"{metric}\n\n" + markdown(table)
    (sweep_dir / f"{name}.md").write_text(text, encoding="utf-8")
    if values:
        plot = figure(values, x, series, metric)
        plot.savefig(sweep_dir / f"{name}.png", dpi=100)
        from torch.utils.tensorboard import SummaryWriter

        with SummaryWriter(str(sweep_dir / "tensorboard")) as writer:
            writer.add_figure(name, plot)
            writer.add_text(name, text)
    return text


class MetricVsOption(Callback):
    """Hydra callback: after a multirun, ``metric`` (default: the config's ``optimized_metric``) against the
    override ``x``, one line per value of the override ``series``, written as ``<name>.{md,csv,png}``."""

    def __init__(self, x: str, series: str, metric: Optional[str] = None, name: str = "metric_vs_option") -> None:
        self.x, self.series, self.metric, self.name = x, series, metric, name

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        metric = self.metric or config.optimized_metric
        text = write(sweep_dir, self.x, self.series, metric, self.name)
        print(f"\n{metric} against {self.x} by {self.series}: {sweep_dir / (self.name + '.png')}\n{text}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seqmodels.sweeps.plots",
                                     description="A sweep's metric against a swept option (table and plot).")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--x", required=True, help="the swept option on the x axis, e.g. data.distance")
    parser.add_argument("--series", required=True, help="the swept option giving one line each, e.g. model")
    parser.add_argument("--metric", help="default: the jobs' optimized_metric")
    parser.add_argument("--name", default="metric_vs_option")
    args = parser.parse_args(argv)
    configs = sorted(args.sweep_dir.rglob(".hydra/config.yaml"))
    if not configs:
        raise SystemExit(f"error: {args.sweep_dir}: no job folder (.hydra/config.yaml) in it; is it a sweep folder?")
    metric = args.metric or OmegaConf.load(configs[0]).optimized_metric
    print(write(args.sweep_dir, args.x, args.series, metric, args.name), end="")


if __name__ == "__main__":
    main()
