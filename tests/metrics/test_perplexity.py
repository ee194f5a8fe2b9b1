import math

import pytest
import torch

from seqmodels.metrics import Perplexity


def test_perplexity_is_exp_of_mean_token_nll_by_hand() -> None:
    # two batches: P(correct) = 1/2, 1/4 then 1/8 -> PPL = (1/2 * 1/4 * 1/8)^(-1/3) = 64^(1/3) = 4
    metric = Perplexity()
    metric.update(torch.tensor(math.log(2) + math.log(4)), 2)
    metric.update(torch.tensor(math.log(8)), 1)
    assert float(metric.compute()) == pytest.approx(4.0, rel=1e-6)


def test_matches_cross_entropy_of_logits_over_batches() -> None:
    logits, targets = torch.randn(5, 7, 11), torch.randint(0, 11, (5, 7))
    metric = Perplexity()
    for rows in (slice(0, 2), slice(2, 5)):
        nll = torch.nn.functional.cross_entropy(logits[rows].reshape(-1, 11), targets[rows].reshape(-1),
                                                reduction="sum")
        metric.update(nll, targets[rows].numel())
    mean_nll = torch.nn.functional.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1))
    assert float(metric.compute()) == pytest.approx(float(mean_nll.exp()), rel=1e-5)


@pytest.mark.filterwarnings("ignore:The ``compute`` method of metric Perplexity was called before")
def test_no_token_is_an_error() -> None:
    with pytest.raises(ValueError, match="no token"):
        Perplexity().compute()
