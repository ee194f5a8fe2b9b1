"""The classifier: the averaged-embedding encoder ignores word order, the RNN does not; poolings."""

from __future__ import annotations

import pytest
import torch

from seqmodels.models.classifier import Classifier
from seqmodels.nn import RecurrentOptions


def test_the_average_is_order_invariant_and_the_rnn_is_not() -> None:
    torch.manual_seed(0)
    words = torch.tensor([[5, 6, 7, 8, 9]])
    swapped = torch.tensor([[9, 8, 7, 6, 5]])
    lengths = torch.tensor([5])
    average = Classifier(20, 2, encoder="mean", recurrent=RecurrentOptions(), embedding_size=6).eval()
    torch.testing.assert_close(average(words, lengths), average(swapped, lengths))
    rnn = Classifier(20, 2, encoder="rnn", recurrent=RecurrentOptions(hidden_size=5), embedding_size=6).eval()
    assert not torch.allclose(rnn(words, lengths), rnn(swapped, lengths))


def test_the_average_ignores_padding() -> None:
    torch.manual_seed(0)
    model = Classifier(20, 3, encoder="mean", recurrent=RecurrentOptions(), embedding_size=4).eval()
    alone = model.encode(torch.tensor([[3, 4]]), torch.tensor([2]))
    padded = model.encode(torch.tensor([[3, 4, 0, 0]]), torch.tensor([2]))
    torch.testing.assert_close(alone, padded)
    torch.testing.assert_close(alone, model.embedding.weight[[3, 4]].mean(dim=0, keepdim=True))


@pytest.mark.parametrize("pooling", ["last", "max", "mean", "max_mean"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_poolings_read_only_the_real_tokens(pooling: str, bidirectional: bool) -> None:
    torch.manual_seed(0)
    recurrent = RecurrentOptions(hidden_size=3, bidirectional=bidirectional, num_layers=2)
    model = Classifier(20, 2, pooling=pooling, recurrent=recurrent, embedding_size=4).eval()
    alone = model.encode(torch.tensor([[3, 4, 5]]), torch.tensor([3]))
    padded = model.encode(torch.tensor([[3, 4, 5, 0, 0]]), torch.tensor([3]))
    assert alone.shape == (1, 3 * (2 if bidirectional else 1) * (2 if pooling == "max_mean" else 1))
    torch.testing.assert_close(alone, padded)


def test_last_pooling_is_the_forward_end_and_the_backward_start() -> None:
    torch.manual_seed(0)
    model = Classifier(20, 2, pooling="last", recurrent=RecurrentOptions(hidden_size=3, bidirectional=True),
                       embedding_size=4).eval()
    words, lengths = torch.tensor([[3, 4, 5, 0]]), torch.tensor([3])
    outputs, _ = model.recurrent(model.embedding(words[:, :3]))
    torch.testing.assert_close(model.encode(words, lengths)[0], torch.cat([outputs[0, 2, :3], outputs[0, 0, 3:]]))


def test_max_mean_pooling_is_the_max_and_the_mean_side_by_side() -> None:
    torch.manual_seed(0)
    recurrent = RecurrentOptions(hidden_size=3, bidirectional=True)
    model = Classifier(20, 2, pooling="max_mean", recurrent=recurrent, embedding_size=4).eval()
    words, lengths = torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0]]), torch.tensor([3, 2])
    pooled = model.encode(words, lengths)
    for row, length in enumerate(lengths.tolist()):
        outputs, _ = model.recurrent(model.embedding(words[row:row + 1, :length]))
        torch.testing.assert_close(pooled[row], torch.cat([outputs[0].amax(dim=0), outputs[0].mean(dim=0)]))
    assert model(words, lengths).shape == (2, 2)


@pytest.mark.parametrize("option, value", [("encoder", "bag"), ("pooling", "first")])
def test_unknown_encoder_or_pooling_is_a_clear_error(option: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{option}='{value}'"):
        Classifier(10, 2, **{option: value})
