import itertools
import random

import pytest
import torch

from seqmodels.data.encoding.tag_schemes import (
    SCHEMES,
    TagError,
    allowed_transitions,
    convert,
    detect_scheme,
    entity_type,
    from_spans,
    spans,
    split_tag,
    validate,
)
from seqmodels.errors import DataError

TYPES = ("PER", "LOC")
SCHEME_PREFIXES = {"iob1": "BI", "iob2": "BI", "bioes": "BIES"}


def tag_set(scheme: str, types=TYPES) -> list:
    return ["O"] + [f"{prefix}-{t}" for t in types for prefix in SCHEME_PREFIXES[scheme]]


def random_spans(rng: random.Random, length: int) -> list:
    """Non-overlapping spans, often adjacent and of the same type (the case IOB1's B- is for)."""
    result, position = [], rng.randrange(0, 3)
    while position < length:
        end = min(length, position + rng.randint(1, 4))
        result.append((rng.choice(TYPES), position, end))
        position = end + rng.choice((0, 0, 1, 2))
    return result


# --- split_tag / entity_type ------------------------------------------------------------------------------------------


def test_split_tag_and_entity_type() -> None:
    assert split_tag("O") == ("O", None)
    assert split_tag("B-PER") == ("B", "PER")
    assert split_tag("S-ORG-X") == ("S", "ORG-X")  # the type is everything after the first dash
    assert entity_type("I-LOC") == "LOC"
    assert entity_type("O") is None


@pytest.mark.parametrize("tag", ["PER", "X-PER", "B-", "B", "", "o", "O-PER", "b-PER", "-PER"])
def test_malformed_tags_are_data_errors_naming_the_tag(tag: str) -> None:
    with pytest.raises(DataError, match=repr(tag).replace("-", r"\-")):
        split_tag(tag)
    with pytest.raises(DataError):
        entity_type(tag)


def test_spans_names_the_position_of_a_malformed_tag() -> None:
    with pytest.raises(DataError, match=r"position 2: malformed tag 'PER'"):
        spans(["B-PER", "I-PER", "PER"])


# --- spans: conlleval chunk rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags, expected",
    [
        # IOB1: entities start with I-; B- only separates two adjacent entities of the same type
        (["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"],
         [("PER", 0, 2), ("PER", 2, 3), ("LOC", 4, 5), ("ORG", 5, 6)]),
        (["I-LOC", "B-LOC", "I-LOC", "O"], [("LOC", 0, 1), ("LOC", 1, 3)]),
        (["O", "I-MISC"], [("MISC", 1, 2)]),
        # IOB2
        (["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"], [("PER", 0, 2), ("LOC", 3, 4), ("LOC", 4, 6)]),
        (["B-PER", "B-LOC", "I-LOC", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 4)]),
        # BIOES
        (["S-PER", "B-LOC", "I-LOC", "E-LOC", "O", "B-ORG", "E-ORG", "S-ORG"],
         [("PER", 0, 1), ("LOC", 1, 4), ("ORG", 5, 7), ("ORG", 7, 8)]),
        (["S-PER", "S-PER"], [("PER", 0, 1), ("PER", 1, 2)]),
        (["B-PER", "E-PER", "B-PER", "E-PER"], [("PER", 0, 2), ("PER", 2, 4)]),
        # nothing
        ([], []),
        (["O", "O"], []),
    ],
)
def test_spans_of_well_formed_sequences(tags, expected) -> None:
    assert spans(tags) == expected


