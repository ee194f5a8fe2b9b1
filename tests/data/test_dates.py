"""Tests of the date-translation data generator."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from seqmodels.data.corpora.dates import FORMATS, DatePair, generate, ordinal, render
from seqmodels.errors import ConfigError

# Independent of the module: three-letter month and weekday prefixes, and one regular expression per format
# (applied to the lower-cased source) with named groups d (day), m (month: number or name), y (year), w (weekday).
MONTH_PREFIXES = "jan feb mar apr may jun jul aug sep oct nov dec".split()
WEEKDAY_PREFIXES = "mon tue wed thu fri sat sun".split()
ORD = r"(?P<d>\d{1,2})(?P<suffix>st|nd|rd|th)"
PATTERNS = {
    "ordinal_of": rf"the {ORD} of (?P<m>[a-z]+) (?P<y>\d{{4}})",
    "weekday_abbr": r"(?P<w>[a-z]{3}) (?P<d>\d{1,2}) (?P<m>[a-z]{3}) (?P<y>\d{4})",
    "dmy_slash_short": r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{2})",
    "month_day_comma": r"(?P<m>[a-z]+) (?P<d>\d{1,2}), (?P<y>\d{4})",
    "dmy_dot": r"(?P<d>\d{2})\.(?P<m>\d{2})\.(?P<y>\d{4})",
    "day_mon_short": r"(?P<d>\d{1,2}) (?P<m>[a-z]{3}) (?P<y>\d{2})",
    "weekday_month_day": r"(?P<w>[a-z]+), (?P<m>[a-z]+) (?P<d>\d{1,2}) (?P<y>\d{4})",
    "dmy_slash": r"(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})",
    "day_month_year": r"(?P<d>\d{1,2}) (?P<m>[a-z]+) (?P<y>\d{4})",
    "month_ordinal_comma": rf"(?P<m>[a-z]+) {ORD}, (?P<y>\d{{4}})",
    "ordinal_month_year": rf"{ORD} (?P<m>[a-z]+) (?P<y>\d{{4}})",
    "mon_day_year": r"(?P<m>[a-z]{3}) (?P<d>\d{1,2}) (?P<y>\d{4})",
    "day_mon_year_dash": r"(?P<d>\d{2})-(?P<m>[a-z]{3})-(?P<y>\d{4})",
    "weekday_ordinal_of": rf"(?P<w>[a-z]+) the {ORD} of (?P<m>[a-z]+) (?P<y>\d{{4}})",
}
FULL_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december"}
FULL_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

# Tuesday 3 March 1998, as written (before any case change).
KNOWN = {
    "ordinal_of": "the 3rd of March 1998",
    "weekday_abbr": "Tue 3 Mar 1998",
    "dmy_slash_short": "3/3/98",
    "month_day_comma": "March 3, 1998",
    "dmy_dot": "03.03.1998",
    "day_mon_short": "3 Mar 98",
    "weekday_month_day": "Tuesday, March 3 1998",
    "dmy_slash": "03/03/1998",
    "day_month_year": "3 March 1998",
    "month_ordinal_comma": "March 3rd, 1998",
    "ordinal_month_year": "3rd March 1998",
    "mon_day_year": "Mar 3 1998",
    "day_mon_year_dash": "03-Mar-1998",
    "weekday_ordinal_of": "Tuesday the 3rd of March 1998",
}


def expected_suffix(day: int) -> str:
    return "th" if day in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def parse(source: str, format: str) -> date:
    """Parse ``source`` written in ``format`` back, checking weekday, suffix and month-name spelling."""
    match = re.fullmatch(PATTERNS[format], source.lower())
    assert match, (format, source)
    groups = match.groupdict()
    day = int(groups["d"])
    month_text = groups["m"]
    if month_text.isdigit():
        month = int(month_text)
    else:
        assert month_text in FULL_MONTHS or len(month_text) == 3, source
        month = MONTH_PREFIXES.index(month_text[:3]) + 1
        assert len(month_text) == 3 or month_text.startswith(MONTH_PREFIXES[month - 1]), source
    year = int(groups["y"])
    if len(groups["y"]) == 2:
        year += 2000 if year <= 29 else 1900
    parsed = date(year, month, day)
    if groups.get("suffix"):
        assert groups["suffix"] == expected_suffix(day), source
    if groups.get("w"):
        weekday = groups["w"]
        assert weekday in FULL_WEEKDAYS or len(weekday) == 3, source
        assert WEEKDAY_PREFIXES.index(weekday[:3]) == parsed.weekday(), source
    return parsed


def test_formats_are_many_and_named() -> None:
    assert len(FORMATS) >= 12
    assert len(set(FORMATS)) == len(FORMATS)
    assert set(FORMATS) == set(PATTERNS) == set(KNOWN)


@pytest.mark.parametrize("format", FORMATS)
def test_known_example_per_format(format: str) -> None:
    rng = random.Random(0)
    seen = {render(date(1998, 3, 3), format, rng) for _ in range(40)}
    assert all(text.lower() == KNOWN[format].lower() for text in seen)
    assert KNOWN[format] in seen  # the as-written case occurs


def test_brief_examples() -> None:
    rng = random.Random(1)

    def variants(day: date, format: str) -> set:
        return {render(day, format, rng).lower() for _ in range(20)}

    assert variants(date(2003, 6, 17), "weekday_abbr") == {"tue 17 jun 2003"}
    assert variants(date(1999, 2, 1), "dmy_slash_short") == {"1/2/99"}
    assert variants(date(2015, 8, 1), "weekday_month_day") == {"saturday, august 1 2015"}


def test_case_variants() -> None:
    rng = random.Random(2)
    seen = {render(date(1998, 3, 3), "ordinal_of", rng) for _ in range(100)}
    assert seen == {"the 3rd of March 1998", "the 3rd of march 1998", "THE 3RD OF MARCH 1998",
                    "The 3rd Of March 1998"}


@pytest.mark.parametrize("format", FORMATS)
def test_rendered_examples_parse_back(format: str) -> None:
    rng = random.Random(format)
    for _ in range(60):
        day = date.fromordinal(rng.randint(date(1930, 1, 1).toordinal(), date(2029, 12, 31).toordinal()))
        assert parse(render(day, format, rng), format) == day


def test_ordinals() -> None:
    expected = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st",
                22: "22nd", 23: "23rd", 24: "24th", 30: "30th", 31: "31st"}
    assert {day: ordinal(day) for day in expected} == expected
    rng = random.Random(3)
    for day in (11, 12, 13, 21, 22, 23):
        text = render(date(2001, 1, day), "ordinal_month_year", rng).lower()
        assert text == f"{expected[day]} january 2001"


def test_weekdays_match() -> None:
    rng = random.Random(4)
    # 1 January 1930 was a Wednesday, 31 December 2029 a Monday, 29 February 2000 a Tuesday.
    assert render(date(1930, 1, 1), "weekday_month_day", rng).lower() == "wednesday, january 1 1930"
    assert render(date(2029, 12, 31), "weekday_abbr", rng).lower() == "mon 31 dec 2029"
    assert render(date(2000, 2, 29), "weekday_ordinal_of", rng).lower() == "tuesday the 29th of february 2000"
    for day_number in range(7):
        day = date(2024, 7, 1 + day_number)
        assert parse(render(day, "weekday_month_day", rng), "weekday_month_day") == day


def test_two_digit_year_rule() -> None:
    rng = random.Random(5)
    cases = {date(2000, 5, 6): "6/5/00", date(2029, 12, 31): "31/12/29", date(1930, 1, 1): "1/1/30",
             date(1999, 2, 1): "1/2/99", date(1945, 10, 9): "9/10/45"}
    for day, text in cases.items():
        assert render(day, "dmy_slash_short", rng) == text
        assert parse(text, "dmy_slash_short") == day
    assert render(date(2029, 1, 2), "day_mon_short", rng).lower() == "2 jan 29"
    with pytest.raises(ConfigError, match="date"):
        render(date(1929, 12, 31), "dmy_slash_short", rng)
    with pytest.raises(ConfigError, match="date"):
        render(date(2030, 1, 1), "day_mon_short", rng)


def test_generate_is_deterministic_per_seed() -> None:
    first = generate(200, seed=7)
    assert first == generate(200, seed=7)
    assert first != generate(200, seed=8)
    assert len(first) == 200 and all(isinstance(pair, DatePair) for pair in first)
    assert generate(0, seed=7) == []


def test_targets_are_iso_and_in_range_and_sources_parse() -> None:
    pairs = generate(2000, seed=11)
    for pair in pairs:
        day = date.fromisoformat(pair.target)
        assert date(1930, 1, 1) <= day <= date(2029, 12, 31)
        assert pair.target == day.isoformat()
        assert parse(pair.source, pair.format) == day
    assert {pair.format for pair in pairs} == set(FORMATS)
    years = [date.fromisoformat(pair.target).year for pair in pairs]
    assert min(years) < 1940 and max(years) > 2019


def test_target_is_a_function_of_the_source() -> None:
    targets: dict = {}
    for pair in generate(3000, seed=12):
        assert targets.setdefault(pair.source, pair.target) == pair.target


def test_formats_subset() -> None:
    pairs = generate(50, seed=13, formats=["dmy_dot", "ordinal_of"])
    assert {pair.format for pair in pairs} == {"dmy_dot", "ordinal_of"}


@pytest.mark.parametrize("formats", [["nope"], [], ["dmy_dot", "iso"]])
def test_bad_formats(formats: list) -> None:
    with pytest.raises(ConfigError, match="formats"):
        generate(5, seed=0, formats=formats)


def test_bad_render_format() -> None:
    with pytest.raises(ConfigError, match="format"):
        render(date(2000, 1, 1), "nope", random.Random(0))


@pytest.mark.parametrize("num_pairs", [-1, 2.5, True])
def test_bad_num_pairs(num_pairs: object) -> None:
    with pytest.raises(ConfigError, match="num_pairs"):
        generate(num_pairs, seed=0)  # type: ignore[arg-type]
