"""Sweep folders a user can find a job in, and one table of every job's results.

- ``job_dirname``: the ``${job_dirname:...}`` resolver configs/hydra/default.yaml names each job's folder with
  (``3_model=gru,model.num_layers=2``).
- ``SweepSummary``: a Hydra callback; after a multirun it reads each job's ``metrics.json`` and
  ``.hydra/overrides.yaml`` (files, so it works for every launcher), prints a table best first by
  ``optimized_metric`` / ``optimized_mode``, and writes ``summary.csv`` and ``summary.md`` into the sweep folder.
  ``python -m seqmodels.sweeps.summary <sweep folder>`` builds it again (e.g. after a sweep that stopped early).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from seqmodels.errors import ConfigError

MAX_DIRNAME_BYTES = 200  # file systems allow 255 bytes per name


def job_dirname(num: Any, override_dirname: Optional[str]) -> str:
    """``<num>_<overrides>`` as one valid folder name: "/" becomes "_", cut to 200 bytes; ``<num>`` alone
    when the job has no overrides left."""
    name = f"{num}_{override_dirname}" if override_dirname else str(num)
    name = name.replace("/", "_").replace("\0", "")
    return name.encode("utf-8")[:MAX_DIRNAME_BYTES].decode("utf-8", errors="ignore")


def register_resolver() -> None:
    """Makes ``${job_dirname:num,override_dirname}`` available to the configs (idempotent)."""
    if not OmegaConf.has_resolver("job_dirname"):
        OmegaConf.register_new_resolver("job_dirname", job_dirname)


@dataclass
class JobResult:
    """One sweep job: its folder, number, overrides and metrics (None: it failed or has not finished)."""

    folder: Path
    num: int
    overrides: List[str]
    metrics: Optional[Dict[str, float]] = None


def read_jobs(sweep_dir: Path, exclude_keys: Sequence[str] = ()) -> List[JobResult]:
    """Every job folder under ``sweep_dir`` (a folder with ``.hydra/overrides.yaml``), overrides of
    ``exclude_keys`` left out."""
    jobs = []
    for overrides_file in sorted(sweep_dir.rglob(".hydra/overrides.yaml")):
        folder = overrides_file.parent.parent
        overrides = [str(item) for item in yaml.safe_load(overrides_file.read_text(encoding="utf-8")) or []]
        overrides = [item for item in overrides if item.split("=")[0].lstrip("+~") not in exclude_keys]
        metrics_file = folder / "metrics.json"
        metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else None
        jobs.append(JobResult(folder, _job_num(folder), overrides, metrics))
    return jobs


def _job_num(folder: Path) -> int:
    hydra_yaml = folder / ".hydra" / "hydra.yaml"
    if hydra_yaml.is_file():
        num = (yaml.safe_load(hydra_yaml.read_text(encoding="utf-8")) or {}).get("hydra", {}).get("job", {}).get("num")
        if isinstance(num, int):
            return num
    prefix = folder.name.split("_")[0]
    return int(prefix) if prefix.isdigit() else -1


def rank(jobs: List[JobResult], metric: str, mode: str) -> List[JobResult]:
    """Best first by ``metric`` (``mode`` min or max); jobs without a value for it next, failed jobs last."""
    if mode not in ("min", "max"):
        raise ConfigError(f"optimized_mode={mode!r}: use min or max")

    def key(job: JobResult) -> tuple:
        if job.metrics is None:
            return (2, 0.0, job.num)
        value = job.metrics.get(metric)  # null in metrics.json: not finite
        if value is None or math.isnan(value):
            return (1, 0.0, job.num)
        return (0, value if mode == "min" else -value, job.num)

    return sorted(jobs, key=key)


def table(jobs: List[JobResult], metric: str) -> List[List[str]]:
    """Header and rows: job, status, overrides (those not shared by every job), ``metric``, then every other
    val/* and test/* metric."""
    shared = set.intersection(*(set(job.overrides) for job in jobs)) if len(jobs) > 1 else set()
    others = sorted({name for job in jobs for name in job.metrics or {}
                     if name.startswith(("val/", "test/")) and name != metric})
    rows = [["job", "status", "overrides", metric, *others]]
    for job in jobs:
        values = job.metrics or {}
        overrides = " ".join(item for item in job.overrides if item not in shared)
        rows.append([str(job.num), "ok" if job.metrics is not None else "failed", overrides,
                     *(_format(values.get(name)) for name in (metric, *others))])
    return rows


def _format(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.6g}"


def markdown(rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines) + "\n"


def summarize(sweep_dir: Path, metric: str, mode: str, exclude_keys: Sequence[str] = ()) -> str:
    """Writes ``summary.csv`` and ``summary.md`` into ``sweep_dir``; returns the Markdown table."""
    rows = table(rank(read_jobs(sweep_dir, exclude_keys), metric, mode), metric)
    with open(sweep_dir / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    text = markdown(rows)
    (sweep_dir / "summary.md").write_text(text, encoding="utf-8")
    return text


class SweepSummary(Callback):
    """Hydra callback (configs/hydra/default.yaml ``callbacks:``): the summary table after every multirun."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        metric, mode = config.optimized_metric, config.optimized_mode
        exclude_keys = list(config.hydra.job.config.override_dirname.exclude_keys)
        text = summarize(sweep_dir, metric, mode, exclude_keys)
        best = "lowest" if mode == "min" else "highest"
        print(f"\nSweep summary ({metric}, {best} first): {sweep_dir / 'summary.md'}\n{text}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """python -m seqmodels.sweeps.summary SWEEP_DIR: the summary again, the metric and mode read from a job's
    config.yaml and .hydra/ files (e.g. after a sweep that stopped at a failed job)."""
    parser = argparse.ArgumentParser(prog="python -m seqmodels.sweeps.summary", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    job_configs = sorted(args.sweep_dir.rglob(".hydra/config.yaml"))
    if not job_configs:
        raise SystemExit(f"error: {args.sweep_dir}: no job folder (.hydra/config.yaml) in it; is it a sweep folder?")
    # the metric and its direction as the jobs ran with them: a job's config.yaml, resolved by train.py
    # (.hydra/config.yaml holds optimized_mode unresolved: ${metric_mode:...} asks the task class)
    run_configs = [path.parent.parent / "config.yaml" for path in job_configs
                   if (path.parent.parent / "config.yaml").is_file()]
    if not run_configs:
        raise SystemExit(f"error: {args.sweep_dir}: no job wrote its config.yaml; did every job fail at the start?")
    config = OmegaConf.load(run_configs[0])
    hydra_config = OmegaConf.load(job_configs[0].with_name("hydra.yaml"))
    exclude_keys = OmegaConf.select(hydra_config, "hydra.job.config.override_dirname.exclude_keys", default=[])
    print(summarize(args.sweep_dir, config.optimized_metric, config.optimized_mode, list(exclude_keys)), end="")


if __name__ == "__main__":
    main()
