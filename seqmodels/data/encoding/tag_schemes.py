"""NER tag schemes (IOB1, IOB2, BIOES): reading spans, converting, and the moves a CRF may make.

A tag is ``"O"`` or ``"<prefix>-<TYPE>"`` with prefix ``B`` (begin), ``I`` (inside), ``E`` (end) or
``S`` (single); ``"B-PER"``, ``"I-LOC"``, ``"S-MISC"``. The type is everything after the first ``-``.

* IOB1 (CoNLL-2003 as released): every entity token is ``I-X``; ``B-X`` only marks the first token of
  an entity that directly follows another entity of the same type.
* IOB2: every entity starts with ``B-X``, its other tokens are ``I-X``.
* BIOES: ``S-X`` for a one-token entity, otherwise ``B-X I-X* E-X``.

:func:`spans` reads all three with one set of chunk rules, those of conlleval.pl as extended to
``E-``/``S-`` by seqeval (its default, conlleval-compatible mode); see :func:`spans` for the details.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch

from seqmodels.errors import DataError

SCHEMES = ("iob1", "iob2", "bioes")

PREFIXES = ("B", "I", "E", "S")
_SCHEME_PREFIXES: Dict[str, Tuple[str, ...]] = {"iob1": ("B", "I", "O"), "iob2": ("B", "I", "O"),
                                                "bioes": ("B", "I", "E", "S", "O")}

Span = Tuple[str, int, int]


class TagError(DataError):
    """A tag that is malformed, or not of the scheme, at ``position`` in its sentence; ``detail`` says what is
    wrong without the position, so that a reader of files can name the file and line instead."""

    def __init__(self, position: int, detail: str) -> None:
        super().__init__(f"position {position}: {detail}")
        self.position, self.detail = position, detail


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    return scheme


def split_tag(tag: str) -> Tuple[str, Optional[str]]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", None)``. Anything else raises :class:`DataError`."""
    if tag == "O":
        return "O", None
    prefix, dash, type_ = tag.partition("-") if isinstance(tag, str) else ("", "", "")
    if not dash or prefix not in PREFIXES or not type_:
        raise DataError(f"malformed tag {tag!r}: expected 'O' or one of B-, I-, E-, S- followed by an entity type")
    return prefix, type_


def entity_type(tag: str) -> Optional[str]:
    """The entity type of ``tag`` (``"I-LOC"`` -> ``"LOC"``), ``None`` for ``"O"``; malformed -> :class:`DataError`."""
    return split_tag(tag)[1]


def detect_scheme(sentences: Iterable[Sequence[str]]) -> Optional[str]:
    """The scheme the tag sequences are written in, read from their prefixes; ``None`` when no tag tells
    (every tag ``"O"``).

    * ``"bioes"`` when any tag is ``E-X`` or ``S-X``;
    * ``"iob1"`` when an entity starts with ``I-X`` (first in its sentence, after ``O`` or after another type):
      IOB1 begins entities that way, IOB2 never does;
    * ``"iob2"`` when there are entities and every one starts with ``B-X``.

    A malformed tag raises :class:`TagError` (its position in the sentence).
    """
    found: Optional[str] = None
    for tags in sentences:
        previous: Tuple[str, Optional[str]] = ("O", None)
        for prefix, type_ in _split_all(tags):
            if prefix in ("E", "S"):
                return "bioes"
            if prefix == "I" and (previous[0] == "O" or previous[1] != type_):
                found = "iob1"
            elif prefix == "B" and found is None:
                found = "iob2"
            previous = (prefix, type_)
    return found


def _split_all(tags: Sequence[str]) -> List[Tuple[str, Optional[str]]]:
    parts = []
    for position, tag in enumerate(tags):
        try:
            parts.append(split_tag(tag))
        except DataError as error:
            raise TagError(position, str(error)) from None
    return parts


