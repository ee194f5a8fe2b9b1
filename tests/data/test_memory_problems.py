"""The adding problem and copy memory generators, and their DataModule."""

from __future__ import annotations

import pytest
import torch

from seqmodels.data.corpora import memory_problems
from seqmodels.data.modules.memory_problem import MemoryBatch, MemoryProblemData
from seqmodels.errors import ConfigError


@pytest.mark.parametrize("length", [2, 3, 10, 101])
def test_adding_has_two_markers_one_per_half_and_the_target_is_their_sum(length: int) -> None:
    inputs, targets = memory_problems.adding(length, 500, seed=4)
    assert inputs.shape == (500, length, 2) and targets.shape == (500,) and inputs.dtype == torch.float32
    values, markers = inputs[..., 0], inputs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(markers.unique().tolist()) <= {0.0, 1.0} and (markers.sum(dim=1) == 2).all()
    half = length // 2
    assert (markers[:, :half].sum(dim=1) == 1).all() and (markers[:, half:].sum(dim=1) == 1).all()
    assert torch.allclose(targets, (values * markers).sum(dim=1))


def test_adding_is_seeded_and_spreads_the_markers() -> None:
    a, b = memory_problems.adding(20, 300, seed=1), memory_problems.adding(20, 300, seed=1)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], memory_problems.adding(20, 300, seed=2)[0])
    positions = a[0][..., 1].nonzero()[:, 1]
    assert set(positions.tolist()) == set(range(20))  # every step gets marked somewhere


def test_predicting_one_scores_the_baseline_mse() -> None:
    _, targets = memory_problems.adding(10, 20000, seed=0)
    mse = float(((targets - 1) ** 2).mean())
    assert abs(mse - memory_problems.ADDING_BASELINE_MSE) < 0.006 and abs(mse - 0.167) < 0.007


def test_adding_needs_two_steps() -> None:
    with pytest.raises(ConfigError, match=r"data\.length=1: the adding problem needs T >= 2 \(two marked numbers\)"):
        memory_problems.adding(1, 10, seed=0)


@pytest.mark.parametrize("length, symbols, n_copy", [(1, 8, 10), (5, 8, 10), (30, 3, 4)])
def test_copy_layout(length: int, symbols: int, n_copy: int) -> None:
    inputs, targets = memory_problems.copy(length, 200, seed=2, symbols=symbols, n_copy=n_copy)
    total = length + 2 * n_copy
    assert inputs.shape == targets.shape == (200, total) and inputs.dtype == targets.dtype == torch.long
    copied = inputs[:, :n_copy]
    assert ((copied >= 1) & (copied <= symbols)).all()
    assert (inputs[:, n_copy:n_copy + length - 1] == 0).all()                  # T - 1 blanks
    assert (inputs[:, n_copy + length - 1] == symbols + 1).all()               # the delimiter
    assert (inputs[:, n_copy + length:] == 0).all()                            # blanks while recalling
    assert (targets[:, :total - n_copy] == 0).all() and torch.equal(targets[:, total - n_copy:], copied)
    assert set(copied.unique().tolist()) == set(range(1, symbols + 1))


def test_copy_bad_options_name_them() -> None:
    with pytest.raises(ConfigError, match=r"data\.length=0"):
        memory_problems.copy(0, 10, seed=0)
    with pytest.raises(ConfigError, match=r"data\.copy_symbols=0"):
        memory_problems.copy(5, 10, seed=0, symbols=0)


def test_the_copy_baseline_cross_entropy() -> None:
    assert memory_problems.copy_baseline_cross_entropy(100, 8, 10) == pytest.approx(10 * 2.0794415 / 120)


@pytest.mark.parametrize("problem", ["adding", "copy"])
def test_the_datamodule_batches_every_example_once(problem: str) -> None:
    data = MemoryProblemData(problem, length=6, num_examples={"train": 23, "valid": 10, "test": 7}, batch_size=4,
                             eval_batch_size=3, copy_symbols=5, copy_length=2)
    data.setup()
    assert data.encoding_files() == {} and data.has_test
    arguments = data.task_arguments()
    assert arguments == ({"problem": "adding", "input_size": 2, "num_outputs": 1} if problem == "adding"
                         else {"problem": "copy", "input_size": 7, "num_outputs": 7})
    batches = list(data.train_dataloader())
    assert all(isinstance(b, MemoryBatch) for b in batches) and len(batches) == 6
    rows = torch.cat([b.inputs.flatten(1) for b in batches])
    assert rows.shape[0] == 23 and torch.equal(rows.sort(dim=0).values, data.data["train"].inputs.flatten(1)
                                               .sort(dim=0).values)
    assert sum(len(b.targets) for b in data.test_dataloader()) == 7


def test_shards_give_every_rank_as_many_training_batches() -> None:
    """DDP: LengthBuckets via TaskData.buckets; each rank its own batches, the same number of them."""

    class Trainer:
        def __init__(self, rank: int) -> None:
            self.global_rank, self.world_size, self.accelerator, self.overfit_batches = rank, 2, None, 0

    seen = []
    for rank in (0, 1):
        data = MemoryProblemData("adding", length=4, num_examples={"train": 21, "valid": 5}, batch_size=4)
        data.trainer = Trainer(rank)  # type: ignore[assignment]
        data.setup()
        batches = list(data.train_dataloader())
        assert len(batches) == 3
        seen.append(torch.cat([b.targets for b in batches]))
    assert len(torch.cat(seen).unique()) == 21


def test_bad_lengths_name_the_option() -> None:
    with pytest.raises(ConfigError, match=r"data\.length=1: the adding problem needs T >= 2"):
        MemoryProblemData("adding", length=1)
    with pytest.raises(ConfigError, match=r"data\.length=20001 is above data\.max_length=10000"):
        MemoryProblemData("copy", length=20001)
    with pytest.raises(ConfigError, match=r"data\.problem='add'"):
        MemoryProblemData("add", length=10)


def test_restore_encoding_only_checks_the_problem() -> None:
    data = MemoryProblemData("copy", length=5)
    data.restore_encoding("copy")
    with pytest.raises(ConfigError, match="trained on the 'adding' problem"):
        data.restore_encoding("adding")
