"""word2vec: the SGNS, softmax and hierarchical losses against hand computations over weighted windows, CBOW's
weighted mean, and a tiny training run."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from seqmodels.data.batching.word2vec import WordRuns, window_weights
from seqmodels.data.batching.word_sampling import NegativeSampler, word_stream
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


# One run of W = 1: words 1 2 3 4 (centres 2 and 3, L = 2); centre 2's neighbours 1 (ω 1) and 3 (ω 0.5),
# centre 3's neighbour 2 (ω 1) and 4 (ω 0: say, another sentence).
TOKENS = torch.tensor([[1, 2, 3, 4]])
WEIGHTS = torch.tensor([[[1.0, 0.0, 0.5], [1.0, 0.0, 0.0]]])
PAIRS = [(1, 2, 1.0), (3, 2, 0.5), (2, 3, 1.0)]  # (neighbour c, centre t, ω)


def test_windows_are_the_vectors_around_each_centre_word() -> None:
    model = hand_set(Word2Vec(5, embedding_size=2))
    windows = model.windows(torch.tensor([[1, 2, 3, 4], [4, 3, 2, 1]]), width=3)
    expected = [[E[1], E[2], E[3]], [E[2], E[3], E[4]], [E[4], E[3], E[2]], [E[3], E[2], E[1]]]
    torch.testing.assert_close(windows, torch.tensor(expected))


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_negative_sampling_loss_equals_a_hand_computation(architecture: str) -> None:
    model = hand_set(Word2Vec(5, embedding_size=2, architecture=architecture, negatives_per_pair=3))
    pool = [4, 1, 1, 3]  # the run's P = 4 noise words, shared by every pair, each counted K / P = 3 / 4
    examples = PAIRS if architecture == "skipgram" else [  # CBOW: each centre word's weighted mean of neighbours
        ([(E[1][k] + 0.5 * E[3][k]) / 1.5 for k in range(2)], 2, 1.0), (E[2], 3, 1.0)]
    expected = 0.0
    for c, t, omega in examples:
        e = E[c] if architecture == "skipgram" else c
        # ω (-log σ(θ_t·e) - (K / P) Σ_p log σ(-θ_{n_p}·e))
        loss = -log_sigmoid(dot(THETA[t], e)) - 0.75 * sum(log_sigmoid(-dot(THETA[n], e)) for n in pool)
        expected += omega * loss
    loss = model.loss(TOKENS, WEIGHTS, torch.tensor([pool]))
    assert loss.total.item() == pytest.approx(expected, rel=1e-6)
    assert loss.weight.item() == (2.5 if architecture == "skipgram" else 2.0)
    assert loss.mean().item() == pytest.approx(expected / loss.weight.item(), rel=1e-6)
    assert model(TOKENS, WEIGHTS, torch.tensor([pool])).total.item() == loss.total.item()


def test_softmax_loss_is_cross_entropy_of_the_dot_products() -> None:
    hand = hand_set(Word2Vec(5, embedding_size=2, loss="softmax"))
    expected = 0.0
    for c, t, omega in PAIRS:
        scores = [dot(theta, E[c]) for theta in THETA]
        expected += omega * (-scores[t] + math.log(sum(math.exp(s) for s in scores)))   # ω (-log softmax(θ e_c)_t)
    assert hand.loss(TOKENS, WEIGHTS).total.item() == pytest.approx(expected, rel=1e-6)
    model = Word2Vec(30, embedding_size=6, loss="softmax")
    with torch.no_grad():
        model.output_embedding.weight.normal_()
    tokens, weights = torch.randint(1, 30, (3, 9)), torch.rand(3, 7, 3)
    pairs = model.windows(tokens, 3)                                                 # (21, 3, D)
    logits = pairs @ model.output_embedding.weight.t()                              # θ_v·e_c for every v
    targets = tokens[:, 1:-1].reshape(-1, 1).expand(-1, 3)
    losses = F.cross_entropy(logits.reshape(-1, 30), targets.reshape(-1), reduction="none")
    expected_total = (losses * weights.reshape(-1)).sum().item()
    assert model.loss(tokens, weights).total.item() == pytest.approx(expected_total, rel=1e-5)


def test_cbow_averages_the_neighbours_by_their_weights() -> None:
    model = hand_set(Word2Vec(5, embedding_size=2, architecture="cbow", pad_id=0))
    with torch.no_grad():
        model.input_embedding.weight[0] = torch.tensor([100.0, -100.0])  # would show if padding were averaged
    tokens = torch.tensor([[0, 1, 2, 3, 0]])                                # W = 1, centres 1, 2, 3
    weights = torch.tensor([[[0.0, 0.0, 1.0], [1.0, 0.0, 0.5], [0.0, 0.0, 0.0]]])  # centre 3: no neighbour
    means = {1: E[2], 2: [(E[1][0] + 0.5 * E[3][0]) / 1.5, (E[1][1] + 0.5 * E[3][1]) / 1.5]}  # Σ ω e / Σ ω
    negatives = torch.tensor([[3, 4]])                                      # the run's pool, K / P = 5 / 2 each
    hand = sum(-log_sigmoid(dot(THETA[t], means[t])) - 2.5 * sum(log_sigmoid(-dot(THETA[n], means[t])) for n in (3, 4))
               for t in (1, 2))
    loss = model.loss(tokens, weights, negatives)
    assert loss.total.item() == pytest.approx(hand, rel=1e-5) and loss.weight.item() == 2  # one example per centre


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["negative_sampling", "softmax", "hierarchical_softmax"])
def test_gradients_reach_both_embeddings(architecture: str, loss: str) -> None:
    model = Word2Vec(20, embedding_size=4, architecture=architecture, loss=loss, counts=list(range(20)))
    with torch.no_grad():
        model.output_embedding.weight.normal_()  # θ = 0 at the start gives E no gradient in the first step
    tokens = torch.cat([torch.zeros(2, 2, dtype=torch.long), torch.randint(1, 20, (2, 8))], dim=1)  # pads first
    negatives = torch.randint(1, 20, (2, 3)) if loss == "negative_sampling" else None
    model.loss(tokens, torch.rand(2, 6, 5), negatives).total.backward()
    assert model.input_embedding.weight.grad.abs().sum() > 0
    assert model.output_embedding.weight.grad.abs().sum() > 0
    assert model.input_embedding.weight.grad[0].abs().sum() == 0  # the pad row is not trained


def test_the_hierarchical_softmax_weighs_each_pair() -> None:
    model = hand_set_hierarchical(Word2Vec(5, embedding_size=2, loss="hierarchical_softmax", counts=[0, 5, 3, 1, 1]))
    log_probs = model.output_embedding.log_probs(model.input_embedding.weight)              # (V, V), sums to 1
    torch.testing.assert_close(log_probs.exp().sum(dim=1), torch.ones(5))
    expected = -sum(omega * log_probs[c, t].item() for c, t, omega in PAIRS)
    assert model.loss(TOKENS, WEIGHTS).total.item() == pytest.approx(expected, rel=1e-5)


def test_bad_options_are_config_errors_naming_the_option() -> None:
    with pytest.raises(ConfigError, match=r"model.architecture='glove': choose one of \['skipgram', 'cbow'\]"):
        Word2Vec(10, architecture="glove")
    with pytest.raises(ConfigError, match=r"model.loss='hierarchical': choose one of \['negative_sampling', 'softmax'"):
        Word2Vec(10, loss="hierarchical")
    with pytest.raises(ConfigError, match="model.embedding_size=0"):
        Word2Vec(10, embedding_size=0)
    with pytest.raises(ConfigError, match=r"negatives_per_pair=0: negative sampling needs K >= 1 .*data.negatives"):
        Word2Vec(10, negatives_per_pair=0)
    Word2Vec(10, loss="softmax", negatives_per_pair=0)  # the softmaxes take no noise words
    with pytest.raises(ConfigError, match="model.pad_id=10"):
        Word2Vec(10, pad_id=10)
    with pytest.raises(ConfigError, match="model.loss='negative_sampling' needs negatives"):
        Word2Vec(10).loss(TOKENS, WEIGHTS)
    with pytest.raises(ValueError, match="negatives"):
        Word2Vec(10, loss="softmax").loss(TOKENS, WEIGHTS, torch.tensor([[3, 4]]))
    with pytest.raises(ValueError, match=r"negatives must be \(chunks, P\) = \(1, P >= 1\), got \(1, 2, 1\)"):
        Word2Vec(10).loss(TOKENS, WEIGHTS, torch.tensor([[[3], [4]]]))   # one pool per run, not per centre word
    with pytest.raises(ValueError, match="negatives must be"):
        Word2Vec(10).loss(TOKENS, WEIGHTS, torch.tensor([[3], [4]]))     # two pools for one run
    with pytest.raises(ValueError, match="do not fit"):
        Word2Vec(10).loss(TOKENS[:, :3], WEIGHTS, torch.tensor([[3, 4]]))
    with pytest.raises(ConfigError, match="model.loss='hierarchical_softmax' needs the counts of the 10 words, got 3"):
        Word2Vec(10, loss="hierarchical_softmax", counts=[1, 2, 3])


def hand_set_hierarchical(model: Word2Vec) -> Word2Vec:
    with torch.no_grad():
        model.input_embedding.weight.copy_(torch.tensor(E))
        model.output_embedding.weight.copy_(torch.tensor(THETA[1:]))                 # V - 1 = 4 inner nodes
    return model


def test_skipgram_with_negative_sampling_learns_two_groups_of_words() -> None:
    generator = torch.Generator().manual_seed(0)
    groups = [torch.arange(1, 7), torch.arange(7, 13)]  # ids 1..6 and 7..12 never share a sentence; 0 is pad
    sentences = [groups[i % 2][torch.randint(0, 6, (8,), generator=generator)].tolist() for i in range(200)]
    tokens, sentence_ids = word_stream(sentences)
    runs = WordRuns(tokens, sentence_ids, window=2, length=8, pad_id=0, weights=window_weights(2))
    counts = torch.bincount(torch.tensor([w for s in sentences for w in s]), minlength=13)
    sampler = NegativeSampler(counts)
    model = Word2Vec(13, embedding_size=16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.025)  # word2vec's: plain SGD on the summed loss
    for _ in range(20):
        for batch in torch.randperm(len(runs), generator=generator).split(8):
            loss = model.loss(*runs.batch(batch.tolist(), sampler, negatives_per_run=5, generator=generator))
            optimizer.zero_grad()
            loss.total.backward()
            optimizer.step()
    vectors = F.normalize(model.vectors()[1:], dim=1)
    cosine = vectors @ vectors.t()
    same = torch.block_diag(torch.ones(6, 6), torch.ones(6, 6)).bool() & ~torch.eye(12, dtype=torch.bool)
    across = ~torch.block_diag(torch.ones(6, 6), torch.ones(6, 6)).bool()
    within_group, across_groups = cosine[same].mean().item(), cosine[across].mean().item()
    assert within_group > across_groups + 0.5, (within_group, across_groups)
    assert cosine[same].min() > cosine[across].max()  # every word is nearer to its own group than to the other
