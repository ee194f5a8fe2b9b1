"""word2vec: the SGNS and softmax losses against hand computations, CBOW averaging, and a tiny training run."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from seqmodels.data.batching.skipgram_pairs import NegativeSampler, skipgram_pairs
from seqmodels.errors import ConfigError
from seqmodels.models.word2vec import Word2Vec

# hand-set vectors for V = 5 words, D = 2: row w of E (inputs) and of θ (outputs)
E = [[0.0, 0.0], [1.0, 0.5], [-0.5, 2.0], [0.25, -1.0], [2.0, 1.0]]
THETA = [[0.0, 0.0], [0.5, -1.0], [1.0, 1.0], [-2.0, 0.5], [0.75, 0.25]]


def hand_set(model: Word2Vec) -> Word2Vec:
    with torch.no_grad():
        model.input_embedding.weight.copy_(torch.tensor(E))
        model.output_embedding.weight.copy_(torch.tensor(THETA))
    return model


def dot(u: list, v: list) -> float:
    return sum(a * b for a, b in zip(u, v))


def log_sigmoid(x: float) -> float:
    return math.log(1 / (1 + math.exp(-x)))


def test_initialisation_follows_word2vec() -> None:
    model = Word2Vec(50, embedding_size=20, pad_id=0)
    weights = model.vectors()
    assert weights.shape == (50, 20) and not weights.requires_grad
    assert weights.abs().max() <= 0.5 / 20 and weights[1:].std() > 0.01
    assert weights[0].abs().sum() == 0  # the pad row
    assert model.output_embedding.weight.abs().sum() == 0
    softmax = Word2Vec(50, embedding_size=20, loss="softmax")
    assert isinstance(softmax.output_embedding, torch.nn.Linear) and softmax.output_embedding.bias is None
    assert softmax.output_embedding.weight.shape == (50, 20) and softmax.output_embedding.weight.abs().sum() == 0


def test_negative_sampling_loss_equals_a_hand_computation() -> None:
    model = hand_set(Word2Vec(5, embedding_size=2))
    inputs, targets, negatives = [1, 2], [3, 4], [[2, 4], [1, 3]]
    expected = 0.0
    for c, t, noise in zip(inputs, targets, negatives):
        # L = -log σ(θ_t·e_c) - Σ_k log σ(-θ_{n_k}·e_c)
        expected += -log_sigmoid(dot(THETA[t], E[c])) - sum(log_sigmoid(-dot(THETA[n], E[c])) for n in noise)
    loss = model.loss(torch.tensor(inputs), torch.tensor(targets), torch.tensor(negatives))
    assert loss.item() == pytest.approx(expected / 2, rel=1e-6)
    assert model(torch.tensor(inputs), torch.tensor(targets), torch.tensor(negatives)).item() == loss.item()


def test_softmax_loss_is_cross_entropy_of_the_dot_products() -> None:
    model = Word2Vec(30, embedding_size=6, loss="softmax")
    with torch.no_grad():
        model.output_embedding.weight.normal_()
    inputs, targets = torch.randint(1, 30, (12,)), torch.randint(1, 30, (12,))
    logits = model.input_embedding(inputs) @ model.output_embedding.weight.t()   # θ_v·e_c for every v
    assert model.loss(inputs, targets).item() == pytest.approx(F.cross_entropy(logits, targets).item(), rel=1e-5)
    hand = hand_set(Word2Vec(5, embedding_size=2, loss="softmax"))
    c, t = 2, 4
    scores = [dot(theta, E[c]) for theta in THETA]
    expected = -scores[t] + math.log(sum(math.exp(s) for s in scores))   # -log softmax(θ e_c)_t
    assert hand.loss(torch.tensor([c]), torch.tensor([t])).item() == pytest.approx(expected, rel=1e-6)


def test_cbow_averages_only_the_context_words_that_are_not_padding() -> None:
    model = hand_set(Word2Vec(5, embedding_size=2, architecture="cbow", pad_id=0))
    with torch.no_grad():
        model.input_embedding.weight[0] = torch.tensor([100.0, -100.0])  # would show if padding were averaged
    contexts = torch.tensor([[1, 0, 2, 0], [0, 0, 3, 0], [1, 2, 3, 4]])
    expected = [[(1.0 - 0.5) / 2, (0.5 + 2.0) / 2], E[3], [(1.0 - 0.5 + 0.25 + 2.0) / 4, (0.5 + 2.0 - 1.0 + 1.0) / 4]]
    torch.testing.assert_close(model.encode(contexts), torch.tensor(expected))
    targets, negatives = torch.tensor([4, 1, 2]), torch.tensor([[3], [2], [1]])
    hand = sum(-log_sigmoid(dot(THETA[t], e)) - log_sigmoid(-dot(THETA[n], e))
               for t, n, e in zip([4, 1, 2], [3, 2, 1], expected)) / 3
    assert model.loss(contexts, targets, negatives).item() == pytest.approx(hand, rel=1e-6)


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["negative_sampling", "softmax", "hierarchical_softmax"])
def test_gradients_reach_both_embeddings(architecture: str, loss: str) -> None:
    model = Word2Vec(20, embedding_size=4, architecture=architecture, loss=loss, counts=list(range(20)))
    with torch.no_grad():
        model.output_embedding.weight.normal_()  # θ = 0 at the start gives E no gradient in the first step
    inputs = torch.randint(1, 20, (8,)) if architecture == "skipgram" else torch.randint(0, 20, (8, 4))
    negatives = torch.randint(1, 20, (8, 3)) if loss == "negative_sampling" else None
    model.loss(inputs, torch.randint(1, 20, (8,)), negatives).backward()
    assert model.input_embedding.weight.grad.abs().sum() > 0
    assert model.output_embedding.weight.grad.abs().sum() > 0
    assert model.input_embedding.weight.grad[0].abs().sum() == 0  # the pad row is not trained


def test_bad_options_are_config_errors_naming_the_option() -> None:
    with pytest.raises(ConfigError, match=r"model.architecture='glove': choose one of \['skipgram', 'cbow'\]"):
        Word2Vec(10, architecture="glove")
    with pytest.raises(ConfigError, match=r"model.loss='hierarchical': choose one of \['negative_sampling', 'softmax'"):
        Word2Vec(10, loss="hierarchical")
    with pytest.raises(ConfigError, match="model.embedding_size=0"):
        Word2Vec(10, embedding_size=0)
    with pytest.raises(ConfigError, match="model.pad_id=10"):
        Word2Vec(10, pad_id=10)
    with pytest.raises(ConfigError, match="model.loss='negative_sampling' needs negatives"):
        Word2Vec(10).loss(torch.tensor([1]), torch.tensor([2]))
    with pytest.raises(ValueError, match="negatives"):
        Word2Vec(10, loss="softmax").loss(torch.tensor([1]), torch.tensor([2]), torch.tensor([[3]]))
    with pytest.raises(ConfigError, match="model.loss='hierarchical_softmax' needs the counts of the 10 words, got 3"):
        Word2Vec(10, loss="hierarchical_softmax", counts=[1, 2, 3])
    with pytest.raises(ValueError, match="CBOW inputs"):
        Word2Vec(10, architecture="cbow").loss(torch.tensor([1]), torch.tensor([2]), torch.tensor([[3]]))


def test_the_hierarchical_softmax_loss_is_minus_the_mean_log_probability_of_the_targets() -> None:
    model = hand_set_hierarchical(Word2Vec(5, embedding_size=2, loss="hierarchical_softmax", counts=[0, 5, 3, 1, 1]))
    centres, targets = torch.tensor([1, 2, 4]), torch.tensor([2, 3, 1])
    log_probs = model.output_embedding.log_probs(model.input_embedding(centres))          # (3, V), sums to 1
    torch.testing.assert_close(log_probs.exp().sum(dim=1), torch.ones(3))
    torch.testing.assert_close(model.loss(centres, targets), -log_probs[torch.arange(3), targets].mean())


def hand_set_hierarchical(model: Word2Vec) -> Word2Vec:
    with torch.no_grad():
        model.input_embedding.weight.copy_(torch.tensor(E))
        model.output_embedding.weight.copy_(torch.tensor(THETA[1:]))                 # V - 1 = 4 inner nodes
    return model


def test_skipgram_with_negative_sampling_learns_two_groups_of_words() -> None:
    generator = torch.Generator().manual_seed(0)
    groups = [torch.arange(1, 7), torch.arange(7, 13)]  # ids 1..6 and 7..12 never share a sentence; 0 is pad
    sentences = [groups[i % 2][torch.randint(0, 6, (8,), generator=generator)].tolist() for i in range(200)]
    centres, contexts = skipgram_pairs(sentences, window=2, generator=generator)
    counts = torch.bincount(torch.tensor([w for s in sentences for w in s]), minlength=13)
    sampler = NegativeSampler(counts)
    model = Word2Vec(13, embedding_size=16)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(300):
        batch = torch.randint(0, centres.numel(), (64,), generator=generator)
        loss = model.loss(centres[batch], contexts[batch], sampler.sample((64, 5), generator=generator))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    vectors = F.normalize(model.vectors()[1:], dim=1)
    cosine = vectors @ vectors.t()
    same = torch.block_diag(torch.ones(6, 6), torch.ones(6, 6)).bool() & ~torch.eye(12, dtype=torch.bool)
    across = ~torch.block_diag(torch.ones(6, 6), torch.ones(6, 6)).bool()
    within_group, across_groups = cosine[same].mean().item(), cosine[across].mean().item()
    assert within_group > across_groups + 0.5, (within_group, across_groups)
    assert cosine[same].min() > cosine[across].max()  # every word is nearer to its own group than to the other
