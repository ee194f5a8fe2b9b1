"""A seeded generator of human-written dates paired with their ISO 8601 form: the classic attention demo's data.

Each :class:`DatePair` holds a ``source`` such as "the 3rd of March 1998", "Tue 17 Jun 2003", "1/2/99" or
"saturday, august 1 2015" and its ``target`` "1998-03-03" (``YYYY-MM-DD``), for a seq2seq model to translate.

Conventions, so that the target is a function of the source:

- Dates are drawn uniformly (every day equally likely) from 1930-01-01 to 2029-12-31.
- Numeric formats are always day/month/year (European): "1/2/99" is 1 February 1999, never 2 January.
- Two-digit years: 00-29 mean 2000-2029, 30-99 mean 1930-1999 (exactly the drawn range, so they are
  unambiguous). The two-digit formats refuse dates outside that range.
- Month and weekday names are English and written here (no locale-dependent ``strftime`` names); the weekday
  always matches the date.
- Each source is written in one of four cases, drawn from the generator: as written ("the 3rd of March
  1998"), lower case, upper case or title case ("The 3rd Of March 1998"; the ordinal suffix stays lower case
  except in upper case, "3RD"). Numeric formats read the same in every case.

The formats (:data:`FORMATS`), shown for Tuesday 3 March 1998 as written:

==========================  ============================
``ordinal_of``              the 3rd of March 1998
``weekday_abbr``            Tue 3 Mar 1998
``dmy_slash_short``         3/3/98
``month_day_comma``         March 3, 1998
``dmy_dot``                 03.03.1998
``day_mon_short``           3 Mar 98
``weekday_month_day``       Tuesday, March 3 1998
``dmy_slash``               03/03/1998
``day_month_year``          3 March 1998
``month_ordinal_comma``     March 3rd, 1998
``ordinal_month_year``      3rd March 1998
``mon_day_year``            Mar 3 1998
``day_mon_year_dash``       03-Mar-1998
``weekday_ordinal_of``      Tuesday the 3rd of March 1998
==========================  ============================
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

from seqmodels.errors import ConfigError

FIRST_DATE = datetime.date(1930, 1, 1)
LAST_DATE = datetime.date(2029, 12, 31)

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # date.weekday() order


@dataclass(frozen=True)
class DatePair:
    """A human-written date and its ISO form."""

    source: str  # the human-written date
    target: str  # ISO 8601, YYYY-MM-DD
    format: str  # the name of the format used (for per-format accuracy)


def ordinal(day: int) -> str:
    """``day`` with its English ordinal suffix: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 23rd, 31st."""
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{({1: 'st', 2: 'nd', 3: 'rd'}).get(day % 10, 'th')}"


def _two_digit_year(date: datetime.date) -> str:
    if not FIRST_DATE.year <= date.year <= LAST_DATE.year:
        raise ConfigError(f"dates: date={date.isoformat()} has no two-digit year; two-digit formats need "
                          f"{FIRST_DATE.year}-{LAST_DATE.year} (00-29 -> 2000s, 30-99 -> 1900s)")
    return f"{date.year % 100:02d}"


def _month(date: datetime.date) -> str:
    return MONTHS[date.month - 1]


def _weekday(date: datetime.date) -> str:
    return WEEKDAYS[date.weekday()]


_FORMATTERS: Dict[str, Callable[[datetime.date], str]] = {
    "ordinal_of": lambda d: f"the {ordinal(d.day)} of {_month(d)} {d.year}",
    "weekday_abbr": lambda d: f"{_weekday(d)[:3]} {d.day} {_month(d)[:3]} {d.year}",
    "dmy_slash_short": lambda d: f"{d.day}/{d.month}/{_two_digit_year(d)}",
    "month_day_comma": lambda d: f"{_month(d)} {d.day}, {d.year}",
    "dmy_dot": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "day_mon_short": lambda d: f"{d.day} {_month(d)[:3]} {_two_digit_year(d)}",
    "weekday_month_day": lambda d: f"{_weekday(d)}, {_month(d)} {d.day} {d.year}",
    "dmy_slash": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "day_month_year": lambda d: f"{d.day} {_month(d)} {d.year}",
    "month_ordinal_comma": lambda d: f"{_month(d)} {ordinal(d.day)}, {d.year}",
    "ordinal_month_year": lambda d: f"{ordinal(d.day)} {_month(d)} {d.year}",
    "mon_day_year": lambda d: f"{_month(d)[:3]} {d.day} {d.year}",
    "day_mon_year_dash": lambda d: f"{d.day:02d}-{_month(d)[:3]}-{d.year}",
    "weekday_ordinal_of": lambda d: f"{_weekday(d)} the {ordinal(d.day)} of {_month(d)} {d.year}",
}
FORMATS: Tuple[str, ...] = tuple(_FORMATTERS)


def _title(text: str) -> str:
    """Capitalise each word that starts with a letter ("the 3rd of may" -> "The 3rd Of May")."""
    return " ".join(word[:1].upper() + word[1:] if word[:1].isalpha() else word for word in text.split(" "))


_CASES: Tuple[Callable[[str], str], ...] = (lambda text: text, str.lower, str.upper, _title)


def render(date: datetime.date, format: str, rng: random.Random) -> str:
    """``date`` written in ``format`` (one of :data:`FORMATS`), in a case drawn from ``rng``.

    Raises ``ConfigError`` for an unknown format, or a two-digit-year format and a year outside 1930-2029.
    """
    if format not in _FORMATTERS:
        raise ConfigError(f"dates: format={format!r}; choose one of {list(FORMATS)}")
    text = _FORMATTERS[format](date)
    return _CASES[rng.randrange(len(_CASES))](text)


def generate(num_pairs: int, seed: int, formats: Sequence[str] = FORMATS) -> List[DatePair]:
    """``num_pairs`` date pairs, deterministic for ``seed``.

    Each pair draws a date uniformly from 1930-01-01..2029-12-31, a format uniformly from ``formats`` and a
    case (see the module docstring). Raises ``ConfigError`` for a negative count, an empty ``formats`` or an
    unknown format name.
    """
    if isinstance(num_pairs, bool) or not isinstance(num_pairs, int) or num_pairs < 0:
        raise ConfigError(f"dates: num_pairs={num_pairs!r} must be an integer >= 0")
    if isinstance(formats, str):
        formats = [formats]
    unknown = [name for name in formats if name not in _FORMATTERS]
    if not formats or unknown:
        raise ConfigError(f"dates: formats={list(formats)!r}; choose one or more of {list(FORMATS)}")
    formats = list(dict.fromkeys(formats))
    rng = random.Random(seed)
    span = (LAST_DATE - FIRST_DATE).days + 1
    pairs = []
    for _ in range(num_pairs):
        date = FIRST_DATE + datetime.timedelta(days=rng.randrange(span))
        name = rng.choice(formats)
        pairs.append(DatePair(source=render(date, name, rng), target=date.isoformat(), format=name))
    return pairs
