"""The legal powers of the Anti-social Behaviour, Crime and Policing Act 2014, each a small state
machine with its preconditions, its stages and its clock.

Sources: the Act (Parts 1 to 4 and s84A/Ground 7A it inserts in the Housing Acts) and the Home
Office's "Anti-social behaviour powers: statutory guidance for frontline professionals" (revised
2022/2023; section numbers below are the guidance's). What a court or a notice sets (an end date,
a review date, the time to comply) is entered by the officer; this module only checks it against
the Act's limits and suggests defaults (`suggested_*`), never stores one of its own except the
statutory yearly review of an under-18's Criminal Behaviour Order (s28).

Statuses and the legal moves between them (`next_statuses`):

    proposed -> served (a notice or warning) | applied (to a court) | in-force (agreed or made)
    applied  -> granted (the court made the order) | ended (refused or withdrawn)
    served   -> applied (absolute ground: the possession claim after the notice)
    in force (served, granted, in-force, varied, breached)
             -> varied | breached | discharged | expired | ended
    discharged, expired, ended: final.

A move is dated when it happened: never ahead of today (so a future date is never "in force"),
and `expired` only once the end the court or notice set has come.

Hours: the closure notice's clock counts elapsed hours from the moment of service, every hour of
every day (weekends and bank holidays included); only Christmas Day is disregarded (s77(3) for
the notice's 24/48 hours, s80(4) for the hearing). A notice served at 16:30 on a Friday must be
heard by 16:30 on the Sunday. Datetimes here are zone-aware; Christmas Day is taken in the zone
of the datetime given (the store passes UK time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType

from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months, add_years
from asb_tui.domain.types import LegalRemedyKind, RemedyStatus

__all__ = [
    "ABSOLUTE_GROUND_CONDITIONS",
    "ACTIVE_STATUSES",
    "FINAL_STATUSES",
    "POWERS",
    "Move",
    "Power",
    "RemedyClock",
    "RemedyState",
    "RemedyStatus",
    "WarningFact",
    "add_statutory_hours",
    "age_on",
    "check_proposal",
    "facts_asked",
    "in_force",
    "next_deadline",
    "next_statuses",
    "plan_move",
    "plan_review",
    "remedy_clocks",
    "suggested_end",
]


ACTIVE_STATUSES = frozenset(
    {
        RemedyStatus.SERVED,
        RemedyStatus.GRANTED,
        RemedyStatus.IN_FORCE,
        RemedyStatus.VARIED,
        RemedyStatus.BREACHED,
    }
)
FINAL_STATUSES = frozenset({RemedyStatus.DISCHARGED, RemedyStatus.EXPIRED, RemedyStatus.ENDED})
_WHILE_ACTIVE = (
    RemedyStatus.VARIED,
    RemedyStatus.BREACHED,
    RemedyStatus.DISCHARGED,
    RemedyStatus.EXPIRED,
    RemedyStatus.ENDED,
)

# Absolute ground for possession (Housing Act 1985 s84A, Housing Act 1988 Sch 2 Ground 7A, both
# inserted by ss94-97 of the 2014 Act; guidance 2.8): one of five conditions must be met, and the
# notice seeking possession served within 12 months of it (s83ZA(7)).
ABSOLUTE_GROUND_CONDITIONS: Mapping[str, str] = MappingProxyType(
    {
        "condition-1": "Condition 1: convicted of a serious offence",
        "condition-2": "Condition 2: breach of a civil injunction found by a court",
        "condition-3": "Condition 3: convicted of breaching a Criminal Behaviour Order",
        "condition-4": "Condition 4: a closure order on the property (over 48 hours)",
        "condition-5": "Condition 5: convicted of breaching a noise abatement notice or order",
    }
)


@dataclass(frozen=True, slots=True)
class Power:
    """One power: its name, its section, how it starts and whom it is against."""

    kind: LegalRemedyKind
    name: str
    section: str
    # The moves from "proposed" to in force, in order (e.g. applied then granted).
    start: tuple[RemedyStatus, ...]
    against_person: bool = True
    min_age: int | None = None
    hour_clock: bool = False


def _power(
    kind: LegalRemedyKind,
    name: str,
    section: str,
    *start: RemedyStatus,
    against_person: bool = True,
    min_age: int | None = None,
    hour_clock: bool = False,
) -> Power:
    return Power(kind, name, section, start, against_person, min_age, hour_clock)


_S, _A, _G, _F = (
    RemedyStatus.SERVED,
    RemedyStatus.APPLIED,
    RemedyStatus.GRANTED,
    RemedyStatus.IN_FORCE,
)
POWERS: Mapping[LegalRemedyKind, Power] = MappingProxyType(
    {
        LegalRemedyKind.ABC: _power(
            LegalRemedyKind.ABC,
            "Acceptable Behaviour Contract",
            "guidance 2 (early and informal)",
            _F,
        ),
        LegalRemedyKind.COMMUNITY_REMEDY: _power(
            LegalRemedyKind.COMMUNITY_REMEDY, "Community Remedy", "ss101-103, guidance 1.2", _F
        ),
        LegalRemedyKind.CPW: _power(
            LegalRemedyKind.CPW,
            "Community Protection Warning",
            "s43(5), guidance 2.4",
            _S,
            min_age=16,
        ),
        LegalRemedyKind.CPN: _power(
            LegalRemedyKind.CPN,
            "Community Protection Notice",
            "ss43-46, guidance 2.4",
            _S,
            min_age=16,
        ),
        LegalRemedyKind.CIVIL_INJUNCTION: _power(
            LegalRemedyKind.CIVIL_INJUNCTION,
            "Civil injunction",
            "ss1-14, guidance 2.1",
            _A,
            _G,
            min_age=10,
        ),
        LegalRemedyKind.CBO: _power(
            LegalRemedyKind.CBO,
            "Criminal Behaviour Order",
            "ss22-30, guidance 2.2",
            _A,
            _G,
            min_age=10,
        ),
        LegalRemedyKind.CLOSURE_NOTICE: _power(
            LegalRemedyKind.CLOSURE_NOTICE,
            "Closure notice",
            "ss76-79, guidance 2.7",
            _S,
            hour_clock=True,
        ),
        LegalRemedyKind.CLOSURE_ORDER: _power(
            LegalRemedyKind.CLOSURE_ORDER,
            "Closure order",
            "ss80-84, guidance 2.7",
            _A,
            _G,
        ),
        LegalRemedyKind.PSPO: _power(
            LegalRemedyKind.PSPO,
            "Public Spaces Protection Order",
            "ss59-75, guidance 2.5",
            _F,
            against_person=False,
        ),
        LegalRemedyKind.POSSESSION: _power(
            LegalRemedyKind.POSSESSION,
            "Absolute ground for possession",
            "Housing Act 1985 s84A (2014 Act s94), guidance 2.8",
            _S,
            _A,
            _G,
        ),
        LegalRemedyKind.OTHER: _power(LegalRemedyKind.OTHER, "Other remedy", "-", _F),
    }
)


def next_statuses(kind: LegalRemedyKind, status: RemedyStatus) -> tuple[RemedyStatus, ...]:
    """The legal moves from `status` for this power (none from a final status)."""
    start = POWERS[kind].start
    if status in FINAL_STATUSES:
        return ()
    if status is RemedyStatus.PROPOSED:
        return (start[0], RemedyStatus.ENDED)
    if status in start and status is not start[-1]:
        # part way to in force: the next step, or refused/withdrawn
        return (start[start.index(status) + 1], RemedyStatus.ENDED)
    if status in ACTIVE_STATUSES:
        return _WHILE_ACTIVE
    return ()


def age_on(born_on: date, day: date) -> int:
    """Age in whole years on `day` (a birthday on 29/02 counts on 28/02 in other years)."""
    years = day.year - born_on.year
    return years if add_years(born_on, years) <= day else years - 1


@dataclass(frozen=True, slots=True)
class WarningFact:
    """A Community Protection Warning of the same case against the same person."""

    served_on: date | None
    comply_by: date | None
    id: str = ""


@dataclass(frozen=True, slots=True)
class RemedyState:
    """What the rules need to know about one remedy as stored."""

    kind: LegalRemedyKind
    status: RemedyStatus = RemedyStatus.PROPOSED
    respondent_born_on: date | None = None
    has_respondent: bool = False
    served_at: datetime | None = None  # served, applied or agreed: the moment the clock starts
    started_on: date | None = None  # in force from (granted, served, agreed)
    ends_on: date | None = None  # the end the court, notice or agreement set
    ends_at: datetime | None = None  # a closure notice's end, in hours
    review_on: date | None = None
    comply_by: date | None = None  # a warning's time to comply
    consulted_on: date | None = None  # YOT (s14, s22(8)) or the PSPO consultation (s72)
    convicted_on: date | None = None  # a CBO is made on conviction (s22)
    grounds: str = ""  # absolute ground: which condition
    grounds_met_on: date | None = None
    power_of_arrest: bool = False


@dataclass(frozen=True, slots=True)
class Move:
    """A move the officer asks for, with the dates the court or notice set."""

    to: RemedyStatus
    on: date
    at: datetime | None = None  # the time of service, for hour clocks
    ends_on: date | None = None
    ends_at: datetime | None = None
    review_on: date | None = None
    comply_by: date | None = None
    consulted_on: date | None = None
    convicted_on: date | None = None
    grounds: str | None = None
    grounds_met_on: date | None = None
    power_of_arrest: bool | None = None
    warnings: Sequence[WarningFact] = field(default_factory=tuple)


def _refuse(text: str) -> DomainError:
    return DomainError(text)


def check_proposal(kind: LegalRemedyKind, *, has_respondent: bool) -> None:
    """A remedy is against a person of the case, except a PSPO (an area, s59)."""
    power = POWERS[kind]
    if power.against_person and not has_respondent:
        raise _refuse(f"Say whom the {power.name} is against: a person of the case.")


def _age_at(state: RemedyState, day: date) -> int | None:
    if state.respondent_born_on is None:
        return None
    return age_on(state.respondent_born_on, day)


def _check_age(state: RemedyState, day: date, power: Power) -> int | None:
    age = _age_at(state, day)
    if power.min_age is None or not power.against_person:
        return age
    if age is None:
        raise _refuse(
            f"Record the respondent's date of birth first: a {power.name} needs them to be "
            f"{power.min_age} or over ({power.section})."
        )
    if age < power.min_age:
        raise _refuse(
            f"A {power.name} cannot be made against someone aged {age}: "
            f"{power.min_age} or over only ({power.section})."
        )
    return age


def add_statutory_hours(start: datetime, hours: int) -> datetime:
    """`start` plus `hours` elapsed hours, Christmas Day disregarded (s77(3), s80(4)).

    Every other hour counts, nights, weekends and bank holidays included: the Act says "hours",
    not working days. Friday 16:30 + 48 hours is Sunday 16:30; 24/12 16:30 + 48 hours is
    27/12 16:30."""
    if start.tzinfo is None:
        raise _refuse("A time of service needs its time zone.")
    zone = start.tzinfo
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(UTC)  # elapsed hours: arithmetic in UTC, not on the wall clock
    while remaining > timedelta(0):
        year = cursor.astimezone(zone).year
        christmas = datetime.combine(date(year, 12, 25), time(), zone).astimezone(UTC)
        boxing_day = datetime.combine(date(year, 12, 26), time(), zone).astimezone(UTC)
        if christmas <= cursor < boxing_day:
            cursor = boxing_day
            continue
        if cursor >= boxing_day:
            christmas = datetime.combine(date(year + 1, 12, 25), time(), zone).astimezone(UTC)
        step = min(remaining, christmas - cursor)
        cursor += step
        remaining -= step
    return cursor.astimezone(zone)


def suggested_end(kind: LegalRemedyKind, on: date, *, under_18: bool = False) -> date | None:
    """A default end to offer in a form (never stored unless the officer keeps it)."""
    if kind is LegalRemedyKind.CBO:
        return add_years(on, 1 if under_18 else 2)
    if kind is LegalRemedyKind.CIVIL_INJUNCTION:
        return add_months(on, 6 if under_18 else 12)
    if kind is LegalRemedyKind.CLOSURE_ORDER:
        return add_months(on, 3)
    if kind is LegalRemedyKind.PSPO:
        return add_years(on, 3)
    if kind is LegalRemedyKind.ABC:
        return add_months(on, 6)
    return None


def plan_move(state: RemedyState, move: Move, *, now: datetime) -> dict[str, object]:
    """Check `move` against the power's rules; the remedy's changed fields, or a DomainError.

    `now` is zone-aware; a move dated after today is refused (a future date is never in force).
    """
    power = POWERS[state.kind]
    legal_next = next_statuses(state.kind, state.status)
    if move.to not in legal_next:
        allowed = ", ".join(s.value for s in legal_next) or "none: it has ended"
        raise _refuse(
            f"A {power.name} that is {state.status.value} cannot become {move.to.value} "
            f"(next: {allowed})."
        )
    today = now.astimezone(now.tzinfo).date() if now.tzinfo else now.date()
    if move.on > today:
        raise _refuse(
            f"A remedy cannot be {move.to.value} on {format_uk(move.on)}: that day has not come "
            "yet. Record it on the day it happens."
        )
    if move.at is not None and move.at > now:
        raise _refuse("The time of service has not come yet: record it once it has happened.")
    changes: dict[str, object] = {"status": move.to.value}
    for name in ("consulted_on", "convicted_on", "grounds", "grounds_met_on", "power_of_arrest"):
        value = getattr(move, name)
        if value is not None:
            changes[name] = value
    merged = _merged(state, changes)
    kind, to, on = state.kind, move.to, move.on
    for day, what in ((move.consulted_on, "consultation"), (move.convicted_on, "conviction")):
        if day is not None and day > on:
            raise _refuse(f"The {what} ({format_uk(day)}) must come before {format_uk(on)}.")

    starting = to in power.start
    if starting and to is power.start[0]:
        age = _check_age(state, on, power)
        if age is not None:
            changes["respondent_age"] = age
        changes["served_at"] = move.at or datetime.combine(on, time(12), now.tzinfo)
    if starting and to is power.start[-1]:
        changes["started_on"] = on
    if to is RemedyStatus.EXPIRED:
        end = state.ends_at.date() if state.ends_at else state.ends_on
        if end is None or end > on:
            raise _refuse(
                f"This {power.name} has no end that has come by {format_uk(on)}: "
                "record it as ended or discharged instead."
            )

    if kind is LegalRemedyKind.CPW and to is RemedyStatus.SERVED:
        if move.comply_by is None or move.comply_by < on:
            raise _refuse(
                "A written warning gives a time to comply: enter the date it ends (s43(5))."
            )
        changes["comply_by"] = move.comply_by
    if kind is LegalRemedyKind.CPN and to is RemedyStatus.SERVED:
        followed = _check_prior_warning(move.warnings, on)
        if followed.id:
            changes["prior_warning_id"] = followed.id
        changes["review_on"] = move.review_on
    if kind is LegalRemedyKind.CLOSURE_NOTICE and to in (RemedyStatus.SERVED, RemedyStatus.VARIED):
        served_at = move.at if to is RemedyStatus.SERVED else state.served_at
        if served_at is None:
            raise _refuse("Enter the date and time the closure notice was served (s79).")
        ends_at = move.ends_at or (
            add_statutory_hours(served_at, 24) if to is RemedyStatus.SERVED else None
        )
        if ends_at is None:
            raise _refuse("An extension of a closure notice gives its new end time (s77).")
        if not served_at < ends_at <= add_statutory_hours(served_at, 48):
            raise _refuse(
                "A closure notice lasts up to 24 hours, extendable to 48 in all (s77); "
                "its end must fall within 48 hours of service."
            )
        changes["served_at"] = served_at
        changes["ends_at"] = ends_at
        changes["started_on"] = served_at.date() if to is RemedyStatus.SERVED else state.started_on
    if kind is LegalRemedyKind.CLOSURE_ORDER and to in (RemedyStatus.GRANTED, RemedyStatus.VARIED):
        granted = on if to is RemedyStatus.GRANTED else (state.started_on or on)
        limit = add_months(granted, 3 if to is RemedyStatus.GRANTED else 6)
        if move.ends_on is None or not on <= move.ends_on <= limit:
            raise _refuse(
                "A closure order lasts up to 3 months, extendable to 6 in all (s80(6), s82); "
                f"enter the end the court set, by {format_uk(limit)}."
            )
        changes["ends_on"] = move.ends_on
    if kind is LegalRemedyKind.CIVIL_INJUNCTION and to is RemedyStatus.APPLIED:
        _check_yot(merged, on, power, "s14(1)")
    if kind is LegalRemedyKind.CIVIL_INJUNCTION and to in (RemedyStatus.GRANTED, _V):
        age = _age_at(state, on)
        if age is not None and age < 18:
            limit = add_months(on, 12)
            if move.ends_on is None or move.ends_on > limit:
                raise _refuse(
                    f"An injunction against someone aged {age} lasts 12 months at most "
                    f"(s1(6)): enter the end the court set, by {format_uk(limit)}."
                )
        changes["ends_on"] = move.ends_on
        changes["review_on"] = move.review_on
    if kind is LegalRemedyKind.CBO and to is RemedyStatus.APPLIED:
        if merged.convicted_on is None:
            raise _refuse("A Criminal Behaviour Order is made on conviction: enter its date (s22).")
        _check_yot(merged, on, power, "s22(8)")
    if kind is LegalRemedyKind.CBO and to in (RemedyStatus.GRANTED, _V):
        changes.update(_cbo_term(state, move, on, power))
    if kind is LegalRemedyKind.PSPO and to in (RemedyStatus.IN_FORCE, _V):
        if merged.consulted_on is None:
            raise _refuse("A PSPO is made after consultation (s72(3)): enter when it took place.")
        limit = add_years(on, 3)
        if move.ends_on is None or not on < move.ends_on <= limit:
            raise _refuse(
                "A PSPO lasts up to 3 years, and each extension up to 3 more (s60): "
                f"enter the end, by {format_uk(limit)}."
            )
        changes["ends_on"] = move.ends_on
    if kind is LegalRemedyKind.POSSESSION and to is RemedyStatus.SERVED:
        if merged.grounds not in ABSOLUTE_GROUND_CONDITIONS or merged.grounds_met_on is None:
            raise _refuse("Record which condition of the absolute ground is met, and when (s84A).")
        if on > add_months(merged.grounds_met_on, 12):
            raise _refuse(
                "The notice on the absolute ground is served within 12 months of the condition "
                f"being met ({format_uk(merged.grounds_met_on)}; s83ZA)."
            )
    if kind in (LegalRemedyKind.ABC, LegalRemedyKind.COMMUNITY_REMEDY, LegalRemedyKind.OTHER) and (
        to in (RemedyStatus.IN_FORCE, _V)
    ):
        if move.ends_on is not None and move.ends_on < on:
            raise _refuse("The end agreed comes before the start.")
        changes["ends_on"] = move.ends_on
        changes["review_on"] = move.review_on
    if to is RemedyStatus.VARIED:
        # a variation keeps what it does not change
        for name in ("ends_on", "review_on", "ends_at"):
            if changes.get(name) is None and name in changes:
                del changes[name]
    return changes


_V = RemedyStatus.VARIED


def _merged(state: RemedyState, changes: Mapping[str, object]) -> RemedyState:
    fields = {
        name: changes.get(name, getattr(state, name))
        for name in ("consulted_on", "convicted_on", "grounds", "grounds_met_on")
    }
    return RemedyState(
        kind=state.kind,
        status=state.status,
        respondent_born_on=state.respondent_born_on,
        consulted_on=fields["consulted_on"],  # type: ignore[arg-type]
        convicted_on=fields["convicted_on"],  # type: ignore[arg-type]
        grounds=str(fields["grounds"] or ""),
        grounds_met_on=fields["grounds_met_on"],  # type: ignore[arg-type]
    )


def _check_yot(state: RemedyState, on: date, power: Power, section: str) -> None:
    """Before applying against an under-18, the Youth Offending Team is consulted."""
    age = _age_at(state, on)
    if age is not None and age < 18 and state.consulted_on is None:
        raise _refuse(
            f"The respondent is {age}: consult the Youth Offending Team before applying for a "
            f"{power.name} ({section}) and enter the date."
        )


def _check_prior_warning(warnings: Sequence[WarningFact], on: date) -> WarningFact:
    """s43(5): a CPN only after a written warning, and after its time to comply has passed."""
    served = [w for w in warnings if w.served_on is not None and w.served_on <= on]
    if not served:
        raise _refuse(
            "A Community Protection Notice needs a written warning first: serve a Community "
            "Protection Warning on this person in this case (s43(5))."
        )
    passed = [w for w in served if w.comply_by is not None and w.comply_by < on]
    if passed:
        return max(passed, key=lambda w: (w.served_on or date.min, w.id))
    first = min((w.comply_by for w in served if w.comply_by), default=None)
    when = f" (it ends {format_uk(first)})" if first else ""
    raise _refuse(
        f"The warning's time to comply has not passed{when}: a Community Protection Notice "
        "can follow only after it (s43(5))."
    )


def _cbo_term(state: RemedyState, move: Move, on: date, power: Power) -> dict[str, object]:
    """s25: adult at least 2 years (or until further order); under-18 between 1 and 3 years,
    reviewed every 12 months (s28)."""
    age = _age_at(state, on)
    changes: dict[str, object] = {"review_on": move.review_on}
    if age is not None and age < 18:
        low, high = add_years(on, 1), add_years(on, 3)
        if move.ends_on is None or not low <= move.ends_on <= high:
            raise _refuse(
                f"A Criminal Behaviour Order against someone aged {age} lasts 1 to 3 years "
                f"(s25(5)): enter the end the court set, {format_uk(low)} to {format_uk(high)}."
            )
        changes["review_on"] = move.review_on or add_years(on, 1)
    elif move.ends_on is not None and move.ends_on < add_years(on, 2):
        raise _refuse(
            "An adult's Criminal Behaviour Order lasts at least 2 years (s25(5)): enter the end "
            f"the court set, {format_uk(add_years(on, 2))} or later, or none (until further order)."
        )
    changes["ends_on"] = move.ends_on
    return changes


def in_force(state: RemedyState, today: date) -> bool:
    """In force on `today`: in an in-force status, started by today and not yet ended."""
    if state.status not in ACTIVE_STATUSES or state.started_on is None:
        return False
    if state.started_on > today:
        return False
    end = state.ends_at.date() if state.ends_at else state.ends_on
    return end is None or end >= today


@dataclass(frozen=True, slots=True)
class RemedyClock:
    """One date a remedy's clock gives; `due_at` for the hour clocks."""

    what: str
    due_on: date
    due_at: datetime | None = None
    kind: str = "step"  # "review", "ends" or "step" (hearing, appeal, comply)


