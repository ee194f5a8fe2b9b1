"""A seeded generator of short restaurant reviews with binary sentiment, built so that word order matters.

Labels are ``"1"`` (positive) and ``"0"`` (negative). Four kinds of review:

``plain``
    "The food was really great." / "The staff were rude and the prices were awful." (one or two clauses of
    the same polarity: the words alone decide).
``negation``
    "The food was not good." (0), "The music was never bad." (1): ``not``/``never`` flip the adjective. A
    linear bag-of-words model cannot fit this (it is an exclusive or of the negator and the adjective).
``contrast``
    "The service was slow but the food was great." (1) and "The food was great but the service was slow."
    (0): the clause after "but" decides. Contrast reviews are generated in such swapped pairs, so the
    *same multiset of words* occurs with both labels: no order-invariant model can get both right.
``lacking``
    The course's example, "Completely lacking in good taste, good service, and good ambiance." (0, though
    "good" occurs three times), and the positive "Never lacking in good food, good music, and good value." (1).

:func:`generate_with_kinds` returns each review with its kind, so accuracy can be measured per kind;
:func:`generate` returns the reviews alone. Both are deterministic for a given seed.
"""

from __future__ import annotations

import random
from typing import Dict, List, Sequence, Tuple

from seqmodels.data.corpora.labelled_text import LabelledText
from seqmodels.errors import ConfigError

POSITIVE, NEGATIVE = "1", "0"
KINDS = ("plain", "negation", "contrast", "lacking")

COURSE_EXAMPLE = LabelledText("Completely lacking in good taste, good service, and good ambiance.", NEGATIVE)

# Aspect -> its verb, and adjectives that fit only that aspect (positive, negative), used beside the generic ones.
ASPECTS: Dict[str, Tuple[str, Tuple[str, ...], Tuple[str, ...]]] = {
    "food": ("was", ("delicious", "tasty", "fresh"), ("bland", "cold", "greasy")),
    "service": ("was", ("fast", "attentive", "friendly"), ("slow", "sloppy", "rude")),
    "staff": ("were", ("friendly", "helpful", "attentive"), ("rude", "unhelpful", "careless")),
    "music": ("was", ("relaxing", "lively"), ("loud", "annoying")),
    "prices": ("were", ("fair", "reasonable", "low"), ("high", "steep", "outrageous")),
    "ambiance": ("was", ("cosy", "charming", "relaxing"), ("dull", "gloomy", "noisy")),
    "portions": ("were", ("generous", "huge"), ("tiny", "stingy")),
    "wine": ("was", ("delicious", "superb"), ("sour", "overpriced")),
    "dessert": ("was", ("delicious", "fresh"), ("stale", "soggy")),
    "coffee": ("was", ("strong", "fresh", "hot"), ("weak", "bitter", "cold")),
    "waiter": ("was", ("friendly", "helpful", "polite"), ("rude", "careless", "grumpy")),
    "decor": ("was", ("elegant", "charming", "stylish"), ("shabby", "tacky", "dated")),
}
GENERIC_POSITIVE = ("good", "great", "excellent", "wonderful", "superb", "fantastic", "amazing", "lovely")
GENERIC_NEGATIVE = ("bad", "terrible", "awful", "poor", "dreadful", "horrible", "disappointing", "mediocre")
INTENSIFIERS = ("", "", "", "really", "very", "quite", "truly", "incredibly", "so")
NEGATORS = ("not", "never")
# "Lacking in good X, good Y, and good Z": things a restaurant should have.
LACKING_NOUNS = ("taste", "service", "ambiance", "food", "music", "value", "atmosphere", "flavour", "manners")
LACKING_LEADS_NEGATIVE = ("Completely", "Totally", "Utterly", "Sadly", "Entirely")
LACKING_LEADS_POSITIVE = ("Never",)


def generate(num_examples: int, seed: int, kinds: Sequence[str] = KINDS) -> List[LabelledText]:
    """``num_examples`` reviews of the given ``kinds`` (see the module docstring), deterministic for ``seed``."""
    return [example for example, _ in generate_with_kinds(num_examples, seed, kinds)]


