"""GloVe's co-occurrence counts against a hand count (1/d weights, symmetry, lines, specials), chunked counting
against one-chunk counting, and the batches of entries the data module makes."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqmodels.data.batching.cooccurrence import CooccurrenceBatch, Cooccurrences, cooccurrences
from seqmodels.data.modules.glove import GloVeData
from seqmodels.errors import ConfigError, DataError

# ids 0..3 are the specials (<pad>, <unk>, <bos>, <eos>), 4..8 words: V = 9
SENTENCES = [[4, 5, 6, 4], [7, 1, 5], [8], [6, 0, 6]]
# by hand, window 2: line 1: 4-5, 5-6, 6-4 at d = 1 and 4-6, 5-4 at d = 2; line 2 is 7 5 once <unk> is left out;
# line 3 has one word; line 4 is 6 6 once <pad> is left out (both directions: 2 to X_66). Nothing across lines
# (4 at the end of line 1 and 7 at the start of line 2 are no pair).
EXPECTED_WINDOW_2 = {
    (4, 5): 1 + 1 / 2, (5, 4): 1 + 1 / 2,   # 4 5 (d = 1), 5 _ 4 (d = 2)
    (4, 6): 1 + 1 / 2, (6, 4): 1 + 1 / 2,   # 6 4 (d = 1), 4 _ 6 (d = 2)
    (5, 6): 1.0, (6, 5): 1.0,
    (5, 7): 1.0, (7, 5): 1.0,
    (6, 6): 2.0,
}


def as_dict(rows: torch.Tensor, cols: torch.Tensor, values: torch.Tensor) -> Dict[Tuple[int, int], float]:
    return {(i, j): x for i, j, x in zip(rows.tolist(), cols.tolist(), values.tolist())}


def test_the_counts_are_the_hand_count() -> None:
    counts = as_dict(*cooccurrences(SENTENCES, 9, window=2))
    assert counts.keys() == EXPECTED_WINDOW_2.keys()
    assert counts == pytest.approx(EXPECTED_WINDOW_2)


def test_a_wider_window_adds_the_farther_pairs_at_1_over_d() -> None:
    counts = as_dict(*cooccurrences(SENTENCES, 9, window=3))
    added = {key: value - EXPECTED_WINDOW_2.get(key, 0.0) for key, value in counts.items()}
    assert {key: value for key, value in added.items() if value} == pytest.approx({(4, 4): 2 / 3})  # 4 _ _ 4


def test_the_entries_are_sorted_unique_and_symmetric() -> None:
    rows, cols, values = cooccurrences(SENTENCES * 3, 9, window=2)
    keys = rows * 9 + cols
    assert torch.equal(keys, torch.unique(keys)) and values.dtype == torch.float64
    assert as_dict(rows, cols, values) == as_dict(cols, rows, values)
    assert as_dict(rows, cols, values) == pytest.approx({key: 3 * x for key, x in EXPECTED_WINDOW_2.items()})


def test_the_specials_are_left_out_whatever_their_place() -> None:
    assert cooccurrences([[0, 1, 2, 3], [3, 3]], 4, window=5)[0].numel() == 0
    assert as_dict(*cooccurrences([[2, 4, 3, 3, 5, 0]], 6, window=1)) == {(4, 5): 1.0, (5, 4): 1.0}


sentences = st.lists(st.lists(st.integers(0, 7), max_size=9), max_size=8)


@settings(max_examples=60, deadline=None)
@given(sentences, st.integers(1, 4), st.integers(1, 7))
def test_chunked_counting_equals_one_chunk(lines: List[List[int]], window: int, chunk_tokens: int) -> None:
    whole = cooccurrences(lines, 8, window, chunk_tokens=10_000)
    chunked = cooccurrences(lines, 8, window, chunk_tokens=chunk_tokens)
    assert torch.equal(whole[0], chunked[0]) and torch.equal(whole[1], chunked[1])
    torch.testing.assert_close(whole[2], chunked[2], rtol=1e-12, atol=0)


@settings(max_examples=30, deadline=None)
@given(sentences, st.integers(1, 4))
def test_the_counts_are_the_sum_over_every_pair(lines: List[List[int]], window: int) -> None:
    """The definition, pair by pair in Python, against the tensor counting."""
    expected: Dict[Tuple[int, int], float] = {}
    for line in lines:
        words = [w for w in line if w >= 4]
        for p in range(len(words)):
            for d in range(1, window + 1):
                if p + d < len(words):
                    for i, j in ((words[p], words[p + d]), (words[p + d], words[p])):
                        expected[(i, j)] = expected.get((i, j), 0.0) + 1 / d
    assert as_dict(*cooccurrences(lines, 8, window, chunk_tokens=3)) == pytest.approx(expected)


def test_ids_outside_the_vocabulary_and_bad_sizes_are_errors() -> None:
    with pytest.raises(ValueError, match="ids must be < vocab_size = 6, got 6"):
        cooccurrences([[4, 6]], 6)
    with pytest.raises(ValueError, match="window=0: must be an integer >= 1"):
        cooccurrences([[4, 5]], 6, window=0)


def test_a_batch_is_built_by_indexing() -> None:
    entries = Cooccurrences(*cooccurrences(SENTENCES, 9, window=2))
    batch = entries.__getitems__([1, 0])  # sorted by (i, j): (4, 5), (4, 6), (5, 4) ...
    assert isinstance(batch, CooccurrenceBatch) and batch.counts.dtype == torch.float32
    assert batch.rows.tolist() == [4, 4] and batch.cols.tolist() == [6, 5] and batch.counts.tolist() == [1.5, 1.5]


def test_every_training_entry_comes_once_an_epoch_in_a_new_order() -> None:
    data = GloVeData(window=3, batch_size=500, eval_batch_size=1000)
    data.setup()
    entries = data.entries["train"]
    loader = data.train_dataloader()

    def epoch(number: int) -> List[Tuple[int, int]]:
        loader.batch_sampler.set_epoch(number)
        batches = list(loader)
        assert all(isinstance(batch, CooccurrenceBatch) and len(batch.rows) <= 500 for batch in batches)
        return [(i, j) for batch in batches for i, j in zip(batch.rows.tolist(), batch.cols.tolist())]

    first, again, second = epoch(0), epoch(0), epoch(1)
    assert sorted(first) == sorted(zip(entries.rows.tolist(), entries.cols.tolist())) and len(set(first)) == len(first)
    assert first == again and first != second and sorted(first) == sorted(second)
    valid = [batch.counts for batch in data.val_dataloader()]
    assert torch.equal(torch.cat(valid), data.entries["valid"].counts)  # in order, all of them


@pytest.mark.parametrize("option, message", [({"window": 0}, "data.window=0: must be an integer >= 1"),
                                             ({"chunk_tokens": -1}, "data.chunk_tokens=-1: must be an integer >= 1")])
def test_bad_options_are_config_errors_naming_them(option: Dict[str, int], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GloVeData(**option)


def test_a_corpus_where_nothing_co_occurs_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("words\nwords\nalone\nalone\n", encoding="utf-8")
    (tmp_path / "valid.txt").write_text("words\nalone words\n", encoding="utf-8")
    data = GloVeData(corpus="files", files={"train": str(tmp_path / "train.txt"),
                                            "valid": str(tmp_path / "valid.txt")}, min_freq=1)
    with pytest.raises(DataError, match=r"train.txt: no two words of the vocabulary within data.window=10"):
        data.setup()