def _chunk_ends(prev_prefix: str, prev_type: Optional[str], prefix: str, type_: Optional[str]) -> bool:
    """Does the chunk holding the previous token end before this one? (conlleval ``endOfChunk``)"""
    if prev_prefix == "O":
        return False
    if prev_prefix in ("E", "S") or prefix in ("B", "S", "O"):
        return True
    return prev_type != type_  # I-/E- after B-/I-: continues only with the same type


def _chunk_starts(prev_prefix: str, prev_type: Optional[str], prefix: str, type_: Optional[str]) -> bool:
    """Does a chunk start at this token? (conlleval ``startOfChunk``)"""
    if prefix == "O":
        return False
    if prefix in ("B", "S") or prev_prefix in ("E", "S", "O"):
        return True
    return prev_type != type_  # I-/E- after B-/I-: starts a chunk only on a type change


def spans(tags: Sequence[str]) -> List[Span]:
    """The entities in one sentence's tags as ``(type, start, end)``, ``end`` exclusive, in order.

    The chunk rules of conlleval.pl (``startOfChunk``/``endOfChunk``) as seqeval's default mode
    (``seqeval.metrics.sequence_labeling.get_entities``) implements them, so IOB1, IOB2 and BIOES
    (and ill-formed mixtures) are all read by the same rules:

    * a chunk starts at ``B-`` or ``S-``, at ``I-``/``E-`` after ``O``, ``E-`` or ``S-``, and at any tag
      whose type differs from the previous token's;
    * a chunk ends after ``E-`` or ``S-``, before ``B-``, ``S-`` or ``O``, and before a type change.

    So ``I-PER`` after ``O`` or after ``B-LOC`` starts a PER entity (IOB1, or a broken IOB2 sequence),
    ``E-PER`` without a ``B-PER`` is an entity of its own, and every non-``O`` token is in exactly one
    span. conlleval.pl itself has no ``S-`` and does not end a chunk at ``E-`` followed by ``B-`` or ``S-``
    of the same type; seqeval's reading, used here, is the one that makes BIOES work.
    """
    result: List[Span] = []
    prev_prefix, prev_type, begin = "O", None, 0
    parts = _split_all(tags)
    for position, (prefix, type_) in enumerate(parts + [("O", None)]):
        if _chunk_ends(prev_prefix, prev_type, prefix, type_):
            result.append((prev_type, begin, position))
        if _chunk_starts(prev_prefix, prev_type, prefix, type_):
            begin = position
        prev_prefix, prev_type = prefix, type_
    return result


def from_spans(entities: Sequence[Span], length: int, scheme: str) -> List[str]:
    """Tags of ``length`` tokens in ``scheme`` for non-overlapping ``(type, start, end)`` spans (end exclusive)."""
    _check_scheme(scheme)
    tags = ["O"] * length
    previous_end, previous_type = -1, None
    for type_, start, end in sorted(entities, key=lambda span: span[1]):
        if not 0 <= start < end <= length or start < previous_end:
            raise DataError(f"span {(type_, start, end)!r} is empty, overlaps another or lies outside 0..{length}")
        if scheme == "iob2":
            tags[start:end] = [f"B-{type_}"] + [f"I-{type_}"] * (end - start - 1)
        elif scheme == "iob1":
            first = "B" if (previous_end == start and previous_type == type_) else "I"
            tags[start:end] = [f"{first}-{type_}"] + [f"I-{type_}"] * (end - start - 1)
        elif end - start == 1:
            tags[start] = f"S-{type_}"
        else:
            tags[start:end] = [f"B-{type_}"] + [f"I-{type_}"] * (end - start - 2) + [f"E-{type_}"]
        previous_end, previous_type = end, type_
    return tags


def convert(tags: Sequence[str], source: str, target: str) -> List[str]:
    """Rewrite one sentence's tags from scheme ``source`` to ``target`` (through :func:`spans`).

    Tags whose prefix ``source`` does not use (``E-`` in IOB2, say) raise :class:`DataError`; sequences
    that are ill-formed but use the right prefixes are read as conlleval reads them, so converting
    IOB2 to IOB2 repairs an entity that starts with ``I-``.
    """
    _check_scheme(source)
    _check_scheme(target)
    for position, (prefix, _) in enumerate(_split_all(tags)):
        if prefix not in _SCHEME_PREFIXES[source]:
            raise TagError(position, f"tag {tags[position]!r} is not a {source} tag")
    return from_spans(spans(tags), len(tags), target)