@pytest.mark.parametrize(
    "tags, expected",
    [
        (["B-LOC", "I-PER", "I-PER"], [("LOC", 0, 1), ("PER", 1, 3)]),  # I- of another type starts an entity
        (["I-PER", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 2)]),
        (["O", "E-PER"], [("PER", 1, 2)]),  # E- without B- is an entity of its own
        (["I-PER", "E-PER"], [("PER", 0, 2)]),  # ... but continues an I- of its type
        (["E-PER", "E-PER"], [("PER", 0, 1), ("PER", 1, 2)]),
        (["E-PER", "I-PER", "I-PER"], [("PER", 0, 1), ("PER", 1, 3)]),  # E- always ends
        (["B-PER", "I-PER"], [("PER", 0, 2)]),  # BIOES entity never closed: ends with the sentence
        (["B-PER", "S-PER"], [("PER", 0, 1), ("PER", 1, 2)]),  # S- always starts and ends one
        (["S-PER", "I-PER", "E-PER"], [("PER", 0, 1), ("PER", 1, 3)]),
        (["B-PER", "E-LOC"], [("PER", 0, 1), ("LOC", 1, 2)]),
        (["B-PER", "I-PER", "B-PER"], [("PER", 0, 2), ("PER", 2, 3)]),  # B- always starts one
        (["I-PER", "O", "I-PER"], [("PER", 0, 1), ("PER", 2, 3)]),
    ],
)
def test_spans_of_ill_formed_sequences_follow_conlleval(tags, expected) -> None:
    assert spans(tags) == expected


def test_every_entity_token_is_in_exactly_one_span() -> None:
    rng = random.Random(1)
    tags = ["O"] + [f"{p}-{t}" for p in "BIES" for t in TYPES]
    for _ in range(300):
        sequence = [rng.choice(tags) for _ in range(rng.randint(0, 10))]
        covered = [i for _, start, end in spans(sequence) for i in range(start, end)]
        assert covered == [i for i, tag in enumerate(sequence) if tag != "O"]
        for type_, start, end in spans(sequence):
            assert {entity_type(tag) for tag in sequence[start:end]} == {type_}


# --- conversion -------------------------------------------------------------------------------------------------------


def test_from_spans_by_hand() -> None:
    entities = [("PER", 0, 2), ("PER", 2, 3), ("LOC", 4, 5), ("LOC", 5, 7)]
    assert from_spans(entities, 8, "iob1") == ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "B-LOC", "I-LOC", "O"]
    assert from_spans(entities, 8, "iob2") == ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-LOC", "I-LOC", "O"]
    assert from_spans(entities, 8, "bioes") == ["B-PER", "E-PER", "S-PER", "O", "S-LOC", "B-LOC", "E-LOC", "O"]
    with pytest.raises(DataError, match="overlaps"):
        from_spans([("PER", 0, 2), ("LOC", 1, 3)], 4, "iob2")


def test_convert_by_hand() -> None:
    iob1 = ["I-PER", "B-PER", "O", "I-LOC", "I-LOC", "I-PER"]
    assert convert(iob1, "iob1", "iob2") == ["B-PER", "B-PER", "O", "B-LOC", "I-LOC", "B-PER"]
    assert convert(iob1, "iob1", "bioes") == ["S-PER", "S-PER", "O", "B-LOC", "E-LOC", "S-PER"]
    assert convert(["B-PER", "E-PER", "S-PER"], "bioes", "iob1") == ["I-PER", "I-PER", "B-PER"]


def test_conversion_round_trips_on_random_well_formed_sequences() -> None:
    rng = random.Random(0)
    for _ in range(300):
        length = rng.randint(0, 12)
        entities = random_spans(rng, length)
        rendered = {scheme: from_spans(entities, length, scheme) for scheme in SCHEMES}
        for source, target in itertools.product(SCHEMES, SCHEMES):
            assert validate(rendered[source], source)
            assert spans(rendered[source]) == entities
            assert convert(rendered[source], source, target) == rendered[target], (source, target, rendered)


def test_convert_repairs_ill_formed_iob2() -> None:
    assert convert(["I-PER", "I-PER", "O", "B-LOC", "I-PER"], "iob2", "iob2") == ["B-PER", "I-PER", "O", "B-LOC",
                                                                                  "B-PER"]


