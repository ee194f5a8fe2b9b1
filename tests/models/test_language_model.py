"""The LM network, incremental sampling and sentence scoring."""

from __future__ import annotations

import pytest
import torch

from seqmodels.data.encoding.vocabulary import Vocabulary
from seqmodels.decoding import next_token_distribution, sample
from seqmodels.errors import ConfigError, DataError
from seqmodels.models.language_model import LanguageModel
from seqmodels.nn import RecurrentOptions
from seqmodels.tasks.language_modeling import LanguageModelTask

VOCAB = Vocabulary.build([list("the apple and pear salad. the apple and pair salad.")], level="char")
MODEL = {"cell": "lstm", "embedding_size": 8, "hidden_size": 12, "num_layers": 2, "dropout": 0.0}


def make_task(**model: object) -> LanguageModelTask:
    return LanguageModelTask(VOCAB.to_dict(), {**MODEL, **model}, {"name": "adam", "lr": 0.01}).eval()


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_shapes_and_final_state(cell: str) -> None:
    model = LanguageModel(20, RecurrentOptions(cell, hidden_size=10, num_layers=2), embedding_size=6)
    logits, state = model(torch.randint(0, 20, (3, 7)))
    assert logits.shape == (3, 7, 20)
    h_n = state[0] if cell == "lstm" else state
    assert h_n.shape == (2, 3, 10)


def test_tied_weights_are_one_parameter_and_need_equal_sizes() -> None:
    model = LanguageModel(20, RecurrentOptions("gru", hidden_size=10), embedding_size=10, tie_weights=True)
    assert model.output.weight is model.embedding.weight
    with pytest.raises(ValueError, match="embedding_size .* must equal hidden_size"):
        LanguageModel(20, RecurrentOptions("gru", hidden_size=10), embedding_size=6, tie_weights=True)


def test_a_language_model_refuses_to_be_bidirectional() -> None:
    with pytest.raises(ConfigError, match="model.bidirectional"):
        make_task(bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional=True: a language model"):
        LanguageModel(20, RecurrentOptions(bidirectional=True))


def test_incremental_steps_equal_rereading_the_whole_prefix() -> None:
    task = make_task()
    tokens = torch.tensor([[3, 5, 6, 7, 8, 9]])
    full, _ = task.network(tokens)
    logits, state = task.network(tokens[:, :2])
    stepwise = [logits[:, -1]]
    for t in range(2, tokens.size(1)):
        logits, state = task.network(tokens[:, t : t + 1], state)
        stepwise.append(logits[:, -1])
    assert torch.allclose(torch.stack(stepwise, 1), full[:, 1:], atol=1e-5)


def test_sampling_feeds_one_token_per_step() -> None:
    task = make_task()
    calls = []

    def step(tokens, state):
        calls.append(tokens.shape[1])
        return task.network(tokens, state)

    rows = sample(step, torch.tensor([[3, 5, 6]]), max_length=10)
    assert calls == [3] + [1] * 9  # the context once, then one step per new token but the last
    assert len(rows[0]) == 10


def test_greedy_top_k_and_banned_tokens() -> None:
    logits = torch.tensor([[1.0, 3.0, 2.0, 0.0]])
    assert next_token_distribution(logits, temperature=0).tolist() == [[0.0, 1.0, 0.0, 0.0]]
    top2 = next_token_distribution(logits, top_k=2)
    assert top2[0, 0] == 0 and top2[0, 3] == 0 and float(top2.sum()) == pytest.approx(1.0)
    banned = next_token_distribution(logits, banned_ids=[1])
    assert banned[0, 1] == 0 and float(banned.sum()) == pytest.approx(1.0)
    # banning a token = redrawing until another comes out: the others keep their ratios
    plain = next_token_distribution(logits)
    assert float(banned[0, 2] / banned[0, 0]) == pytest.approx(float(plain[0, 2] / plain[0, 0]))


def test_generate_stops_at_eos_never_draws_unk_and_is_seeded() -> None:
    task = make_task()
    with torch.no_grad():
        task.network.output.bias[VOCAB.unk_id] = 50.0  # <unk> would be drawn almost always
    texts = task.generate("the ", num_samples=4, max_length=15, seed=1)
    assert texts == task.generate("the ", num_samples=4, max_length=15, seed=1)
    assert all(text.startswith("the ") and "<unk>" not in text and len(text) <= 4 + 15 for text in texts)
    with torch.no_grad():
        task.network.output.bias[VOCAB.eos_id] = 100.0  # <eos> first: nothing after the prompt
    assert task.generate("the ", max_length=15, seed=1) == ["the "]


def test_prompt_of_only_unknown_characters_is_an_error() -> None:
    with pytest.raises(DataError, match="no character the model knows"):
        make_task().generate("€€€")


def test_score_is_the_sum_of_next_token_log_probabilities() -> None:
    task = make_task()
    sentence = "pear salad."
    ids = VOCAB.encode(sentence)
    inputs = torch.tensor([[task.start_id, *ids]])
    targets = torch.tensor(ids + [VOCAB.eos_id])
    with torch.no_grad():
        log_probs = torch.log_softmax(task.network(inputs)[0][0], dim=-1)
    expected = float(log_probs[torch.arange(len(targets)), targets].sum())
    scores = task.score([sentence, "pair salad.", "a"])  # batched with padding
    assert scores[0].log_prob == pytest.approx(expected, abs=1e-4)
    assert scores[0].tokens == len(ids) + 1
    assert scores[0].perplexity == pytest.approx(torch.tensor(-expected / scores[0].tokens).exp().item(), rel=1e-5)
    with pytest.raises(DataError, match="empty sentence"):
        task.score(["pear", ""])


@pytest.mark.parametrize("tie_weights", [False, True])
def test_negative_log_likelihood_equals_cross_entropy_of_the_logits(tie_weights: bool) -> None:
    """The fused softmax + loss gives the loss and the gradients of logits -> F.cross_entropy."""
    torch.manual_seed(0)
    model = LanguageModel(30, RecurrentOptions("gru", hidden_size=8), embedding_size=8, tie_weights=tie_weights)
    tokens, targets = torch.randint(1, 30, (3, 5)), torch.randint(1, 30, (3, 5))
    targets[2, 3:] = 0  # padding

    hidden, _ = model.features(tokens)
    fused = model.negative_log_likelihood(hidden, targets, ignore_index=0)
    fused_grads = torch.autograd.grad(fused, list(model.parameters()))
    logits, _ = model(tokens)
    plain = torch.nn.functional.cross_entropy(logits.reshape(-1, 30), targets.reshape(-1), ignore_index=0,
                                              reduction="sum")
    plain_grads = torch.autograd.grad(plain, list(model.parameters()))

    torch.testing.assert_close(fused, plain)
    for ours, theirs in zip(fused_grads, plain_grads):
        torch.testing.assert_close(ours, theirs)