# --- well-formedness: one set of rules for validate() and allowed_transitions() ---------------------------------------


def _may_start(prefix: str, scheme: str) -> bool:
    if scheme == "iob2":
        return prefix in ("B", "O")
    if scheme == "iob1":
        return prefix in ("I", "O")
    return prefix in ("B", "S", "O")


def _may_end(prefix: str, scheme: str) -> bool:
    return prefix in ("E", "S", "O") if scheme == "bioes" else True


def _may_follow(prev: Tuple[str, Optional[str]], cur: Tuple[str, Optional[str]], scheme: str) -> bool:
    (prev_prefix, prev_type), (prefix, type_) = prev, cur
    if scheme == "iob2":
        return prefix != "I" or (prev_prefix in ("B", "I") and prev_type == type_)
    if scheme == "iob1":
        return prefix != "B" or (prev_prefix in ("B", "I") and prev_type == type_)
    if prev_prefix in ("B", "I"):
        return prefix in ("I", "E") and prev_type == type_
    return prefix in ("B", "S", "O")


def validate(tags: Sequence[str], scheme: str) -> bool:
    """``True`` when ``tags`` is a well-formed sentence in ``scheme``; otherwise :class:`DataError` naming the position.

    Well-formed means: only the scheme's prefixes, and only the moves :func:`allowed_transitions` allows.
    """
    _check_scheme(scheme)
    parts = _split_all(tags)
    for position, (prefix, _) in enumerate(parts):
        if prefix not in _SCHEME_PREFIXES[scheme]:
            raise TagError(position, f"tag {tags[position]!r} is not a {scheme} tag")
    if parts and not _may_start(parts[0][0], scheme):
        raise DataError(f"position 0: a {scheme} sentence cannot start with {tags[0]!r}")
    for position in range(1, len(parts)):
        if not _may_follow(parts[position - 1], parts[position], scheme):
            raise DataError(f"position {position}: {tags[position]!r} cannot follow {tags[position - 1]!r} in {scheme}")
    if parts and not _may_end(parts[-1][0], scheme):
        raise DataError(f"position {len(parts) - 1}: a {scheme} sentence cannot end with {tags[-1]!r}")
    return True


def allowed_transitions(tag_names: Sequence[str], scheme: str) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Constraint masks for a linear-chain CRF over the ``K`` tags ``tag_names`` in ``scheme``.

    Returns bool tensors ``allowed_start`` ``(K,)``, ``allowed_transitions`` ``(K, K)`` (``[i, j]``: tag ``j``
    may follow tag ``i``) and ``allowed_end`` ``(K,)``. A name that is not a tag of ``scheme`` (``"<pad>"``,
    or ``"E-PER"`` under IOB2) is forbidden everywhere: as start, end, and either side of a transition.
    """
    _check_scheme(scheme)
    parts: List[Optional[Tuple[str, Optional[str]]]] = []
    for name in tag_names:
        try:
            part = split_tag(name)
        except DataError:
            part = None
        parts.append(part if part is not None and part[0] in _SCHEME_PREFIXES[scheme] else None)
    size = len(parts)
    start = torch.tensor([p is not None and _may_start(p[0], scheme) for p in parts], dtype=torch.bool)
    end = torch.tensor([p is not None and _may_end(p[0], scheme) for p in parts], dtype=torch.bool)
    moves = torch.zeros(size, size, dtype=torch.bool)
    for i, prev in enumerate(parts):
        for j, cur in enumerate(parts):
            moves[i, j] = prev is not None and cur is not None and _may_follow(prev, cur, scheme)
    return start.reshape(size), moves, end.reshape(size)
