"""Hard debiasing (seqmodels.debiasing, seqmodels debias): on a hand-made space with a planted bias direction, the
direction is found, neutralised words lose their projection, equalised pairs become symmetric, nothing else moves."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest
import torch
from torch import Tensor

from seqmodels.cli import debias
from seqmodels.debiasing import (
    DEFINITIONAL_PAIRS,
    EQUALITY_PAIRS,
    bias_direction,
    bias_subspace,
    equalize,
    hard_debias,
    neutralize,
    projections,
)
from seqmodels.errors import ConfigError, DataError
from seqmodels.similarity import WordVectors

FIXTURES = Path(__file__).parent / "fixtures" / "debiasing"
DIM = 8
DEFINITIONAL = [("she", "he"), ("woman", "man"), ("her", "his"), ("girl", "boy")]
EQUALITY = [("king", "queen"), ("father", "mother")]
NEUTRAL = ["nurse", "engineer", "homemaker", "programmer", "apple", "river"]


def planted(noise: float = 0.0, seed: int = 0) -> Tuple[WordVectors, Tensor]:
    """A space whose definitional pairs differ along a random unit direction g (feminine word = c + s g,
    masculine = c − s g with c ⟂ g, plus ``noise``), and whose other words all lean along g in some way."""
    generator = torch.Generator().manual_seed(seed)
    g = torch.randn(DIM, generator=generator)
    g = g / g.norm()
    words: List[str] = []
    rows: List[Tensor] = []
    for feminine, masculine in DEFINITIONAL:
        c = torch.randn(DIM, generator=generator)
        c = c - (c @ g) * g
        s = 0.5 + torch.rand((), generator=generator)
        for word, sign in ((feminine, 1.0), (masculine, -1.0)):
            words.append(word)
            rows.append(c + sign * s * g + noise * torch.randn(DIM, generator=generator))
    for word in [w for pair in EQUALITY for w in pair] + NEUTRAL:
        words.append(word)
        rows.append(torch.randn(DIM, generator=generator) * (0.5 + torch.rand(DIM, generator=generator)))
    return WordVectors(words, torch.stack(rows)), g


def test_the_direction_found_is_the_planted_one_pointing_from_the_second_word_to_the_first() -> None:
    vectors, g = planted()
    found = bias_direction(vectors, DEFINITIONAL)
    assert found.shape == (DIM,)
    assert float(found.norm()) == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(found, g, atol=1e-5)
    flipped = bias_direction(vectors, [(b, a) for a, b in DEFINITIONAL])
    assert torch.allclose(flipped, -g, atol=1e-5)


def test_noisy_pairs_still_give_the_planted_direction_and_a_subspace_has_orthonormal_rows() -> None:
    vectors, g = planted(noise=0.02, seed=1)
    assert float(bias_direction(vectors, DEFINITIONAL) @ g) > 0.99
    subspace = bias_subspace(vectors, DEFINITIONAL, k=3)
    assert subspace.shape == (3, DIM)
    assert torch.allclose(subspace @ subspace.T, torch.eye(3), atol=1e-5)
    assert torch.allclose(subspace[0], bias_direction(vectors, DEFINITIONAL))
    with pytest.raises(ConfigError, match="k=5"):
        bias_subspace(vectors, DEFINITIONAL, k=5)


def test_neutralised_words_have_no_projection_and_unit_length_and_the_others_keep_their_vectors() -> None:
    vectors, _ = planted()
    g = bias_direction(vectors, DEFINITIONAL)
    original = vectors.vectors.clone()
    debiased = neutralize(vectors, NEUTRAL, g)
    assert float(projections(vectors, NEUTRAL, g).abs().min()) > 1e-3  # there was something to remove
    assert torch.allclose(projections(debiased, NEUTRAL, g), torch.zeros(len(NEUTRAL)), atol=1e-6)
    rows = [debiased.index[word] for word in NEUTRAL]
    assert torch.allclose(debiased.vectors[rows].norm(dim=1), torch.ones(len(NEUTRAL)), atol=1e-6)
    # what the paper's formula gives: ê_w − (ê_w·g) g, renormalised
    unit = vectors.unit[rows]
    expected = unit - (unit @ g)[:, None] * g
    assert torch.allclose(debiased.vectors[rows], expected / expected.norm(dim=1, keepdim=True), atol=1e-6)
    others = [row for row, word in enumerate(vectors.words) if word not in NEUTRAL]
    assert torch.equal(debiased.vectors[others], original[others])
    assert torch.equal(vectors.vectors, original)  # the input is left alone


def test_equalised_pairs_are_equidistant_from_every_neutral_word_with_opposite_projections() -> None:
    vectors, _ = planted()
    g = bias_direction(vectors, DEFINITIONAL)
    neutralised = neutralize(vectors, NEUTRAL, g)
    for a, b in EQUALITY:
        assert abs(neutralised.similarity("nurse", a) - neutralised.similarity("nurse", b)) > 1e-3
    debiased = equalize(neutralised, EQUALITY, g)
    for a, b in EQUALITY:
        for word in NEUTRAL:
            assert debiased.similarity(word, a) == pytest.approx(debiased.similarity(word, b), abs=1e-6)
        first, second = projections(debiased, [a, b], g)
        assert float(first) == pytest.approx(-float(second), abs=1e-6) and abs(float(first)) > 1e-3
        # the side of each word is kept
        assert float(first) * float(projections(vectors, [a], g) - projections(vectors, [b], g)) > 0
        assert float(debiased.vector(a).norm()) == pytest.approx(1.0, abs=1e-6)
        assert float(debiased.vector(b).norm()) == pytest.approx(1.0, abs=1e-6)
    untouched = [row for row, word in enumerate(vectors.words) if word not in {w for p in EQUALITY for w in p}]
    assert torch.equal(debiased.vectors[untouched], neutralised.vectors[untouched])


def test_hard_debias_neutralises_every_word_in_no_pair_by_default() -> None:
    vectors, _ = planted()
    result = hard_debias(vectors, DEFINITIONAL, EQUALITY)
    assert result.neutralized == NEUTRAL
    assert torch.allclose(projections(result.vectors, NEUTRAL, result.direction), torch.zeros(len(NEUTRAL)),
                          atol=1e-6)
    definitional = [row for row, word in enumerate(vectors.words) if word in {w for p in DEFINITIONAL for w in p}]
    assert torch.equal(result.vectors.vectors[definitional], vectors.vectors[definitional])


def test_the_default_lists_are_the_papers() -> None:
    assert ("she", "he") in DEFINITIONAL_PAIRS and len(DEFINITIONAL_PAIRS) == 10
    assert {("man", "woman"), ("he", "she"), ("king", "queen")} <= set(EQUALITY_PAIRS)
    assert len(set(EQUALITY_PAIRS)) == len(EQUALITY_PAIRS)


def test_bad_arguments_are_one_line_errors_naming_what_is_wrong() -> None:
    vectors, _ = planted()
    g = bias_direction(vectors, DEFINITIONAL)
    with pytest.raises(DataError, match="the word 'shee' is not in the vocabulary"):
        bias_direction(vectors, [("shee", "he")])
    with pytest.raises(DataError, match="'she' 'she' has the same unit vector"):
        bias_direction(vectors, [("she", "she")])
    with pytest.raises(ConfigError, match=r"shape \(3,\) but the vectors have 8 dimensions"):
        neutralize(vectors, NEUTRAL, torch.ones(3) / 3 ** 0.5)
    with pytest.raises(ConfigError, match="must be a unit vector"):
        neutralize(vectors, NEUTRAL, 2 * g)
    with pytest.raises(DataError, match="'king' 'king' has the same projection"):
        equalize(vectors, [("king", "king")], g)
    with pytest.raises(DataError, match="'kingg'"):
        equalize(vectors, [("kingg", "queen")], g)
    with pytest.raises(ConfigError, match="at least one definitional pair"):
        bias_direction(vectors, [])


# -- the command ----------------------------------------------------------------------------------------------


def run(argv: List[str], capsys: pytest.CaptureFixture[str]) -> Tuple[int, str]:
    """(exit code, stderr) of ``seqmodels debias ARGV``."""
    try:
        debias.main(argv)
        code = 0
    except SystemExit as exit:
        code = int(exit.code or 0)
    return code, capsys.readouterr().err


def test_the_command_writes_debiased_vectors_and_reports_the_projections(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "debiased.txt"
    code, err = run(["--vectors", str(FIXTURES / "vectors.txt"), "--output", str(output)], capsys)
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == ("seqmodels debias: bias direction from 3 definitional pairs (woman-man, she-he, her-his); "
                        "neutralised 5 words, equalised 4 pairs")  # the paper's pairs this vocabulary has
    assert lines[1].startswith("seqmodels debias: mean |projection| of 4 occupation words on the bias direction: ")
    assert lines[1].endswith(" before, 0.0000 after") and " 0.0000 before" not in lines[1]
    assert lines[2] == f"seqmodels debias: wrote 13 vectors to {output}"
    before, after = WordVectors.load(FIXTURES / "vectors.txt"), WordVectors.load(output)
    assert after.words == before.words
    g = bias_direction(before, [("woman", "man"), ("she", "he"), ("her", "his")])
    assert torch.allclose(projections(after, ["nurse", "apple"], g), torch.zeros(2), atol=1e-6)
    assert after.similarity("nurse", "king") == pytest.approx(after.similarity("nurse", "queen"), abs=1e-6)
    assert float(projections(after, ["she"], g)) == pytest.approx(-float(projections(after, ["he"], g)), abs=1e-6)


def test_the_command_reads_pairs_and_neutral_words_from_files(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "debiased.txt.gz"
    code, err = run(["--vectors", str(FIXTURES / "vectors.txt"), "--output", str(output),
                     "--definitional", str(FIXTURES / "definitional.txt"), "--equalize", str(FIXTURES / "equalize.txt"),
                     "--neutral", str(FIXTURES / "neutral.txt")], capsys)
    assert code == 0, err
    assert "from 3 definitional pairs (she-he, woman-man, her-his); neutralised 3 words, equalised 2 pairs" in err
    before, after = WordVectors.load(FIXTURES / "vectors.txt"), WordVectors.load(output)
    assert torch.equal(after.vector("homemaker"), before.vector("homemaker"))  # not in --neutral
    g = bias_direction(before, [("she", "he"), ("woman", "man"), ("her", "his")])
    assert torch.allclose(projections(after, ["nurse", "engineer", "programmer"], g), torch.zeros(3), atol=1e-6)


@pytest.mark.parametrize("arguments, says", [
    (["--definitional", "{fixtures}/unknown_word.txt"],
     "--definitional {fixtures}/unknown_word.txt, line 2: the word 'womann' is not in the vocabulary of 13 words"),
    (["--equalize", "{fixtures}/three_words.txt"],
     "--equalize {fixtures}/three_words.txt, line 2: 3 words ('woman man girl'); give two words a line, a pair"),
    (["--neutral", "{fixtures}/definitional.txt"],
     "--neutral {fixtures}/definitional.txt, line 2: 2 words ('she he'); give one word a line"),
    (["--vectors", "{fixtures}/other_dimension.txt"],
     "other_dimension.txt, line 4: 3 values after the word, expected 4"),
    (["--output", "{tmp}/missing/out.txt"], "--output {tmp}/missing/out.txt: cannot write the file, its folder"),
])
def test_bad_input_to_the_command_is_one_line(arguments: List[str], says: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    given = {"--vectors": str(FIXTURES / "vectors.txt"), "--output": str(tmp_path / "out.txt")}
    given.update(zip(arguments[::2], arguments[1::2]))
    argv = [word.format(fixtures=FIXTURES, tmp=tmp_path) for option in given.items() for word in option]
    code, err = run(argv, capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("seqmodels debias: error: ")
    assert says.format(fixtures=FIXTURES, tmp=tmp_path) in err
    assert not (tmp_path / "out.txt").exists()


def test_default_pairs_the_vocabulary_lacks_are_an_error_saying_which_option_to_give(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vectors = tmp_path / "fruit.txt"
    vectors.write_text("2 2\napple 1 0\npear 0 1\n", encoding="utf-8")
    code, err = run(["--vectors", str(vectors), "--output", str(tmp_path / "out.txt")], capsys)
    assert code == 2
    assert err == ("seqmodels debias: error: none of the default pairs of --definitional has both its words in the "
                   "vocabulary of 2 words; give pairs of words it has with --definitional FILE\n")
