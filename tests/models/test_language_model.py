"""The LM network, incremental sampling and sentence scoring."""

from __future__ import annotations

from typing import Callable

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

    assert_same_loss_and_gradients(model, tokens, targets, lambda logits: torch.nn.functional.cross_entropy(
        logits.reshape(-1, 30), targets.reshape(-1), ignore_index=0, reduction="sum"))


def assert_same_loss_and_gradients(model: LanguageModel, tokens: torch.Tensor, targets: torch.Tensor,
                                   reference: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """``negative_log_likelihood`` (targets 0 ignored) equals ``reference(model(tokens)[0])``, gradients too."""
    hidden, _ = model.features(tokens)
    ours = model.negative_log_likelihood(hidden, targets, ignore_index=0)
    our_grads = torch.autograd.grad(ours, list(model.parameters()))
    theirs = reference(model(tokens)[0])
    their_grads = torch.autograd.grad(theirs, list(model.parameters()))
    torch.testing.assert_close(ours, theirs)
    for mine, expected in zip(our_grads, their_grads):
        torch.testing.assert_close(mine, expected)


# -- the log-probability output layers (task.output=hierarchical_softmax | adaptive_softmax) --------------------------

COUNTS = [0, 3, 0, 9, 5, 5, 1, 2, 7, 0, 4, 1, 6, 2, 3, 8, 1, 1, 2, 5]  # <pad> and <bos> (0, 2) never targets
COUNTED = ["hierarchical_softmax", "adaptive_softmax"]
LAYER_CLASS = {"hierarchical_softmax": "HierarchicalSoftmax", "adaptive_softmax": "AdaptiveSoftmax"}


def counted_model(output: str, seed: int = 0) -> LanguageModel:
    """A small LM with a log-probability output layer, its weights drawn (the hierarchical softmax's start at 0:
    all 1/2)."""
    torch.manual_seed(seed)
    model = LanguageModel(20, RecurrentOptions("lstm", hidden_size=6), embedding_size=4, output=output,
                          counts=COUNTS, cutoffs=[4, 10], div_value=2.0)
    for parameter in model.output.parameters():
        torch.nn.init.normal_(parameter)
    return model


@pytest.mark.parametrize("output", COUNTED)
def test_the_log_probability_output_forward_rows_are_log_distributions(output: str) -> None:
    model = counted_model(output)
    assert type(model.output).__name__ == LAYER_CLASS[output] and "output.bias" not in model.state_dict()
    log_probs, state = model(torch.randint(0, 20, (3, 7)))
    assert log_probs.shape == (3, 7, 20) and log_probs.dtype == torch.float32 and (log_probs < 0).all()
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(3, 7))
    # a log-distribution is its own log_softmax: sampling and scoring read it as they read logits
    torch.testing.assert_close(torch.log_softmax(log_probs, dim=-1), log_probs)


def test_untrained_hierarchical_softmax_gives_each_word_two_to_the_minus_its_code_length() -> None:
    """v_n = 0 at the start: every branch 1/2, P(w) = 2^-L(w), frequent ids (short codes) most likely."""
    torch.manual_seed(0)
    model = LanguageModel(20, RecurrentOptions("gru", hidden_size=6), embedding_size=4,
                          output="hierarchical_softmax", counts=COUNTS)
    log_probs, _ = model(torch.tensor([[3, 4]]))
    expected = -model.output.tree.lengths.float() * torch.log(torch.tensor(2.0))
    torch.testing.assert_close(log_probs[0, 0], expected)
    assert int(log_probs[0, 0].argmax()) == 3  # the largest count


@pytest.mark.parametrize("output", COUNTED)
def test_the_negative_log_likelihood_is_the_gathered_forward(output: str) -> None:
    """Σ -log P(y) of the targets alone (the loss) = -Σ gather(forward, targets) over the targets not ignored, with
    the same gradients; ``token_log_probs`` (scoring) is the gather itself."""
    model = counted_model(output)
    tokens, targets = torch.randint(1, 20, (3, 5)), torch.randint(1, 20, (3, 5))
    targets[2, 3:] = 0  # padding
    assert_same_loss_and_gradients(model, tokens, targets,
                                   lambda log_probs: -log_probs.gather(2, targets.unsqueeze(2))[targets != 0].sum())
    with torch.no_grad():
        gathered = model(tokens)[0].gather(2, targets.unsqueeze(2)).squeeze(2)
        expected = -gathered[targets != 0].sum()
    hidden, _ = model.features(tokens)
    torch.testing.assert_close(model.token_log_probs(hidden, targets), gathered)
    with pytest.raises(ValueError, match="targets must be word ids"):  # ignore_index outside [0, V) is left out
        model.negative_log_likelihood(hidden, targets.masked_fill(targets == 0, -100), ignore_index=-1)
    torch.testing.assert_close(model.negative_log_likelihood(hidden, targets.masked_fill(targets == 0, -100)),
                               expected)


