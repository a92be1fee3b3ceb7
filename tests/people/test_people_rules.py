"""The pure rules of people across cases: names folded, likely matches, UK postcodes and UPRNs,
the address key, and the sliding repeat window (tables of cases)."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.domain.errors import DomainError
from asb_tui.domain.people import PersonFacts, fold_name, likely_matches, match_person
from asb_tui.domain.places import address_key, check_area, check_uprn, normalise_postcode
from asb_tui.domain.repeats import latest_repeat_span

BORN = date(1988, 4, 9)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Síobhán Ó Súilleabháin", "siobhan o suilleabhain"),
        ("  SIOBHAN   o'suilleabhain ", "siobhan osuilleabhain"),
        ("Dariusz Wiśniewski", "dariusz wisniewski"),
        ("Anne-Marie  Brontë", "anne marie bronte"),
        ("Zoë O’Neil", "zoe oneil"),
    ],
)
def test_names_fold_accents_case_apostrophes_and_spacing(typed: str, folded: str) -> None:
    assert fold_name(typed) == folded


@pytest.mark.parametrize(
    ("known", "typed", "likely", "reason"),
    [
        # accents and spelling folded, same date of birth: likely
        (PersonFacts("Dariusz Wiśniewski", BORN), PersonFacts("Dariusz Wisniewski", BORN), True,
         "same name, same date of birth"),
        (PersonFacts("John Smith", BORN), PersonFacts("John Smyth", BORN), True,
         "similar name, same date of birth"),
        (PersonFacts("Síobhán Ó Súilleabháin", None, postcodes=frozenset({"LS8 2QT"})),
         PersonFacts("Siobhan O Suilleabhain", None, postcodes=frozenset({"LS8 2QT"})), True,
         "same name, same postcode"),
        # a name alone, no date to compare: possible, not likely
        (PersonFacts("Ann Lee"), PersonFacts("ann lee", BORN), False, "same name"),
        # a different date of birth rules a similar name out
        (PersonFacts("John Smith", date(1970, 1, 1)), PersonFacts("John Smith", BORN), None, ""),
        # a different person altogether
        (PersonFacts("Mary Jones", BORN), PersonFacts("Dariusz Wisniewski", BORN), None, ""),
    ],
)  # fmt: skip
def test_a_likely_match_says_why(
    known: PersonFacts, typed: PersonFacts, likely: bool | None, reason: str
) -> None:
    found = match_person("identity-1", typed, known)
    if likely is None:
        assert found is None
        return
    assert found is not None
    assert found.likely is likely
    assert any(r.startswith(reason) for r in found.reasons), found.reasons


def test_matches_rank_the_strongest_first_and_each_identity_once() -> None:
    typed = PersonFacts("Dariusz Wisniewski", BORN, postcodes=frozenset({"LS8 2QT"}))
    ranked = likely_matches(
        typed,
        [
            ("name-only", PersonFacts("Dariusz Wisniewski")),
            ("strong", PersonFacts("Dariusz Wiśniewski", BORN, postcodes=frozenset({"LS8 2QT"}))),
            ("strong", PersonFacts("D Wisniewski", BORN)),
        ],
    )
    assert [m.identity_id for m in ranked] == ["strong", "name-only"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("ls82qt", "LS8 2QT"), ("SW1A 1AA", "SW1A 1AA"), ("  m1 1ae ", "M1 1AE"), ("", ""),
     ("EC1A1BB", "EC1A 1BB"), ("gir 0aa", "GIR 0AA")],
)  # fmt: skip
def test_uk_postcodes_are_kept_in_their_normal_form(typed: str, stored: str) -> None:
    assert normalise_postcode(typed) == stored


@pytest.mark.parametrize("typed", ["LS8", "12345", "QQ1 1AA", "LS8 2QC", "LS8 2Q T X", "<b>"])
def test_a_string_that_is_not_a_uk_postcode_is_refused_in_one_line(typed: str) -> None:
    with pytest.raises(DomainError) as raised:
        normalise_postcode(typed)
    assert "is not a UK postcode" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_uprn_and_area_checks() -> None:
    assert check_uprn(" 100023336956 ") == "100023336956"
    for bad in ("1000233369561", "12a", "-3"):
        with pytest.raises(DomainError):
            check_uprn(bad)
    assert check_area("harehills", ("Harehills", "Gipton")) == "Harehills"
    assert check_area("anything", ()) == "anything"
    with pytest.raises(DomainError, match="not one of the council's areas"):
        check_area("Mars", ("Harehills", "Gipton"))


def test_the_address_key_joins_the_same_place_written_two_ways() -> None:
    one = address_key("Flat 2, 10 High St", "LS8 2QT")
    assert one == address_key("flat 2 10 high street", "LS8 2QT")
    assert one != address_key("Flat 3, 10 High St", "LS8 2QT")
    assert address_key("anything", "LS8 2QT", "000123") == address_key("else", "", "123")
    assert address_key("10 High St", "") == ""


@pytest.mark.parametrize(
    ("dates", "today", "expected"),
    [
        # three within three months, reported late: still a span, current
        ([date(2026, 8, 20), date(2026, 9, 3), date(2026, 9, 28)], date(2026, 11, 30),
         (date(2026, 8, 20), date(2026, 9, 28), 3, True)),
        # spread over more than three months: no span
        ([date(2026, 5, 1), date(2026, 7, 1), date(2026, 8, 2)], date(2026, 9, 1), None),
        # the span ended more than three months ago: not current
        ([date(2026, 1, 5), date(2026, 1, 20), date(2026, 2, 1)], date(2026, 11, 30),
         (date(2026, 1, 5), date(2026, 2, 1), 3, False)),
        # a date still to come is not counted
        ([date(2026, 11, 1), date(2026, 11, 20), date(2026, 12, 5)], date(2026, 11, 30), None),
        # the latest span is reported whole (four incidents)
        ([date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3), date(2026, 10, 4)],
         date(2026, 10, 10), (date(2026, 10, 1), date(2026, 10, 4), 4, True)),
    ],
)  # fmt: skip
def test_the_repeat_span_slides(
    dates: list[date], today: date, expected: tuple[date, date, int, bool] | None
) -> None:
    span = latest_repeat_span(dates, today, at_least=3, months=3)
    if expected is None:
        assert span is None
    else:
        assert span is not None
        assert (span.first, span.last, span.count, span.current) == expected