def test_convert_rejects_unknown_schemes_and_foreign_prefixes() -> None:
    with pytest.raises(ValueError, match="iob1, iob2, bioes"):
        convert(["O"], "bio", "iob2")
    with pytest.raises(ValueError, match="'IOB2'"):
        convert(["O"], "iob1", "IOB2")
    with pytest.raises(DataError, match=r"position 1: tag 'E-PER' is not a iob2 tag"):
        convert(["B-PER", "E-PER"], "iob2", "bioes")


# --- validate ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags, scheme, message",
    [
        (["O", "I-PER"], "iob2", r"position 1: 'I-PER' cannot follow 'O'"),
        (["B-LOC", "I-PER"], "iob2", r"position 1: 'I-PER' cannot follow 'B-LOC'"),
        (["I-PER"], "iob2", r"position 0: a iob2 sentence cannot start with 'I-PER'"),
        (["B-PER"], "iob1", r"position 0: a iob1 sentence cannot start with 'B-PER'"),
        (["I-LOC", "B-PER"], "iob1", r"position 1: 'B-PER' cannot follow 'I-LOC'"),
        (["O", "B-PER"], "iob1", r"position 1"),
        (["B-PER", "O"], "bioes", r"position 1: 'O' cannot follow 'B-PER'"),
        (["B-PER", "I-PER"], "bioes", r"position 1: a bioes sentence cannot end with 'I-PER'"),
        (["E-PER"], "bioes", r"position 0: a bioes sentence cannot start"),
        (["S-PER"], "iob2", r"position 0: tag 'S-PER' is not a iob2 tag"),
        (["O", "B-"], "iob2", r"position 1: malformed tag 'B-'"),
    ],
)
def test_validate_names_the_offending_position(tags, scheme, message) -> None:
    with pytest.raises(DataError, match=message):
        validate(tags, scheme)


def test_validate_accepts_well_formed_sequences() -> None:
    assert validate(["I-PER", "B-PER", "O", "I-LOC", "I-PER"], "iob1")
    assert validate(["B-PER", "B-PER", "I-PER", "O"], "iob2")
    assert validate(["S-PER", "B-LOC", "I-LOC", "E-LOC", "O"], "bioes")
    assert validate([], "bioes")


# --- allowed_transitions ----------------------------------------------------------------------------------------------


def masks_allow(sequence, names, masks) -> bool:
    start, moves, end = masks
    index = [names.index(tag) for tag in sequence]
    if not index:
        return True
    return bool(start[index[0]] and end[index[-1]] and all(moves[i, j] for i, j in zip(index, index[1:])))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_allowed_transitions_shapes_and_padding(scheme: str) -> None:
    names = ["<pad>"] + tag_set(scheme) + ["<unk>"]
    start, moves, end = allowed_transitions(names, scheme)
    assert start.dtype == moves.dtype == end.dtype == torch.bool
    assert start.shape == end.shape == (len(names),) and moves.shape == (len(names), len(names))
    for k in (0, len(names) - 1):
        assert not start[k] and not end[k] and not moves[k].any() and not moves[:, k].any()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_random_well_formed_sequences_use_only_allowed_moves(scheme: str) -> None:
    rng = random.Random(2)
    names = tag_set(scheme, TYPES) + ["<pad>"]
    masks = allowed_transitions(names, scheme)
    for _ in range(300):
        length = rng.randint(1, 12)
        assert masks_allow(from_spans(random_spans(rng, length), length, scheme), names, masks)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_masks_allow_exactly_the_well_formed_sequences(scheme: str) -> None:
    # well-formed in a scheme <=> the scheme's own rendering of the sequence's spans is the sequence itself
    names = tag_set(scheme)
    masks = allowed_transitions(names, scheme)
    for length in range(1, 4 if scheme == "bioes" else 5):
        for sequence in itertools.product(names, repeat=length):
            canonical = from_spans(spans(sequence), length, scheme) == list(sequence)
            assert masks_allow(sequence, names, masks) == canonical, sequence
            if not canonical:
                with pytest.raises(DataError):
                    validate(sequence, scheme)


