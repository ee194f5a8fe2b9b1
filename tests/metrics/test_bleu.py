import math

import pytest
import sacrebleu

from seqmodels.metrics.bleu import corpus_bleu

HYPOTHESES = ["the cat sat on the mat", "there is a dog in the garden"]
REFERENCES = ["the cat sat on a mat .", "a dog is in the garden ."]


def test_identical_corpus_scores_100() -> None:
    result = corpus_bleu(REFERENCES, REFERENCES)
    assert result.score == pytest.approx(100.0)
    assert result.precisions == pytest.approx([100.0] * 4)
    assert result.brevity_penalty == pytest.approx(1.0)


def test_matches_sacrebleu() -> None:
    result = corpus_bleu(HYPOTHESES, REFERENCES)
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES])
    assert result.score == pytest.approx(expected.score)
    assert result.precisions == pytest.approx(expected.precisions)
    assert result.brevity_penalty == pytest.approx(expected.bp)
    assert (result.hypothesis_length, result.reference_length) == (expected.sys_len, expected.ref_len)
    assert result.signature == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" + sacrebleu.__version__


def test_tiny_case_by_hand() -> None:
    # hyp: the cat sat on the mat (6 tokens); ref: the cat sat on a mat . (13a splits off ".": 7 tokens)
    # 1-grams: the (clipped to 1), cat, sat, on, mat match -> 5/6
    # 2-grams: the cat, cat sat, sat on match; on the, the mat do not -> 3/5
    # 3-grams: the cat sat, cat sat on -> 2/4;  4-grams: the cat sat on -> 1/3
    # hyp shorter than ref: BP = exp(1 - 7/6)
    result = corpus_bleu(HYPOTHESES[:1], REFERENCES[:1])
    precisions = [5 / 6, 3 / 5, 2 / 4, 1 / 3]
    brevity_penalty = math.exp(1 - 7 / 6)
    assert result.precisions == pytest.approx([100 * p for p in precisions])
    assert result.brevity_penalty == pytest.approx(brevity_penalty)
    assert (result.hypothesis_length, result.reference_length) == (6, 7)
    expected = 100 * brevity_penalty * math.exp(sum(math.log(p) for p in precisions) / 4)
    assert result.score == pytest.approx(expected)


def test_lowercase_changes_signature_and_score() -> None:
    hypotheses = ["The Cat sat on the mat"]
    cased = corpus_bleu(hypotheses, REFERENCES[:1])
    uncased = corpus_bleu(hypotheses, REFERENCES[:1], lowercase=True)
    assert "case:mixed" in cased.signature and "case:lc" in uncased.signature
    assert uncased.score > cased.score
    assert uncased.score == pytest.approx(corpus_bleu(HYPOTHESES[:1], REFERENCES[:1]).score)


def test_length_mismatch_names_both_counts() -> None:
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        corpus_bleu(HYPOTHESES, REFERENCES[:1])


def test_empty_corpus_scores_0() -> None:
    result = corpus_bleu([], [])
    assert result.score == 0.0
    assert (result.hypothesis_length, result.reference_length) == (0, 0)
    assert result.signature.startswith("nrefs:1|")


def test_str_is_one_line_summary() -> None:
    text = str(corpus_bleu(HYPOTHESES[:1], REFERENCES[:1]))
    assert "\n" not in text
    assert text.startswith("BLEU = 45.48 83.3/60.0/50.0/33.3 (BP = 0.846 ratio = 0.857 hyp_len = 6 ref_len = 7)")
    assert text.endswith("tok:13a|smooth:exp|version:" + sacrebleu.__version__)