def remedy_clocks(state: RemedyState) -> list[RemedyClock]:
    """The dates still to meet for this remedy (none once it has ended), earliest first."""
    if state.status in FINAL_STATUSES or state.status is RemedyStatus.PROPOSED:
        return []
    clocks: list[RemedyClock] = []
    kind, status = state.kind, state.status
    if kind is LegalRemedyKind.CLOSURE_NOTICE and state.served_at is not None:
        hearing = add_statutory_hours(state.served_at, 48)
        clocks.append(RemedyClock("closure order hearing by (s80(3))", hearing.date(), hearing))
        if state.ends_at is not None:
            clocks.append(
                RemedyClock(
                    "closure notice ends (s77)", state.ends_at.date(), state.ends_at, "ends"
                )
            )
    if kind is LegalRemedyKind.CPW and state.comply_by is not None and status is _S:
        clocks.append(
            RemedyClock("time to comply ends: check, then decide on a notice", state.comply_by)
        )
    if kind is LegalRemedyKind.CPN and status is _S and state.served_at is not None:
        clocks.append(
            RemedyClock("appeal period ends (s46: 21 days)", state.served_at.date() + timedelta(21))
        )
    if status in ACTIVE_STATUSES and kind is not LegalRemedyKind.CLOSURE_NOTICE:
        if state.review_on is not None:
            clocks.append(RemedyClock("review", state.review_on, kind="review"))
        if state.ends_on is not None:
            clocks.append(RemedyClock("ends: decide the next step", state.ends_on, kind="ends"))
    return sorted(
        clocks,
        key=lambda c: (
            c.due_on,
            c.due_at is None,
            c.due_at.timestamp() if c.due_at else 0.0,
            c.kind != "step",  # at the same moment, the hearing before the notice's end
        ),
    )


