"""Word dropout replaces words (never padding) by <unk> with probability p while training, and nothing in
evaluation; the tagger and the classifier apply it to the word embedding's input only."""

from __future__ import annotations

from typing import Callable

import pytest
import torch

from seqmodels.models.classifier import Classifier
from seqmodels.models.tagger import Tagger
from seqmodels.nn.word_dropout import WordDropout

PAD, UNK = 0, 1


def padded_words(rows: int = 400, steps: int = 250, seed: int = 0) -> torch.Tensor:
    """Word ids 2..99, the last fifth of every row padding."""
    generator = torch.Generator().manual_seed(seed)
    words = torch.randint(2, 100, (rows, steps), generator=generator)
    words[:, steps * 4 // 5 :] = PAD
    return words


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_while_training_a_fraction_p_of_the_words_becomes_unk(p: float) -> None:
    torch.manual_seed(0)
    words = padded_words()
    dropped = WordDropout(p, UNK, PAD).train()(words)
    real = words != PAD
    replaced = dropped != words
    assert torch.equal(dropped[replaced], torch.full_like(dropped[replaced], UNK))
    assert not replaced[~real].any()  # padding stays padding
    fraction = replaced[real].float().mean().item()
    assert abs(fraction - p) < 0.01  # 80,000 words: 4 standard deviations is under 0.008


def test_in_evaluation_and_at_p_zero_nothing_changes() -> None:
    words = padded_words()
    assert torch.equal(WordDropout(0.5, UNK, PAD).eval()(words), words)
    assert torch.equal(WordDropout(0.0, UNK, PAD).train()(words), words)


@pytest.mark.parametrize("p", [1.0, -0.1, True, "0.3"])
def test_a_bad_probability_is_a_value_error(p: object) -> None:
    with pytest.raises(ValueError, match=r"word_dropout must be a probability in \[0, 1\)"):
        WordDropout(p, UNK, PAD)  # type: ignore[arg-type]


def embedding_inputs(network: torch.nn.Module, words: torch.Tensor) -> torch.Tensor:
    """The ids the network's word embedding looked up in one forward pass (a Tagger or a Classifier)."""
    seen = []
    handle = network.embedding.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    network(words, torch.full((words.size(0),), words.size(1)))
    handle.remove()
    return seen[0]


@pytest.mark.parametrize("build", [
    lambda: Tagger(vocab_size=100, num_tags=5, embedding_size=8, pad_id=PAD, unk_id=UNK, word_dropout=0.5),
    lambda: Classifier(vocab_size=100, num_classes=2, embedding_size=8, pad_id=PAD, unk_id=UNK, word_dropout=0.5),
    lambda: Classifier(vocab_size=100, num_classes=2, encoder="mean", embedding_size=8, pad_id=PAD, unk_id=UNK,
                       word_dropout=0.5),
], ids=["tagger", "rnn classifier", "mean classifier"])
def test_the_networks_drop_words_while_training_only(build: Callable[[], torch.nn.Module]) -> None:
    torch.manual_seed(0)
    network = build()
    words = torch.randint(2, 100, (4, 30))
    assert (embedding_inputs(network.train(), words) == UNK).float().mean() > 0.3
    assert torch.equal(embedding_inputs(network.eval(), words), words)


@pytest.mark.parametrize("p, singleton_p", [(0.0, 0.5), (0.2, 0.5)])
def test_singletons_become_unk_at_their_own_rate(p: float, singleton_p: float) -> None:
    torch.manual_seed(0)
    words = padded_words()                                       # ids 2..99; from 60 on: singletons
    dropped = WordDropout(p, UNK, PAD, singleton_p, singletons_from=60).train()(words)
    replaced, real = dropped != words, words != PAD
    singletons = real & (words >= 60)
    assert not replaced[~real].any() and torch.equal(dropped[replaced], torch.full_like(dropped[replaced], UNK))
    assert abs(replaced[singletons].float().mean().item() - (1 - (1 - p) * (1 - singleton_p))) < 0.015
    assert abs(replaced[real & ~singletons].float().mean().item() - p) < 0.01


def test_singleton_replacement_changes_nothing_in_evaluation_or_without_singletons() -> None:
    words = padded_words()
    assert torch.equal(WordDropout(0.0, UNK, PAD, 0.5, singletons_from=60).eval()(words), words)
    assert torch.equal(WordDropout(0.0, UNK, PAD, 0.5, singletons_from=None).train()(words), words)
    with pytest.raises(ValueError, match=r"singleton_unk must be a probability in \[0, 1\)"):
        WordDropout(0.0, UNK, PAD, 1.0, singletons_from=60)


def test_the_tagger_replaces_its_singletons_while_training_only() -> None:
    torch.manual_seed(0)
    tagger = Tagger(vocab_size=100, num_tags=5, embedding_size=8, pad_id=PAD, unk_id=UNK, singleton_unk=0.9,
                    singletons_from=50)
    frequent, singletons = torch.randint(2, 50, (4, 30)), torch.randint(50, 100, (4, 30))
    assert torch.equal(embedding_inputs(tagger.train(), frequent), frequent)
    assert (embedding_inputs(tagger, singletons) == UNK).float().mean() > 0.7
    assert torch.equal(embedding_inputs(tagger.eval(), singletons), singletons)
