"""A PackedSequence goes in and comes back packed the same way, as with torch.nn's modules."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from seqmodels.nn import Recurrent
from tests.helpers import RAGGED, as_tuple, config_backend_pairs, lengths_tensor, make_recurrent, random_input

PAIRS = config_backend_pairs()


@pytest.mark.parametrize("enforce_sorted", [False, True], ids=["unsorted", "sorted"])
@pytest.mark.parametrize("config, backend", PAIRS, ids=[f"{c}-{b}" for c, b in PAIRS])
def test_packed_in_packed_out(config, backend, enforce_sorted):
    model = make_recurrent(config, num_layers=2, bidirectional=True, backend=backend)
    lengths = torch.tensor(sorted(RAGGED, reverse=True)) if enforce_sorted else lengths_tensor()
    x = random_input()
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    out_packed, final_packed = model(packed)
    out_padded, final_padded = model(x, lengths=lengths)
    assert isinstance(out_packed, PackedSequence)
    assert torch.equal(out_packed.batch_sizes, packed.batch_sizes)
    unpacked, unpacked_lengths = pad_packed_sequence(out_packed, batch_first=True, total_length=x.size(1))
    assert torch.equal(unpacked_lengths, lengths)
    torch.testing.assert_close(unpacked, out_padded, atol=1e-12, rtol=0)
    for a, b in zip(as_tuple(final_packed), as_tuple(final_padded)):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


def test_packed_matches_torch_nn_lstm_packed():
    torch.manual_seed(0)
    torch_lstm = torch.nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True).double()
    ours = Recurrent.from_torch(torch_lstm, backend="scripted")
    packed = pack_padded_sequence(random_input(), lengths_tensor(), batch_first=True, enforce_sorted=False)
    (expected, (h, c)), (actual, (h2, c2)) = torch_lstm(packed), ours(packed)
    torch.testing.assert_close(actual.data, expected.data, atol=1e-12, rtol=0)
    torch.testing.assert_close(h2, h, atol=1e-12, rtol=0)
    torch.testing.assert_close(c2, c, atol=1e-12, rtol=0)


def test_packed_with_lengths_is_an_error():
    model = make_recurrent("gru_full")
    packed = pack_padded_sequence(random_input(), lengths_tensor(), batch_first=True, enforce_sorted=False)
    with pytest.raises(ValueError, match="PackedSequence carries its own lengths"):
        model(packed, lengths=lengths_tensor())
