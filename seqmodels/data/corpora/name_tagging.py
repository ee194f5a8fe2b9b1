"""An embedded, seeded generator of name-tagging sentences (no download), for examples and tests.

In the spirit of the course example "Harry Potter and Hermione Granger invented a new spell.", where
y = 1 1 0 1 1 0 0 0 0 marks the words that are part of a name. Here the tags are IOB2 with three types,
``PER`` (people), ``LOC`` (cities and countries) and ``ORG`` (organisations): ``B-X`` starts a name of type X,
``I-X`` continues it, ``O`` is outside any name. Sentences come from templates with slots ("{PER} works for
{ORG}.") filled from the name lists below, some names spanning several tokens ("New York", "Red Cross Society").

Context matters: the words of ``AMBIGUOUS_WORDS`` are names of more than one type, or a name and an ordinary
word ("Jordan" the person and the country, "Washington" the surname and the city, "May" the first name and the
month), so only the words around them tell the tag. Some sentences hold no name at all.
"""

from __future__ import annotations

import random
import re
from typing import Dict, List, Optional, Sequence, Set, Tuple

from seqmodels.data.corpora.conll import TaggedSentence, tokenize
from seqmodels.errors import ConfigError

# The course example; the course counts "spell." as one token (9 tags), our tokeniser splits off the full stop.
COURSE_EXAMPLE = TaggedSentence(
    tokens=("Harry", "Potter", "and", "Hermione", "Granger", "invented", "a", "new", "spell", "."),
    tags=("B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "O", "O", "O", "O"),
)

ENTITY_TYPES = ("PER", "LOC", "ORG")
# Names of more than one type (or a name and an ordinary word); drawn more often than the others.
AMBIGUOUS_WORDS = ("Jordan", "Washington", "Paris", "Florence", "Georgia", "Ford", "Chelsea", "May")
AMBIGUOUS_RATE = 0.25

FIRST_NAMES = (
    "Harry", "Hermione", "Ron", "Ginny", "Albus", "Luna", "Neville", "Anna", "Maria", "John", "James", "Sarah",
    "David", "Emma", "Peter", "Olivia", "Thomas", "Laura", "Michael", "Sofia", "Daniel", "Grace", "Samuel", "Clara",
    "Lucas", "Nina", "Omar", "Priya", "Kenji", "Fatima", "Jordan", "Paris", "Florence", "Georgia", "Chelsea", "May",
)
SURNAMES = (
    "Potter", "Granger", "Weasley", "Lovegood", "Longbottom", "Smith", "Johnson", "Brown", "Miller", "Garcia",
    "Martin", "Novak", "Schmidt", "Rossi", "Dubois", "Kowalski", "Tanaka", "Okafor", "Patel", "Nguyen", "Larsen",
    "Moreau", "Fischer", "Silva", "Evans", "Walker", "Hughes", "Baker", "Jordan", "Washington", "Ford",
)
CITIES = (
    "London", "Berlin", "Madrid", "Rome", "Vienna", "Lisbon", "Dublin", "Oslo", "Prague", "Cairo", "Nairobi",
    "Lagos", "Tokyo", "Osaka", "Delhi", "Mumbai", "Sydney", "Toronto", "Chicago", "Boston", "Lima", "New York",
    "Los Angeles", "San Francisco", "Rio de Janeiro", "Buenos Aires", "Hong Kong", "Cape Town", "Kuala Lumpur",
    "Paris", "Washington", "Florence",
)
COUNTRIES = (
    "France", "Germany", "Spain", "Italy", "Portugal", "Ireland", "Norway", "Egypt", "Kenya", "Nigeria", "Japan",
    "India", "Brazil", "Canada", "Peru", "Mexico", "Chile", "Poland", "United Kingdom", "United States",
    "South Africa", "New Zealand", "Costa Rica", "Sri Lanka", "Jordan", "Georgia",
)
ORGANISATIONS = (
    "Red Cross Society", "United Nations", "World Health Organization", "Acme Corporation", "Globex", "Initech",
    "Northwind Traders", "Blue Harbor Bank", "Orion Labs", "Stellar Airlines", "Greenfield University",
    "Daily Planet", "Sunrise Bakery", "Atlas Shipping", "Pioneer Motors", "Silverline Media", "Crescent Insurance",
    "Evergreen Foundation", "Quantum Dynamics", "Hogwarts School", "Ministry of Magic", "Gringotts Bank",
    "University of Toronto", "Bank of Lisbon", "Ford", "Chelsea",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)

# slot -> (the lists it draws from, the entity type it tags; None tags O)
SLOTS: Dict[str, Tuple[Tuple[Sequence[str], ...], Optional[str]]] = {
    "PER": ((FIRST_NAMES, SURNAMES), "PER"),  # a full name, first name and surname
    "FIRST": ((FIRST_NAMES,), "PER"),
    "LAST": ((SURNAMES,), "PER"),
    "CITY": ((CITIES,), "LOC"),
    "COUNTRY": ((COUNTRIES,), "LOC"),
    "ORG": ((ORGANISATIONS,), "ORG"),
    "MONTH": ((MONTHS,), None),
}

TEMPLATES = (
    "{PER} and {PER} invented a new spell.",
    "{PER} works for {ORG}.",
    "{PER} was born in {CITY}.",
    "{ORG} opened an office in {CITY}.",
    "{FIRST} flew from {CITY} to {CITY} on Monday.",
    "{PER} moved to {COUNTRY} in {MONTH}.",
    "The president of {COUNTRY} met {PER} in {CITY}.",
    "{ORG} hired {FIRST} as a consultant.",
    "Professor {LAST} teaches history at {ORG}.",
    "{PER} joined {ORG} last year.",
    "According to {ORG}, prices in {COUNTRY} rose again.",
    "{LAST} said the talks in {CITY} went well.",
    "{ORG} sued {ORG} over a patent.",
    "{FIRST} lives in {CITY}, near the river.",
    "{ORG} signed a new striker from {COUNTRY}.",
    "Doctor {LAST} travelled to {COUNTRY} with {ORG}.",
    "{PER} is the new head of {ORG} in {COUNTRY}.",
    "We spent a week in {CITY} in {MONTH}.",
    "{FIRST} told {FIRST} about the trip to {COUNTRY}.",
    "Shares of {ORG} fell after the report.",
    "{ORG} is based in {CITY}, {COUNTRY}.",
    "Dear {FIRST}, thank you for your letter.",
    "{PER} wrote a book about {COUNTRY}.",
    "Flights between {CITY} and {CITY} were cancelled.",
    "{FIRST} said that {ORG} will build a factory near {CITY}.",
    "The embassy of {COUNTRY} in {CITY} is closed today.",
    "{LAST} scored twice for {ORG}.",
    "The meeting was moved to {MONTH}.",
    "{FIRST} visited {COUNTRY} for the first time in {MONTH}.",
    "The weather was cold and wet all week.",
    "Nobody knew how the new spell worked.",
    "She bought a new car and drove it home.",
    "Prices rose again this year.",
    "They invented a new game in the summer.",
)
_SLOT = re.compile(r"\{(\w+)\}")


def generate(num_sentences: int, seed: int) -> List[TaggedSentence]:
    """``num_sentences`` tagged sentences drawn from the templates; the same ``seed`` gives the same sentences."""
    if num_sentences < 0:
        raise ConfigError(f"num_sentences={num_sentences}: the number of sentences cannot be negative")
    rng = random.Random(seed)
    return [_fill(rng.choice(TEMPLATES), rng) for _ in range(num_sentences)]


def _fill(template: str, rng: random.Random) -> TaggedSentence:
    """The template with each slot filled by a name (a different one for each slot of the sentence)."""
    tokens: List[str] = []
    tags: List[str] = []
    used: Set[str] = set()
    for index, part in enumerate(_SLOT.split(template)):
        if index % 2 == 0:  # text between slots
            words = tokenize(part)
            tokens.extend(words)
            tags.extend("O" for _ in words)
            continue
        lists, entity_type = SLOTS[part]
        words = [word for names in lists for word in _draw(names, rng, used).split()]
        tokens.extend(words)
        if entity_type is None:
            tags.extend("O" for _ in words)
        else:
            tags.extend([f"B-{entity_type}"] + [f"I-{entity_type}"] * (len(words) - 1))
    return TaggedSentence(tuple(tokens), tuple(tags))


def _draw(names: Sequence[str], rng: random.Random, used: Set[str]) -> str:
    """A name of ``names`` not in ``used`` (ambiguous ones drawn more often), added to ``used``."""
    ambiguous = [name for name in names if name in AMBIGUOUS_WORDS]
    name = names[0]
    for _ in range(20):
        pool = ambiguous if ambiguous and rng.random() < AMBIGUOUS_RATE else names
        name = rng.choice(pool)
        if name not in used:
            break
    used.add(name)
    return name
