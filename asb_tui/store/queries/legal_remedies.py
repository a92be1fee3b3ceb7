"""A case's legal remedies as the Act's powers read them: each with its respondent, its stages
(dates, and times where the clock counts hours), its status, whether it is in force, its next
deadline and the legal moves open to it. Read from a case's records (case_records), so case
detail, `asb-tui case show` and the legal screen give the same facts.

Times are stored in UTC and given here in UK time (Europe/London)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from asb_tui.domain.legal_powers import (
    POWERS,
    RemedyClock,
    RemedyState,
    RemedyStatus,
    in_force,
    next_deadline,
    next_statuses,
)
from asb_tui.domain.types import LegalRemedyKind
from asb_tui.store.queries.case_records import CaseRecords

__all__ = [
    "UK",
    "RemedyView",
    "StageView",
    "kind_of",
    "remedy_state",
    "remedy_views_from",
    "status_of",
    "uk_time",
]

UK = ZoneInfo("Europe/London")


def uk_time(moment: datetime | None) -> datetime | None:
    """A stored moment (UTC; naive read back as UTC) in UK time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK)


def status_of(value: str) -> RemedyStatus:
    """A stored status; one written before the legal moves (withdrawn, refused...) has ended."""
    try:
        return RemedyStatus(value)
    except ValueError:
        return RemedyStatus.ENDED if value else RemedyStatus.PROPOSED


def kind_of(value: str) -> LegalRemedyKind:
    try:
        return LegalRemedyKind(value)
    except ValueError:
        return LegalRemedyKind.OTHER


def remedy_state(remedy: Any, born_on: date | None) -> RemedyState:
    """The rules' view of a stored remedy (one made before the Act's powers: its computed end)."""
    return RemedyState(
        kind=kind_of(remedy.kind),
        status=status_of(remedy.status),
        respondent_born_on=born_on,
        has_respondent=remedy.person_id is not None,
        served_at=uk_time(remedy.served_at),
        started_on=remedy.started_on,
        ends_on=remedy.ends_on if remedy.statutory else remedy.expires_on,
        ends_at=uk_time(remedy.ends_at),
        review_on=remedy.review_on,
        comply_by=remedy.comply_by,
        consulted_on=remedy.consulted_on,
        convicted_on=remedy.convicted_on,
        grounds=remedy.grounds,
        grounds_met_on=remedy.grounds_met_on,
        power_of_arrest=remedy.power_of_arrest,
    )


@dataclass(frozen=True)
class StageView:
    stage: str
    on: date
    at: datetime | None  # UK time
    to_status: str
    notes: str


@dataclass(frozen=True)
class RemedyView:
    """A remedy as the legal screen and `case show --json` give it."""

    id: str
    kind: str
    power: str
    section: str
    respondent_id: str | None
    respondent_name: str
    respondent_age: int | None
    status: str
    in_force: bool
    statutory: bool
    served_at: datetime | None  # UK time
    started_on: date | None
    ends_on: date | None
    ends_at: datetime | None  # UK time
    review_on: date | None
    comply_by: date | None
    consulted_on: date | None
    convicted_on: date | None
    power_of_arrest: bool
    grounds: str
    grounds_met_on: date | None
    stages: tuple[StageView, ...]
    next_deadline: RemedyClock | None
    next_statuses: tuple[str, ...]


def remedy_views_from(records: CaseRecords, today: date) -> list[RemedyView]:
    """The case's remedies, in order of their start (proposed ones last)."""
    stages: dict[str, list[StageView]] = {}
    ordered_stages = sorted(records.rows("legal_stage"), key=lambda s: (s.stage_on, s.created_at))
    for stage in ordered_stages:
        stages.setdefault(stage.remedy_id, []).append(
            StageView(
                stage.stage, stage.stage_on, uk_time(stage.stage_at), stage.to_status, stage.notes
            )
        )
    views = []
    remedies = sorted(
        records.rows("legal_remedy"), key=lambda r: (r.started_on or date.max, r.kind, r.id)
    )
    for remedy in remedies:
        person = records.get("person", remedy.person_id)
        state = remedy_state(remedy, person.date_of_birth if person is not None else None)
        power = POWERS[state.kind]
        views.append(
            RemedyView(
                id=remedy.id,
                kind=remedy.kind,
                power=power.name,
                section=power.section,
                respondent_id=remedy.person_id,
                respondent_name=person.name if person is not None else "",
                respondent_age=remedy.respondent_age,
                status=remedy.status,
                in_force=in_force(state, today),
                statutory=bool(remedy.statutory),
                served_at=state.served_at,
                started_on=remedy.started_on,
                ends_on=state.ends_on,
                ends_at=state.ends_at,
                review_on=remedy.review_on,
                comply_by=remedy.comply_by,
                consulted_on=remedy.consulted_on,
                convicted_on=remedy.convicted_on,
                power_of_arrest=bool(remedy.power_of_arrest),
                grounds=remedy.grounds,
                grounds_met_on=remedy.grounds_met_on,
                stages=tuple(stages.get(remedy.id, ())),
                next_deadline=next_deadline(state),
                next_statuses=tuple(s.value for s in next_statuses(state.kind, state.status)),
            )
        )
    return views