def next_deadline(state: RemedyState) -> RemedyClock | None:
    """The remedy's next deadline (the earliest still to meet), or None."""
    clocks = remedy_clocks(state)
    return clocks[0] if clocks else None


_ASKED: Mapping[tuple[RemedyStatus, LegalRemedyKind], tuple[str, ...]] = MappingProxyType(
    {
        (RemedyStatus.SERVED, LegalRemedyKind.CPW): ("comply_by",),
        (RemedyStatus.SERVED, LegalRemedyKind.CPN): ("review_on",),
        (RemedyStatus.SERVED, LegalRemedyKind.CLOSURE_NOTICE): ("at", "ends_at"),
        (RemedyStatus.SERVED, LegalRemedyKind.POSSESSION): ("grounds", "grounds_met_on"),
        (RemedyStatus.APPLIED, LegalRemedyKind.CIVIL_INJUNCTION): ("consulted_on",),
        (RemedyStatus.APPLIED, LegalRemedyKind.CBO): ("convicted_on", "consulted_on"),
        (RemedyStatus.GRANTED, LegalRemedyKind.CIVIL_INJUNCTION): (
            "ends_on",
            "review_on",
            "power_of_arrest",
        ),
        (RemedyStatus.GRANTED, LegalRemedyKind.CBO): ("ends_on", "review_on"),
        (RemedyStatus.GRANTED, LegalRemedyKind.CLOSURE_ORDER): ("ends_on",),
        (RemedyStatus.IN_FORCE, LegalRemedyKind.PSPO): ("consulted_on", "ends_on"),
        (RemedyStatus.VARIED, LegalRemedyKind.CLOSURE_NOTICE): ("ends_at",),
        (RemedyStatus.VARIED, LegalRemedyKind.CIVIL_INJUNCTION): (
            "ends_on",
            "review_on",
            "power_of_arrest",
        ),
        (RemedyStatus.VARIED, LegalRemedyKind.CLOSURE_ORDER): ("ends_on",),
        (RemedyStatus.VARIED, LegalRemedyKind.PSPO): ("ends_on",),
    }
)


