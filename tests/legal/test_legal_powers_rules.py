"""The 2014 Act's powers as the domain sets them (asb_tui/domain/legal_powers.py), table by table:
the closure clock in hours, the CPN after a warning, the YOT for an under-18, the terms the court
sets within the Act's limits, the legal moves and a refused one, and no future date in force."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from asb_tui.domain.errors import DomainError
from asb_tui.domain.legal_powers import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    POWERS,
    Move,
    RemedyState,
    RemedyStatus,
    WarningFact,
    add_statutory_hours,
    age_on,
    check_proposal,
    facts_asked,
    in_force,
    next_deadline,
    next_statuses,
    plan_move,
    plan_review,
    remedy_clocks,
)
from asb_tui.domain.types import LegalRemedyKind as K

UK = ZoneInfo("Europe/London")
S = RemedyStatus
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UK)  # a Monday evening
TODAY = NOW.date()
ADULT = date(1990, 5, 1)
AGED_17 = date(2009, 6, 1)  # 17 on TODAY
AGED_15 = date(2011, 6, 1)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK)


@pytest.mark.parametrize(
    ("served", "hours", "due"),
    [
        # Friday 16:30 + 48 hours: Sunday 16:30 (weekends count; the Act says hours)
        (_at(date(2026, 11, 27), 16, 30), 48, _at(date(2026, 11, 29), 16, 30)),
        # the notice's own 24 hours: Saturday 16:30
        (_at(date(2026, 11, 27), 16, 30), 24, _at(date(2026, 11, 28), 16, 30)),
        # Christmas Day is disregarded (s80(4)): served Christmas Eve, heard by 27/12
        (_at(date(2026, 12, 24), 16, 30), 48, _at(date(2026, 12, 27), 16, 30)),
        # served on Christmas Day: the clock starts on Boxing Day at midnight
        (_at(date(2026, 12, 25), 10, 0), 48, _at(date(2026, 12, 28), 0, 0)),
        # across the clocks going back (25/10/2026): 48 elapsed hours, so 15:00 on the wall
        (_at(date(2026, 10, 24), 16, 0), 48, _at(date(2026, 10, 26), 15, 0)),
    ],
)
def test_the_closure_clock_counts_hours(served: datetime, hours: int, due: datetime) -> None:
    assert add_statutory_hours(served, hours) == due


def test_a_closure_notice_served_at_1630_on_a_friday_is_heard_by_1630_on_the_sunday() -> None:
    """s80(3): the closure order application is heard within 48 hours of service; its next
    deadline carries the time, not only the day."""
    friday = _at(date(2026, 11, 27), 16, 30)
    state = RemedyState(K.CLOSURE_NOTICE, has_respondent=True)
    changes = plan_move(state, Move(S.SERVED, friday.date(), at=friday), now=NOW)
    assert changes["ends_at"] == _at(date(2026, 11, 28), 16, 30)  # 24 hours by default
    served = replace(
        state, status=S.SERVED, served_at=friday, ends_at=_at(date(2026, 11, 28), 16, 30)
    )
    notice_ends, hearing = remedy_clocks(served)
    assert (hearing.what, hearing.due_on) == (
        "closure order hearing by (s80(3))",
        date(2026, 11, 29),
    )
    assert hearing.due_at == _at(date(2026, 11, 29), 16, 30)  # Sunday 16:30, not a day count
    assert notice_ends.due_at == _at(date(2026, 11, 28), 16, 30)
    assert next_deadline(served) == notice_ends  # the notice ends first unless extended
    # extended to 48 hours in all: allowed, and the hearing is then the next deadline
    sunday = _at(date(2026, 11, 29), 16, 30)
    changes = plan_move(served, Move(S.VARIED, TODAY, ends_at=sunday), now=NOW)
    assert changes["ends_at"] == sunday
    assert next_deadline(replace(served, status=S.VARIED, ends_at=sunday)) == hearing
    # beyond 48 hours: refused
    with pytest.raises(DomainError, match="48"):
        plan_move(served, Move(S.VARIED, TODAY, ends_at=_at(date(2026, 11, 29), 17)), now=NOW)


CPN = RemedyState(K.CPN, has_respondent=True, respondent_born_on=ADULT)


@pytest.mark.parametrize(
    ("warnings", "born_on", "refusal"),
    [
        ((), ADULT, "needs a written warning first"),
        ((WarningFact(None, date(2026, 11, 1)),), ADULT, "needs a written warning first"),
        ((WarningFact(date(2026, 11, 1), TODAY),), ADULT, "time to comply has not passed"),
        ((WarningFact(date(2026, 11, 1), date(2026, 12, 5)),), ADULT, "not passed"),
        ((WarningFact(date(2026, 11, 1), date(2026, 11, 15)),), AGED_15, "aged 15"),
        ((WarningFact(date(2026, 11, 1), date(2026, 11, 15)),), None, "date of birth"),
        ((WarningFact(date(2026, 11, 1), date(2026, 11, 15)),), ADULT, None),
    ],
)
def test_a_cpn_follows_a_warning_whose_time_to_comply_has_passed(
    warnings: tuple[WarningFact, ...], born_on: date | None, refusal: str | None
) -> None:
    """s43(5): written warning, time to comply, then the notice; s43(2)-(3): 16 or over."""
    state = replace(CPN, respondent_born_on=born_on)
    move = Move(S.SERVED, TODAY, warnings=warnings)
    if refusal is None:
        changes = plan_move(state, move, now=NOW)
        assert changes["status"] == "served" and changes["respondent_age"] == 36
        served = replace(state, status=S.SERVED, served_at=NOW, started_on=TODAY)
        clock = next_deadline(served)
        assert clock is not None and clock.due_on == TODAY + timedelta(days=21)
        assert "appeal" in clock.what
    else:
        with pytest.raises(DomainError, match=refusal):
            plan_move(state, move, now=NOW)


def test_a_warning_gives_its_time_to_comply() -> None:
    state = RemedyState(K.CPW, has_respondent=True, respondent_born_on=ADULT)
    with pytest.raises(DomainError, match="time to comply"):
        plan_move(state, Move(S.SERVED, TODAY), now=NOW)
    changes = plan_move(state, Move(S.SERVED, TODAY, comply_by=date(2026, 12, 14)), now=NOW)
    assert changes["comply_by"] == date(2026, 12, 14)


@pytest.mark.parametrize(
    ("born_on", "consulted_on", "refusal"),
    [
        (AGED_17, None, "consult the Youth Offending Team"),
        (AGED_17, date(2026, 11, 20), None),
        (ADULT, None, None),
        (date(2018, 1, 1), date(2026, 11, 20), "aged 8"),  # 10 or over only (s1(1))
        (AGED_17, date(2026, 12, 1), "must come before"),
    ],
)
def test_an_injunction_against_a_17_year_old_asks_for_the_yot_consultation(
    born_on: date, consulted_on: date | None, refusal: str | None
) -> None:
    """s14(1): the Youth Offending Team is consulted before applying against an under-18."""
    state = RemedyState(K.CIVIL_INJUNCTION, has_respondent=True, respondent_born_on=born_on)
    move = Move(S.APPLIED, TODAY, consulted_on=consulted_on)
    if refusal is None:
        assert plan_move(state, move, now=NOW)["status"] == "applied"
    else:
        with pytest.raises(DomainError, match=refusal):
            plan_move(state, move, now=NOW)


@pytest.mark.parametrize(
    ("kind", "born_on", "ends_on", "refusal"),
    [
        (K.CIVIL_INJUNCTION, AGED_17, date(2027, 11, 30), None),  # 12 months for an under-18
        (K.CIVIL_INJUNCTION, AGED_17, date(2027, 12, 1), "12 months at most"),
        (K.CIVIL_INJUNCTION, AGED_17, None, "12 months at most"),
        (K.CIVIL_INJUNCTION, ADULT, None, None),  # until further order
        (K.CIVIL_INJUNCTION, ADULT, date(2029, 1, 1), None),  # as the court set it
        (K.CBO, ADULT, date(2028, 11, 29), "at least 2 years"),
        (K.CBO, ADULT, date(2028, 11, 30), None),
        (K.CBO, ADULT, None, None),
        (K.CBO, AGED_17, date(2027, 11, 29), "1 to 3 years"),
        (K.CBO, AGED_17, date(2029, 12, 1), "1 to 3 years"),
        (K.CBO, AGED_17, date(2028, 6, 1), None),
        (K.CLOSURE_ORDER, ADULT, date(2027, 2, 28), None),
        (K.CLOSURE_ORDER, ADULT, date(2027, 3, 1), "up to 3 months"),
        (K.CLOSURE_ORDER, ADULT, None, "up to 3 months"),
    ],
)
def test_the_court_sets_the_term_within_the_acts_limits(
    kind: K, born_on: date, ends_on: date | None, refusal: str | None
) -> None:
    state = RemedyState(
        kind,
        status=S.APPLIED,
        has_respondent=True,
        respondent_born_on=born_on,
        convicted_on=date(2026, 11, 1),
    )
    move = Move(S.GRANTED, TODAY, ends_on=ends_on)
    if refusal is None:
        changes = plan_move(state, move, now=NOW)
        assert changes["ends_on"] == ends_on and changes["started_on"] == TODAY
        if kind is K.CBO and born_on == AGED_17:  # s28: reviewed every 12 months
            assert changes["review_on"] == date(2027, 11, 30)
    else:
        with pytest.raises(DomainError, match=refusal):
            plan_move(state, move, now=NOW)


def test_a_cbo_is_applied_for_on_conviction() -> None:
    state = RemedyState(K.CBO, has_respondent=True, respondent_born_on=ADULT)
    with pytest.raises(DomainError, match="on conviction"):
        plan_move(state, Move(S.APPLIED, TODAY), now=NOW)
    assert plan_move(state, Move(S.APPLIED, TODAY, convicted_on=date(2026, 11, 2)), now=NOW)


def test_a_closure_order_extends_to_six_months_in_all() -> None:
    state = RemedyState(
        K.CLOSURE_ORDER, status=S.GRANTED, started_on=date(2026, 9, 1), ends_on=date(2026, 12, 1)
    )
    plan_move(state, Move(S.VARIED, TODAY, ends_on=date(2027, 3, 1)), now=NOW)
    with pytest.raises(DomainError, match="6 in all"):
        plan_move(state, Move(S.VARIED, TODAY, ends_on=date(2027, 3, 2)), now=NOW)


def test_a_pspo_is_consulted_on_and_lasts_three_years_at_most() -> None:
    check_proposal(K.PSPO, has_respondent=False)  # an area, not a person
    state = RemedyState(K.PSPO)
    with pytest.raises(DomainError, match="consultation"):
        plan_move(state, Move(S.IN_FORCE, TODAY, ends_on=date(2029, 11, 30)), now=NOW)
    consulted = Move(S.IN_FORCE, TODAY, ends_on=date(2029, 12, 1), consulted_on=date(2026, 10, 1))
    with pytest.raises(DomainError, match="3 years"):
        plan_move(state, consulted, now=NOW)
    assert plan_move(state, replace(consulted, ends_on=date(2029, 11, 30)), now=NOW)


def test_the_absolute_ground_records_its_condition_within_12_months() -> None:
    state = RemedyState(K.POSSESSION, has_respondent=True)
    with pytest.raises(DomainError, match="condition"):
        plan_move(state, Move(S.SERVED, TODAY), now=NOW)
    late = Move(S.SERVED, TODAY, grounds="condition-1", grounds_met_on=date(2025, 11, 29))
    with pytest.raises(DomainError, match="within 12 months"):
        plan_move(state, late, now=NOW)
    changes = plan_move(state, replace(late, grounds_met_on=date(2025, 12, 1)), now=NOW)
    assert changes["grounds"] == "condition-1"


@pytest.mark.parametrize("kind", list(POWERS))
def test_every_power_but_a_pspo_is_against_a_person(kind: K) -> None:
    if kind is K.PSPO:
        check_proposal(kind, has_respondent=False)
    else:
        with pytest.raises(DomainError, match="whom"):
            check_proposal(kind, has_respondent=False)


# Each path runs a remedy from proposed through legal moves; together they use every status.
PATHS = [
    (K.POSSESSION, [S.SERVED, S.APPLIED, S.GRANTED, S.ENDED]),
    (K.ABC, [S.IN_FORCE, S.BREACHED, S.VARIED, S.EXPIRED]),
    (K.CIVIL_INJUNCTION, [S.APPLIED, S.GRANTED, S.BREACHED, S.DISCHARGED]),
    (K.CPW, [S.ENDED]),
]


def _move_for(kind: K, to: RemedyStatus) -> Move:
    day = date(2026, 11, 20) if to is S.EXPIRED else date(2026, 11, 2)
    return Move(
        to,
        day,
        ends_on=date(2026, 11, 10) if to in (S.GRANTED, S.IN_FORCE, S.VARIED) else None,
        grounds="condition-2",
        grounds_met_on=date(2026, 10, 1),
    )


@pytest.mark.parametrize(("kind", "path"), PATHS)
def test_a_remedy_moves_through_the_legal_moves_and_is_refused_an_illegal_one(
    kind: K, path: list[RemedyStatus]
) -> None:
    state = RemedyState(kind, has_respondent=True, respondent_born_on=ADULT)
    for to in path:
        assert to in next_statuses(kind, state.status)
        changes = plan_move(state, _move_for(kind, to), now=NOW)
        state = replace(
            state,
            status=RemedyStatus(str(changes["status"])),
            started_on=changes.get("started_on", state.started_on),  # type: ignore[arg-type]
            ends_on=changes.get("ends_on", state.ends_on),  # type: ignore[arg-type]
        )
    assert state.status in FINAL_STATUSES
    assert remedy_clocks(state) == []  # an ended order has no deadline left to be overdue
    with pytest.raises(DomainError, match="cannot become in-force"):
        plan_move(state, Move(S.IN_FORCE, TODAY), now=NOW)


def test_the_paths_use_every_status() -> None:
    used = {S.PROPOSED} | {to for _kind, path in PATHS for to in path}
    assert used == set(RemedyStatus)


@pytest.mark.parametrize(
    ("kind", "status", "to"),
    [
        (K.CPN, S.PROPOSED, S.GRANTED),  # a notice is served, not granted
        (K.CIVIL_INJUNCTION, S.PROPOSED, S.GRANTED),  # applied for first
        (K.CIVIL_INJUNCTION, S.APPLIED, S.BREACHED),  # not yet granted
        (K.CBO, S.DISCHARGED, S.VARIED),  # final
        (K.ABC, S.EXPIRED, S.IN_FORCE),
    ],
)
def test_an_illegal_move_is_refused_in_one_line(kind: K, status: RemedyStatus, to: S) -> None:
    state = RemedyState(kind, status=status, has_respondent=True, respondent_born_on=ADULT)
    with pytest.raises(DomainError) as refused:
        plan_move(state, Move(to, TODAY, ends_on=date(2027, 1, 1)), now=NOW)
    assert "\n" not in str(refused.value) and "cannot become" in str(refused.value)


def test_expired_only_once_the_end_has_come() -> None:
    state = RemedyState(K.ABC, status=S.IN_FORCE, started_on=date(2026, 6, 1))
    with pytest.raises(DomainError, match="no end"):
        plan_move(state, Move(S.EXPIRED, TODAY), now=NOW)
    with pytest.raises(DomainError, match="no end"):
        plan_move(replace(state, ends_on=date(2026, 12, 1)), Move(S.EXPIRED, TODAY), now=NOW)
    assert plan_move(replace(state, ends_on=TODAY), Move(S.EXPIRED, TODAY), now=NOW)


def test_a_future_date_is_never_in_force() -> None:
    state = RemedyState(K.ABC, has_respondent=True)
    with pytest.raises(DomainError, match="has not come yet"):
        plan_move(state, Move(S.IN_FORCE, TODAY + timedelta(days=1)), now=NOW)
    notice = RemedyState(K.CLOSURE_NOTICE, has_respondent=True)
    with pytest.raises(DomainError, match="has not come yet"):
        plan_move(notice, Move(S.SERVED, TODAY, at=NOW + timedelta(minutes=5)), now=NOW)
    # a remedy started tomorrow (as stored, e.g. synced from a laptop with a wrong clock)
    tomorrow = RemedyState(K.ABC, status=S.IN_FORCE, started_on=TODAY + timedelta(days=1))
    assert not in_force(tomorrow, TODAY)
    assert in_force(replace(tomorrow, started_on=TODAY), TODAY)
    assert not in_force(replace(tomorrow, started_on=TODAY, ends_on=TODAY - timedelta(1)), TODAY)


def test_active_and_final_statuses_are_apart() -> None:
    assert not ACTIVE_STATUSES & FINAL_STATUSES


@pytest.mark.parametrize(
    ("born_on", "day", "age"),
    [(AGED_17, TODAY, 17), (date(2008, 12, 1), TODAY, 17), (date(2008, 11, 30), TODAY, 18)],
)
def test_age_on_the_day_of_the_step(born_on: date, day: date, age: int) -> None:
    assert age_on(born_on, day) == age


@pytest.mark.parametrize(
    ("kind", "to", "asked"),
    [
        (K.CPW, S.SERVED, ("comply_by",)),
        (K.CLOSURE_NOTICE, S.SERVED, ("at", "ends_at")),
        (K.CLOSURE_NOTICE, S.VARIED, ("ends_at",)),
        (K.CBO, S.APPLIED, ("convicted_on", "consulted_on")),
        (K.CIVIL_INJUNCTION, S.GRANTED, ("ends_on", "review_on", "power_of_arrest")),
        (K.POSSESSION, S.SERVED, ("grounds", "grounds_met_on")),
        (K.PSPO, S.IN_FORCE, ("consulted_on", "ends_on")),
        (K.ABC, S.IN_FORCE, ("ends_on", "review_on")),
        (K.CPN, S.BREACHED, ()),
        (K.CBO, S.DISCHARGED, ()),
    ],
)
def test_a_move_asks_only_for_what_the_power_sets(
    kind: K, to: RemedyStatus, asked: tuple[str, ...]
) -> None:
    assert facts_asked(kind, to) == asked
    assert set(asked) <= {f for f in Move.__dataclass_fields__}  # each is a fact of a Move


@pytest.mark.parametrize(
    ("state", "held_on", "next_on", "outcome"),
    [
        (RemedyState(K.ABC, status=S.PROPOSED), TODAY, None, "Only a remedy in force"),
        (RemedyState(K.ABC, status=S.IN_FORCE), TODAY + timedelta(1), None, "has not come yet"),
        (RemedyState(K.ABC, status=S.IN_FORCE), TODAY, TODAY, "comes after this one"),
        (RemedyState(K.ABC, status=S.IN_FORCE), TODAY, date(2027, 3, 1), date(2027, 3, 1)),
        (RemedyState(K.ABC, status=S.IN_FORCE), TODAY, None, None),
        # s28: an under-18's CBO, the next review within 12 months (set there if none entered)
        (RemedyState(K.CBO, S.GRANTED, AGED_17), TODAY, None, date(2027, 11, 30)),
        (RemedyState(K.CBO, S.GRANTED, AGED_17), TODAY, date(2027, 12, 1), "every 12 months"),
        (RemedyState(K.CBO, S.GRANTED, ADULT), TODAY, None, None),
    ],
)
def test_a_review_sets_the_next(
    state: RemedyState, held_on: date, next_on: date | None, outcome: date | str | None
) -> None:
    if isinstance(outcome, str):
        with pytest.raises(DomainError, match=outcome):
            plan_review(state, held_on=held_on, next_review_on=next_on, now=NOW)
    else:
        changes = plan_review(state, held_on=held_on, next_review_on=next_on, now=NOW)
        assert changes == {"review_on": outcome}
