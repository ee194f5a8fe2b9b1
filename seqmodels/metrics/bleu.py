"""Corpus BLEU (Papineni et al. 2002) as sacrebleu computes it, with sacrebleu's signature kept so a
reported score says how it was computed (tokeniser, casing, smoothing, sacrebleu version).

    BLEU = BP · exp(¼ Σₙ log pₙ),   BP = min(1, exp(1 − ref_len / hyp_len))

where pₙ is the clipped n-gram precision (n = 1..4) pooled over the whole corpus. One reference per
hypothesis. Both sides are detokenised text; sacrebleu tokenises them itself (``tokenize``, "13a" is
the WMT default), so scores are comparable across papers and systems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

from sacrebleu.metrics import BLEU


@dataclass(frozen=True)
class BleuResult:
    """A corpus BLEU score (0..100) with the numbers it is made of and sacrebleu's signature."""

    score: float
    signature: str
    precisions: List[float]
    brevity_penalty: float
    hypothesis_length: int
    reference_length: int

    def __str__(self) -> str:
        ratio = self.hypothesis_length / self.reference_length if self.reference_length else 0.0
        precisions = "/".join(f"{p:.1f}" for p in self.precisions)
        return (f"BLEU = {self.score:.2f} {precisions} (BP = {self.brevity_penalty:.3f} ratio = {ratio:.3f} "
                f"hyp_len = {self.hypothesis_length} ref_len = {self.reference_length}) {self.signature}")


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], lowercase: bool = False,
                tokenize: str = "13a") -> BleuResult:
    """BLEU of ``hypotheses`` against ``references`` (one each, same order), both detokenised text.

    ``lowercase`` compares case-insensitively; ``tokenize`` names a sacrebleu tokeniser ("13a", "intl",
    "char", "none", ...). Lists of different lengths raise ``ValueError``. Empty lists (which sacrebleu
    itself rejects) are scored as one empty sentence pair: score 0.0, precisions 0.0, brevity penalty
    1.0, lengths 0.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"corpus_bleu: {len(hypotheses)} hypotheses but {len(references)} references")
    if not hypotheses:
        hypotheses, references = [""], [""]
    bleu = BLEU(lowercase=lowercase, tokenize=tokenize)
    result = bleu.corpus_score(list(hypotheses), [list(references)])
    return BleuResult(score=float(result.score), signature=str(bleu.get_signature()),
                      precisions=[float(p) for p in result.precisions], brevity_penalty=float(result.bp),
                      hypothesis_length=int(result.sys_len), reference_length=int(result.ref_len))
