"""The metric-against-option table and plot of a sweep, from job folders as Hydra and train.py write them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqmodels.sweeps.plots import main, write


def make_job(sweep: Path, num: int, cell: str, distance: int, accuracy: float) -> None:
    folder = sweep / f"{num}_data.distance={distance},model={cell}"
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(f"- model={cell}\n- data.distance={distance}\n")
    (folder / ".hydra" / "config.yaml").write_text("optimized_metric: val/accuracy\n")
    (folder / "metrics.json").write_text(json.dumps({"val/accuracy": accuracy, "train/loss": 0.1}))


def test_a_table_row_per_cell_a_column_per_distance_and_a_plot(tmp_path: Path) -> None:
    results = {("rnn", 2): 1.0, ("rnn", 16): 0.55, ("lstm", 2): 1.0, ("lstm", 16): 0.98}
    for num, ((cell, distance), accuracy) in enumerate(results.items()):
        make_job(tmp_path, num, cell, distance, accuracy)
    (tmp_path / "9_broken" / ".hydra").mkdir(parents=True)                    # a failed job: no metrics.json
    (tmp_path / "9_broken" / ".hydra" / "overrides.yaml").write_text("- model=gru\n- data.distance=2\n")
    text = write(tmp_path, "data.distance", "model", "val/accuracy", "accuracy_vs_distance")
    lines = text.splitlines()
    assert lines[2] == "| model \\ data.distance | 2 | 16 |"
    assert lines[4:] == ["| lstm | 1 | 0.98 |", "| rnn | 1 | 0.55 |"]
    assert (tmp_path / "accuracy_vs_distance.png").stat().st_size > 1000
    assert (tmp_path / "accuracy_vs_distance.csv").read_text().splitlines()[1] == "lstm,1,0.98"
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_the_command_reads_the_metric_from_the_jobs(tmp_path: Path, capsys) -> None:
    make_job(tmp_path, 0, "gru", 8, 0.75)
    main([str(tmp_path), "--x", "data.distance", "--series", "model"])
    assert "| gru | 0.75 |" in capsys.readouterr().out


def test_the_command_on_a_folder_without_jobs_says_so(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no job folder"):
        main([str(tmp_path), "--x", "data.distance", "--series", "model"])