def facts_asked(kind: LegalRemedyKind, to: RemedyStatus) -> tuple[str, ...]:
    """Which facts of a `Move` (besides its date) the power asks for on this move: what the
    court, the notice or the agreement set. A form asks for these and no others."""
    asked = _ASKED.get((to, kind))
    if asked is not None:
        return asked
    if to in (RemedyStatus.IN_FORCE, RemedyStatus.VARIED, RemedyStatus.GRANTED):
        return ("ends_on", "review_on")
    return ()


def plan_review(
    state: RemedyState, *, held_on: date, next_review_on: date | None, now: datetime
) -> dict[str, object]:
    """A review of a remedy in force, held on `held_on`, and the next one the court or the
    council set: the remedy's changed fields, or a DomainError. An under-18's Criminal Behaviour
    Order is reviewed every 12 months (s28): its next review is due by then (suggested if none)."""
    power = POWERS[state.kind]
    if state.status not in ACTIVE_STATUSES:
        raise _refuse(f"Only a remedy in force is reviewed; this {power.name} is {state.status}.")
    if held_on > now.date():
        raise _refuse(
            f"A review cannot be held on {format_uk(held_on)}: that day has not come yet."
        )
    if state.started_on is not None and held_on < state.started_on:
        raise _refuse(f"The review comes before the {power.name} started.")
    if next_review_on is not None and next_review_on <= held_on:
        raise _refuse("The next review comes after this one.")
    young = state.respondent_born_on is not None and age_on(state.respondent_born_on, held_on) < 18
    if state.kind is LegalRemedyKind.CBO and young:
        limit = add_years(held_on, 1)
        if next_review_on is None:
            next_review_on = limit
        elif next_review_on > limit:
            raise _refuse(
                "A Criminal Behaviour Order against an under-18 is reviewed every 12 months "
                f"(s28): the next review by {format_uk(limit)}."
            )
    return {"review_on": next_review_on}