@pytest.mark.parametrize("output", COUNTED)
def test_the_log_probability_loss_stays_float32_under_autocast(output: str) -> None:
    model = counted_model(output)
    tokens, targets = torch.randint(1, 20, (2, 4)), torch.randint(1, 20, (2, 4))
    hidden, _ = model.features(tokens)
    plain = model.negative_log_likelihood(hidden, targets)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hidden_bf16 = hidden.bfloat16()
        mixed = model.negative_log_likelihood(hidden_bf16, targets)
        log_probs = model.scores(hidden_bf16)
    assert mixed.dtype == torch.float32 and log_probs.dtype == torch.float32
    torch.testing.assert_close(mixed, plain, rtol=2e-2, atol=0.0)  # only the inputs' rounding to bf16


@pytest.mark.parametrize("output", COUNTED)
def test_the_log_probability_outputs_refuse_tying_and_need_a_count_per_id(output: str) -> None:
    options = RecurrentOptions("gru", hidden_size=8)
    with pytest.raises(ValueError, match=f"tie_weights=True needs an output word matrix .* output='{output}' has"):
        LanguageModel(20, options, embedding_size=8, tie_weights=True, output=output, counts=COUNTS)
    with pytest.raises(ValueError, match="needs the counts of the 20 ids, got none"):
        LanguageModel(20, options, output=output)
    with pytest.raises(ValueError, match="needs the counts of the 21 ids, got 20"):
        LanguageModel(21, options, output=output, counts=COUNTS)


def test_an_unknown_output_is_refused() -> None:
    with pytest.raises(ValueError, match=r"output='adaptive': choose one of \['softmax', 'hierarchical_softmax', "
                                         r"'adaptive_softmax'\]"):
        LanguageModel(20, RecurrentOptions("gru", hidden_size=8), output="adaptive")


def counted_task(output: str = "hierarchical_softmax", **options: object) -> LanguageModelTask:
    arguments = {"output": output, "counts": [0, 0, 0, 5] + [3 + i % 4 for i in range(len(VOCAB) - 4)],
                 "cutoffs": [4, 8], "div_value": 2.0}
    return LanguageModelTask(VOCAB.to_dict(), MODEL, {"name": "adam", "lr": 0.01}, **{**arguments, **options}).eval()


@pytest.mark.parametrize("options, message", [
    ({"tie_weights": True}, "task.tie_weights=true with task.output=hierarchical_softmax: "),
    ({"output": "adaptive_softmax", "tie_weights": True}, "task.tie_weights=true with task.output=adaptive_softmax"),
    ({"counts": None}, "task.output=hierarchical_softmax is built from the training counts of the"),
    ({"counts": [1, 2, 3]}, "vocabulary ids, got 3"),
    ({"output": "adaptive"}, "task.output='adaptive': choose one of ['softmax', 'hierarchical_softmax', 'adaptive"),
    ({"output": "adaptive_softmax", "cutoffs": [8, 4]},
     "task.output=adaptive_softmax with task.cutoffs=[8, 4], task.div_value=2.0 and model.hidden_size=12: cutoffs "
     "must increase"),
    ({"output": "adaptive_softmax", "cutoffs": [4, 8], "div_value": 4.0}, "leaves tail 2 no dimension"),
])
def test_task_output_errors_are_one_line_config_errors(options: dict, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        counted_task(**options)
    assert message in str(error.value) and len(str(error.value).splitlines()) == 1


@pytest.mark.parametrize("output", COUNTED)
def test_the_task_scores_and_samples_from_its_log_distribution(output: str) -> None:
    task = counted_task(output)
    torch.manual_seed(1)
    for parameter in task.network.output.parameters():
        torch.nn.init.normal_(parameter)
    sentence = "pear salad."
    ids = VOCAB.encode(sentence)
    with torch.no_grad():
        log_probs = task.network(torch.tensor([[task.start_id, *ids]]))[0][0]
    expected = float(log_probs[torch.arange(len(ids) + 1), torch.tensor(ids + [VOCAB.eos_id])].sum())
    assert task.score([sentence, "a"])[0].log_prob == pytest.approx(expected, abs=1e-4)
    texts = task.generate("the ", num_samples=3, max_length=10, seed=2)
    assert texts == task.generate("the ", num_samples=3, max_length=10, seed=2)
    assert all(text.startswith("the ") and "<unk>" not in text for text in texts)


@pytest.mark.parametrize("output", COUNTED)
def test_sampling_draws_from_the_output_layers_probabilities(output: str) -> None:
    """The next-token distribution the sampler draws from is exp(log P) of the output layer (temperature 1)."""
    model = counted_model(output).eval()
    tokens = torch.tensor([[3, 5, 7]])
    with torch.no_grad():
        log_probs, _ = model(tokens)
        probs = next_token_distribution(log_probs[:, -1], temperature=1.0)
    torch.testing.assert_close(probs, log_probs[:, -1].exp())


def test_a_task_without_output_or_counts_is_the_softmax_language_model() -> None:
    """Checkpoints from before task.output hold neither hyperparameter: they load as the softmax model."""
    task = make_task()
    assert isinstance(task.network.output, torch.nn.Linear) and task.hparams.output == "softmax"
    assert task.hparams.counts is None
