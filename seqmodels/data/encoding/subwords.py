"""Subword units for translation: Moses tokenisation (sacremoses), then a sentencepiece model of the training split.

A sentence becomes pieces in two steps, and comes back in the same two, reversed::

    encode:  "A man's dog."  --Moses-->  "A man 's dog ."  --sentencepiece-->  ["▁A", "▁man", "▁'", "s", "▁dog", "▁."]
    decode:  pieces  --sentencepiece-->  "A man 's dog ."  --Moses detokeniser-->  "A man's dog."

so ``decode(encode(text)) == text`` for text whose characters the model knows (its training split's). Rare words
are spelled with several pieces instead of becoming ``<unk>``: the vocabulary is small and closed.

The model is trained on the training sentences only (:meth:`SubwordModel.train`: sentencepiece's unigram language
model, Kudo 2018, or BPE, Sennrich et al. 2016) and travels as a dict (:meth:`SubwordModel.to_dict`: its serialised
model in base64, the Moses language), so a checkpoint translates raw text with no file beside it.
"""

from __future__ import annotations

import base64
import io
from typing import Any, Dict, Iterable, List, Mapping, Sequence

import sentencepiece

from seqmodels.errors import DataError

MODEL_TYPES = ("unigram", "bpe")
KIND = "moses+sentencepiece"  # to_dict()'s "kind": what from_dict() can read


def moses_tokenized(sentences: Iterable[str], language: str) -> List[str]:
    """Each sentence as Moses tokens for ``language`` joined by spaces, no XML escaping: "A man's dog." ->
    "A man 's dog ." (English). What :meth:`SubwordModel.train` learns from."""
    from sacremoses import MosesTokenizer  # here, not at the top: importing sacremoses takes 0.4 s

    tokenizer = MosesTokenizer(lang=language)
    return [tokenizer.tokenize(sentence, escape=False, return_str=True) for sentence in sentences]


class SubwordModel:
    """Text <-> subword pieces: Moses tokenisation for ``language``, then the sentencepiece model ``proto``."""

    def __init__(self, proto: bytes, language: str) -> None:
        from sacremoses import MosesDetokenizer, MosesTokenizer  # (0.4 s: only where a model is used)

        self.proto, self.language = proto, language
        self._pieces = sentencepiece.SentencePieceProcessor(model_proto=proto)
        self._tokenizer, self._detokenizer = MosesTokenizer(lang=language), MosesDetokenizer(lang=language)

    @classmethod
    def train(cls, moses_sentences: Sequence[str], vocab_size: int, model_type: str, language: str,
              what: str = "the training sentences") -> "SubwordModel":
        """A model of at most ``vocab_size`` pieces learnt from ``moses_sentences`` (:func:`moses_tokenized`
        text); every character they hold gets a piece (character_coverage 1.0) and no character is rewritten (no
        Unicode normalisation, so decoding gives back the text). The size is a soft limit: a corpus too small for
        it gets fewer pieces. ``DataError`` naming ``what`` when it holds no text."""
        sentences = [sentence for sentence in moses_sentences if sentence]
        if not sentences:
            raise DataError(f"{what} hold no text to learn subword units from")
        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences), model_writer=model, vocab_size=vocab_size, model_type=model_type,
            character_coverage=1.0, hard_vocab_limit=False, normalization_rule_name="identity", bos_id=-1,
            eos_id=-1, pad_id=-1, unk_id=0, num_threads=1, minloglevel=2)
        return cls(model.getvalue(), language)

    def for_language(self, language: str) -> "SubwordModel":
        """The same pieces behind Moses rules for ``language`` (one model shared by both sides of a corpus)."""
        return SubwordModel(self.proto, language)

    def encode(self, text: str) -> List[str]:
        """The pieces of ``text``: Moses tokens (no XML escaping), each split into sentencepiece pieces."""
        return self._pieces.encode(self._tokenizer.tokenize(text, escape=False, return_str=True), out_type=str)

    def decode(self, pieces: Sequence[str]) -> str:
        """The text ``pieces`` spell: sentencepiece joins them into Moses tokens, Moses detokenises those."""
        return self._detokenizer.detokenize(self._pieces.decode_pieces(list(pieces)).split())

    def __len__(self) -> int:
        return self._pieces.get_piece_size()

    def to_dict(self) -> Dict[str, Any]:
        """JSON-able: {"kind", "language", "model": the serialised sentencepiece model in base64}."""
        return {"kind": KIND, "language": self.language, "model": base64.b64encode(self.proto).decode("ascii")}

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> "SubwordModel":
        """The model :meth:`to_dict` wrote; ``DataError`` for anything else."""
        if not isinstance(saved, Mapping) or saved.get("kind") != KIND:
            kind = saved.get("kind") if isinstance(saved, Mapping) else type(saved).__name__
            raise DataError(f"a saved subword model must be of kind {KIND!r}, got {kind!r}")
        return cls(base64.b64decode(saved["model"]), str(saved["language"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SubwordModel) and (self.proto, self.language) == (other.proto, other.language)

    def __repr__(self) -> str:
        return f"SubwordModel({len(self)} pieces, Moses {self.language})"
