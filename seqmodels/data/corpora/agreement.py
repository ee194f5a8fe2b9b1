"""A seeded generator of subject-verb agreement across a clause of a chosen length (many-to-one).

Each example is the start of a sentence whose verb must agree with a subject ``distance`` words back::

    the cat , which already ate a lot of food in the kitchen yesterday ,     -> was
    the children , which quietly slept near the old stove ,                  -> were

(the full sentences are "..., was full ." / "..., were full ."). The model reads the TEXT, everything up to
and including the comma before the verb, and predicts the verb: the LABEL ``"was"`` or ``"were"``. Only the
subject noun tells singular from plural; the clause between is built from :data:`CLAUSE_PHRASES`, phrases
of neutral words (no verb that agrees with the subject, no plural noun, none of the subject nouns), drawn
at random and cut to exactly ``distance`` words, so the number must be remembered across it.

The text is ``distance + 5`` tokens: "the", the noun, ",", "which", the clause, ",". Labels are balanced
(half singular, the odd one out plural), in shuffled order; deterministic for a given seed.
"""

from __future__ import annotations

import random
from typing import List, Sequence, Tuple

from seqmodels.data.corpora.labelled_text import LabelledText
from seqmodels.errors import ConfigError

SINGULAR, PLURAL = "was", "were"
LABELS = (SINGULAR, PLURAL)

# (singular, plural): regular and irregular plurals, so the "-s" ending alone is not the answer.
NOUNS: Tuple[Tuple[str, str], ...] = (
    ("cat", "cats"), ("dog", "dogs"), ("child", "children"), ("man", "men"), ("woman", "women"),
    ("mouse", "mice"), ("goose", "geese"), ("fox", "foxes"), ("bird", "birds"), ("horse", "horses"),
    ("puppy", "puppies"), ("person", "people"), ("ox", "oxen"),
)

# Neutral phrases: past tenses that do not agree in number, singular nouns, adverbs, articles, prepositions.
CLAUSE_PHRASES: Tuple[str, ...] = (
    "already ate a lot of food", "in the kitchen", "yesterday", "quietly slept", "near the old stove",
    "after breakfast", "on a sunny morning", "with great care", "by the window", "before noon",
    "under the big table", "then", "ran across the garden", "last winter", "once", "again",
    "found a piece of bread", "at the farm", "in the rain", "suddenly", "jumped over the fence",
    "without a sound", "during the storm", "looked at the moon", "behind the barn", "very slowly",
    "early", "chased a ball", "in the yard", "after lunch", "near the river", "happily",
)
CLAUSE_WORDS: Tuple[str, ...] = tuple(dict.fromkeys(word for phrase in CLAUSE_PHRASES for word in phrase.split()))
# words that would give the number away; none of them may occur in a clause
NUMBER_CUES = frozenset({"was", "were", "is", "are", "has", "have", "does", "do", "its", "their", "they", "it",
                         "he", "she", "them", "these", "those", "this", "that", "many", "several", "few", "one"}
                        | {noun for pair in NOUNS for noun in pair})
assert not NUMBER_CUES & set(CLAUSE_WORDS)


def clause(rng: random.Random, distance: int) -> List[str]:
    """Exactly ``distance`` neutral words: random phrases joined, the last one cut."""
    words: List[str] = []
    while len(words) < distance:
        words.extend(rng.choice(CLAUSE_PHRASES).split())
    return words[:distance]


def full_sentence(example: LabelledText) -> str:
    """The whole sentence of an example: its text, the verb (its label), "full ."."""
    return f"{example.text} {example.label} full ."


def generate(num_examples: int, distance: int, seed: int,
             nouns: Sequence[Tuple[str, str]] = NOUNS) -> List[LabelledText]:
    """``num_examples`` texts "the <noun> , which <``distance`` words> ," labelled "was" or "were" (see the
    module docstring), deterministic for ``seed``. Raises ``ConfigError`` naming ``data.distance`` for a
    distance below 1, and for a negative count or no nouns."""
    if isinstance(distance, bool) or not isinstance(distance, int) or distance < 1:
        raise ConfigError(f"data.distance={distance!r}: the clause between subject and verb needs at least 1 word")
    if num_examples < 0:
        raise ConfigError(f"agreement: num_examples={num_examples} must be >= 0")
    if not nouns:
        raise ConfigError("agreement: nouns is empty; give (singular, plural) pairs")
    rng = random.Random(seed)
    plural = [number % 2 == 1 for number in range(num_examples)]
    rng.shuffle(plural)
    out = []
    for is_plural in plural:
        noun = rng.choice(nouns)[1 if is_plural else 0]
        text = " ".join(["the", noun, ",", "which", *clause(rng, distance), ","])
        out.append(LabelledText(text, PLURAL if is_plural else SINGULAR))
    return out