@pytest.mark.parametrize(
    "scheme, allowed, forbidden",
    [
        ("iob2", [("B-PER", "I-PER"), ("I-PER", "I-PER"), ("O", "B-PER"), ("I-LOC", "B-PER")],
         [("O", "I-PER"), ("B-LOC", "I-PER"), ("I-LOC", "I-PER")]),
        ("iob1", [("I-PER", "B-PER"), ("B-PER", "B-PER"), ("O", "I-PER"), ("I-LOC", "I-PER")],
         [("O", "B-PER"), ("I-LOC", "B-PER"), ("B-LOC", "B-PER")]),
        ("bioes", [("B-PER", "I-PER"), ("B-PER", "E-PER"), ("I-PER", "E-PER"), ("E-PER", "B-LOC"), ("S-PER", "O"),
                   ("O", "S-LOC"), ("E-PER", "S-PER")],
         [("B-PER", "O"), ("B-PER", "B-PER"), ("I-PER", "E-LOC"), ("E-PER", "I-PER"), ("O", "E-PER"),
          ("S-PER", "I-PER"), ("B-PER", "S-PER")]),
    ],
)
def test_known_moves(scheme, allowed, forbidden) -> None:
    names = tag_set(scheme)
    _, moves, _ = allowed_transitions(names, scheme)
    for prev, cur in allowed:
        assert moves[names.index(prev), names.index(cur)], (prev, cur)
    for prev, cur in forbidden:
        assert not moves[names.index(prev), names.index(cur)], (prev, cur)


def test_known_starts_and_ends() -> None:
    def allowed_set(scheme, which):
        names = tag_set(scheme)
        mask = allowed_transitions(names, scheme)[which]
        return {name for name, ok in zip(names, mask) if ok}

    assert allowed_set("iob2", 0) == {"O", "B-PER", "B-LOC"}
    assert allowed_set("iob1", 0) == {"O", "I-PER", "I-LOC"}
    assert allowed_set("bioes", 0) == {"O", "B-PER", "B-LOC", "S-PER", "S-LOC"}
    assert allowed_set("bioes", 2) == {"O", "E-PER", "E-LOC", "S-PER", "S-LOC"}
    assert allowed_set("iob2", 2) == set(tag_set("iob2"))


def test_allowed_transitions_forbids_tags_foreign_to_the_scheme() -> None:
    names = ["O", "B-PER", "I-PER", "E-PER", "S-PER"]
    start, moves, end = allowed_transitions(names, "iob2")
    assert not start[3:].any() and not end[3:].any() and not moves[3:].any() and not moves[:, 3:].any()
    with pytest.raises(ValueError, match="iob1, iob2, bioes"):
        allowed_transitions(names, "bilou")


@pytest.mark.parametrize("sentences, scheme", [
    ([["I-PER", "I-PER", "O", "I-LOC"]], "iob1"),
    ([["B-PER", "I-PER", "O"], ["I-LOC"]], "iob1"),          # one entity that starts with I- decides
    ([["I-PER", "B-PER", "O"]], "iob1"),
    ([["B-PER", "I-PER", "O", "B-LOC"]], "iob2"),
    ([["B-PER", "E-PER", "S-LOC"]], "bioes"),
    ([["S-LOC"]], "bioes"),
    ([["O", "O"], []], None),                                 # nothing tells
], ids=["iob1", "iob1-later", "iob1-b-after-same", "iob2", "bioes", "bioes-single", "all-o"])
def test_detect_scheme_reads_the_prefixes(sentences, scheme) -> None:
    assert detect_scheme(sentences) == scheme


@pytest.mark.parametrize("scheme", SCHEMES)
def test_detect_scheme_finds_the_scheme_convert_wrote(scheme) -> None:
    iob1 = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "O", "I-MISC"]
    assert detect_scheme([convert(iob1, "iob1", scheme)]) == scheme


def test_detect_scheme_names_a_malformed_tag() -> None:
    with pytest.raises(TagError, match="position 1"):
        detect_scheme([["O", "X-PER"]])