def generate_with_kinds(num_examples: int, seed: int, kinds: Sequence[str] = KINDS) -> List[Tuple[LabelledText, str]]:
    """``num_examples`` ``(review, kind)`` pairs, deterministic for ``seed``, in shuffled order.

    The kinds share the examples equally (the first kinds get one more when the count does not divide);
    within a kind, about half the labels are positive. Contrast reviews come in swapped pairs ("X but Y" and
    "Y but X", opposite labels), one left unpaired when the contrast count is odd. Raises ``ConfigError`` for a
    negative count, an empty ``kinds`` or an unknown kind.
    """
    if num_examples < 0:
        raise ConfigError(f"reviews: num_examples={num_examples} must be >= 0")
    unknown = [kind for kind in kinds if kind not in KINDS]
    if not kinds or unknown:
        raise ConfigError(f"reviews: kinds={list(kinds)!r}; choose one or more of {list(KINDS)}")
    kinds = list(dict.fromkeys(kinds))
    rng = random.Random(seed)
    out: List[Tuple[LabelledText, str]] = []
    for position, kind in enumerate(kinds):
        count = num_examples // len(kinds) + (position < num_examples % len(kinds))
        if kind == "contrast":
            for start in range(0, count, 2):
                pair = _contrast_pair(rng)
                out.extend((example, kind) for example in pair[: count - start])
        else:
            make = {"plain": _plain, "negation": _negation, "lacking": _lacking}[kind]
            out.extend((make(rng, rng.random() < 0.5), kind) for _ in range(count))
    rng.shuffle(out)
    return out


def _adjective(rng: random.Random, aspect: str, positive: bool) -> str:
    """A positive or negative adjective for ``aspect``: a generic one or one specific to the aspect."""
    specific = ASPECTS[aspect][1 if positive else 2]
    generic = GENERIC_POSITIVE if positive else GENERIC_NEGATIVE
    return rng.choice(specific + generic)


def _clause(rng: random.Random, aspect: str, positive: bool) -> str:
    """A clause like "the food was (really) great"."""
    verb = ASPECTS[aspect][0]
    intensifier = rng.choice(INTENSIFIERS)
    return " ".join(word for word in ("the", aspect, verb, intensifier, _adjective(rng, aspect, positive)) if word)


def _sentence(text: str, label: str) -> LabelledText:
    """Capitalise, add the full stop."""
    return LabelledText(text[0].upper() + text[1:] + ".", label)


def _plain(rng: random.Random, positive: bool) -> LabelledText:
    """One clause, or two of the same polarity joined by "and"."""
    first, second = rng.sample(sorted(ASPECTS), 2)
    text = _clause(rng, first, positive)
    if rng.random() < 0.5:
        text += " and " + _clause(rng, second, positive)
    return _sentence(text, POSITIVE if positive else NEGATIVE)


def _negation(rng: random.Random, positive: bool) -> LabelledText:
    """A review like "the food was not good" (negative): the negated adjective has the label's opposite polarity."""
    aspect = rng.choice(sorted(ASPECTS))
    text = f"the {aspect} {ASPECTS[aspect][0]} {rng.choice(NEGATORS)} {_adjective(rng, aspect, not positive)}"
    return _sentence(text, POSITIVE if positive else NEGATIVE)


def _contrast_pair(rng: random.Random) -> List[LabelledText]:
    """The reviews "X but Y" and "Y but X", X and Y of opposite polarity; the clause after "but" gives the label."""
    first, second = rng.sample(sorted(ASPECTS), 2)
    positive_first = rng.random() < 0.5
    x = _clause(rng, first, positive_first)
    y = _clause(rng, second, not positive_first)
    label_y, label_x = (NEGATIVE, POSITIVE) if positive_first else (POSITIVE, NEGATIVE)
    return [_sentence(f"{x} but {y}", label_y), _sentence(f"{y} but {x}", label_x)]


def _lacking(rng: random.Random, positive: bool) -> LabelledText:
    """A review like "Completely lacking in good taste, good service, and good ambiance." (negative), or
    "Never lacking in ..." (positive): three positive words, whose sentiment the lead word decides."""
    lead = rng.choice(LACKING_LEADS_POSITIVE if positive else LACKING_LEADS_NEGATIVE)
    adjective = rng.choice(("good", "good", "great", "fine"))
    a, b, c = rng.sample(LACKING_NOUNS, 3)
    text = f"{lead} lacking in {adjective} {a}, {adjective} {b}, and {adjective} {c}."
    return LabelledText(text, POSITIVE if positive else NEGATIVE)
