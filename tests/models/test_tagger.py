"""The tagger network and the character-level word encoder."""

from __future__ import annotations

import pytest
import torch

from seqmodels.models.tagger import Tagger
from seqmodels.nn import RecurrentOptions
from seqmodels.nn.char_encoder import CharacterWordEncoder

SMALL = RecurrentOptions(hidden_size=4, bidirectional=True, dropout=0.5)


@pytest.mark.parametrize("output, num_tags", [("crf", 5), ("softmax", 5), ("sigmoid", 1)])
def test_emissions_have_one_score_per_tag(output: str, num_tags: int) -> None:
    tagger = Tagger(30, num_tags, output=output, recurrent=SMALL, embedding_size=6, num_cases=6, case_embedding_size=3,
                    num_chars=12, char_embedding_size=3, char_hidden_size=2)
    words = torch.randint(1, 30, (2, 5))
    emissions = tagger(words, torch.tensor([5, 3]), torch.randint(1, 6, (2, 5)), torch.randint(1, 12, (2, 5, 4)))
    assert emissions.shape == (2, 5, num_tags)
    assert (tagger.crf is not None) == (output == "crf")


def test_padding_does_not_change_the_real_tokens_emissions() -> None:
    torch.manual_seed(0)
    tagger = Tagger(30, 4, recurrent=RecurrentOptions(hidden_size=4, bidirectional=True), embedding_size=6,
                    num_chars=12).eval()
    words, chars = torch.randint(1, 30, (1, 3)), torch.randint(1, 12, (1, 3, 4))
    alone = tagger(words, torch.tensor([3]), None, chars)
    padded_words = torch.cat([words, torch.zeros(1, 4, dtype=torch.long)], dim=1)
    padded_chars = torch.cat([chars, torch.zeros(1, 4, 4, dtype=torch.long)], dim=1)
    padded = tagger(padded_words, torch.tensor([3]), None, padded_chars)
    torch.testing.assert_close(padded[:, :3], alone)


def test_the_character_encoder_joins_the_forward_end_and_the_backward_start() -> None:
    torch.manual_seed(0)
    encoder = CharacterWordEncoder(10, embedding_size=3, hidden_size=2).eval()
    chars = torch.tensor([[[4, 5, 6, 0], [0, 0, 0, 0]]])  # a 3-character word, then a padded token position
    vectors = encoder(chars)
    assert vectors.shape == (1, 2, 4) and vectors[0, 1].abs().sum() == 0
    outputs, _ = encoder.recurrent(encoder.embedding(chars[0, :1, :3]))  # the word alone, no padding
    expected = torch.cat([outputs[0, -1, :2], outputs[0, 0, 2:]])          # [→a<L>, ←a<1>]
    torch.testing.assert_close(vectors[0, 0], expected)


def test_an_unknown_output_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="output='hmm'"):
        Tagger(10, 3, output="hmm")


def test_the_case_feature_has_one_row_per_capitalisation_class() -> None:
    assert Tagger(10, 3, num_cases=6, case_embedding_size=2).case_embedding.num_embeddings == 6
    assert Tagger(10, 3, num_cases=4, case_embedding_size=2).case_embedding.num_embeddings == 4
    with pytest.raises(ValueError, match="case_embedding_size=2 needs the number of capitalisation classes"):
        Tagger(10, 3, case_embedding_size=2)


def test_the_character_encoder_takes_the_taggers_cell_in_one_bidirectional_layer() -> None:
    recurrent = RecurrentOptions("gru", hidden_size=4, num_layers=2, dropout=0.3, cell_options={"minimal": True})
    tagger = Tagger(10, 3, recurrent=recurrent, num_chars=8, char_hidden_size=2)
    chars = tagger.char_encoder.recurrent
    assert (chars.num_layers, chars.bidirectional, chars.hidden_size, chars.dropout) == (1, True, 2, 0.0)
    assert all(cell.minimal for cell in chars.cells.values())
    assert tagger.recurrent.num_layers == 2 and tagger.recurrent.dropout == 0.3


def test_the_tagger_and_its_crf_run_under_autocast() -> None:
    """bf16-mixed (trainer=gpu) runs the RNNs in low precision: the pieces must still fit together."""
    tagger = Tagger(30, 5, recurrent=SMALL, embedding_size=6, num_chars=12, char_embedding_size=3, char_hidden_size=2)
    words, lengths = torch.randint(1, 30, (2, 5)), torch.tensor([5, 3])
    chars = torch.randint(1, 12, (2, 5, 4))
    chars[1, 3:] = 0
    mask = torch.arange(5) < lengths.unsqueeze(1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        emissions = tagger(words, lengths, None, chars)
        log_likelihood = tagger.crf(emissions, torch.randint(0, 5, (2, 5)), mask)
        tags, _ = tagger.crf.decode(emissions, mask)
    log_likelihood.sum().backward()
    assert torch.isfinite(log_likelihood).all() and tags.shape == (2, 5)
