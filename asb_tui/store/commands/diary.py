"""Diary sheets: sent (with the explanatory letter), returned, and transcribed entry by entry.

Each transcribed entry is one Incident linked to its sheet (`diary_sheet_id`, source "diary"),
saved in its own transaction the moment the officer presses Enter, so a crash loses at most the
row being typed. The grid names each row's id before it is saved (`entry_id`), so a save that is
sent again (after a lock, or a retry) finds the row already there instead of adding it twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select

from asb_tui.domain import diary_columns
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.case_review import AGENCIES
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import ActionKind
from asb_tui.store.commands.fieldwork import FieldworkError, get_case, require_text
from asb_tui.store.commands.people import refresh_repeat_victims_of_case
from asb_tui.store.core.models import Action, DiarySheet, Incident
from asb_tui.store.core.store import Store

__all__ = [
    "DiaryEntry",
    "DiaryEntryRow",
    "DiarySheetSummary",
    "add_diary_entry",
    "diary_sheets",
    "entry_row",
    "parse_entry_time",
    "record_sheet_returned",
    "record_sheets_sent",
    "sheet_entries",
]


def parse_entry_time(text: str) -> str:
    """ "21:30", "2130", "9.30", "9pm", "9:30pm" -> "HH:MM"; blank stays blank (time unknown).

    Raises FieldworkError for anything that is not a time of day.
    """
    try:
        return diary_columns.parse_entry_time(text)
    except DomainError as exc:
        raise FieldworkError(str(exc)) from None


@dataclass(frozen=True)
class DiaryEntry:
    """One line of a paper diary sheet as transcribed."""

    occurred_on: date
    description: str
    occurred_time: str = ""
    who_involved: str = ""
    impact: str = ""
    reported_to_police: bool = False
    police_ref: str = ""
    # Reported means reported: the day the victim first reported it and to whom (agency codes of
    # domain/case_review.AGENCIES). The police are implied by `reported_to_police` or a reference.
    reported_on: date | None = None
    reported_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiarySheetSummary:
    """A sheet as the diary screen shows it, with how many entries it has."""

    id: str
    sent_on: date | None
    letter_sent_on: date | None
    returned_on: date | None
    entries: int


@dataclass(frozen=True)
class DiaryEntryRow:
    """A stored diary entry, as the grid shows it."""

    id: str
    occurred_on: date
    occurred_time: str
    description: str
    who_involved: str
    impact: str
    reported_to_police: bool
    police_ref: str
    reported_on: date | None = None
    reported_to: tuple[str, ...] = ()


def entry_row(incident: Incident) -> DiaryEntryRow:
    return DiaryEntryRow(
        id=incident.id,
        occurred_on=incident.occurred_on,
        occurred_time=incident.occurred_time,
        description=incident.description,
        who_involved=incident.who_involved,
        impact=incident.impact,
        reported_to_police=incident.reported_to_police,
        police_ref=incident.police_ref,
        reported_on=incident.reported_on,
        reported_to=tuple(code for code in incident.reported_to.split(",") if code),
    )


def record_sheets_sent(
    store: Store,
    case_id: str,
    *,
    sent_on: date,
    letter_sent_on: date | None = None,
    person_id: str | None = None,
    notes: str = "",
) -> DiarySheet:
    """Record diary sheets sent to the victim (and the explanatory letter, usually the same day).

    Completes the case's open "send diary sheets and letter" task once the letter has gone too.
    """
    with store.write() as uow:
        get_case(uow.reads, case_id)
        sheet = uow.add(
            DiarySheet(
                case_id=case_id,
                person_id=person_id,
                sent_on=sent_on,
                letter_sent_on=letter_sent_on,
                notes=notes,
            ),
            action="diary_sheet.send",
        )
        if letter_sent_on is not None:
            open_tasks = uow.reads.exec(
                select(Action).where(
                    Action.case_id == case_id,
                    Action.kind == ActionKind.DIARY_SHEETS.value,
                    col(Action.done_on).is_(None),
                )
            ).all()
            for task in open_tasks:
                uow.update(task, {"done_on": max(sent_on, letter_sent_on)}, action="action.done")
        return sheet


def record_sheet_returned(store: Store, sheet_id: str, returned_on: date) -> DiarySheet:
    """Record the date a completed sheet came back."""
    with store.write() as uow:
        sheet = uow.reads.get(DiarySheet, sheet_id)
        if sheet is None:
            raise FieldworkError("That diary sheet is not in this store.")
        if sheet.sent_on is not None and returned_on < sheet.sent_on:
            raise FieldworkError("A sheet cannot come back before it was sent.")
        return uow.update(sheet, {"returned_on": returned_on}, action="diary_sheet.return")


def add_diary_entry(
    store: Store,
    sheet_id: str,
    entry: DiaryEntry,
    *,
    typed_on: date | None = None,
    entry_id: str | None = None,
    rules: DeadlineRules | None = None,
) -> Incident:
    """Save one transcribed entry as an Incident of the sheet's case (one transaction).

    The entry is reported when and to whom the victim says (`entry.reported_on`,
    `entry.reported_to`): the day the sheet came back is when the council read the diary, not a
    report of each incident, so it dates nothing (a sheet returned months later must not make old
    incidents count towards the Case Review). With `entry_id` (a UUID the caller chose) a second
    call for the same id returns the entry already stored and writes nothing.
    The entry may make the case's victim a repeat victim (with `rules`, the council's; else the
    default rule): checked in the same transaction, which then starts the protocol.
    """
    require_text(entry.description, "What happened")
    occurred_time = parse_entry_time(entry.occurred_time)
    try:
        diary_columns.check_lengths(
            {
                "what": entry.description,
                "who": entry.who_involved,
                "effect": entry.impact,
                "police_ref": entry.police_ref,
            }
        )
    except DomainError as exc:
        raise FieldworkError(str(exc)) from None
    if entry_id is not None:
        entry_id = _checked_id(entry_id)
    agencies = set(entry.reported_to) | (
        {"police"} if entry.reported_to_police or entry.police_ref.strip() else set()
    )
    unknown = agencies - set(AGENCIES)
    if unknown:
        raise FieldworkError(f"'{sorted(unknown)[0]}' is not an agency a report can be made to.")
    reported_to = [code for code in AGENCIES if code in agencies]
    if entry.reported_on is not None:
        if entry.reported_on < entry.occurred_on:
            raise FieldworkError("It cannot have been reported before it happened.")
        if entry.reported_on > (typed_on or date.today()):
            raise FieldworkError(f"Reported on {format_uk(entry.reported_on)} is in the future.")
        if not reported_to:
            raise FieldworkError("A report date is given: say to whom it was reported.")
    with store.write() as uow:
        sheet = uow.reads.get(DiarySheet, sheet_id)
        if sheet is None:
            raise FieldworkError("That diary sheet is not in this store.")
        if entry_id is not None:
            existing = uow.reads.get(Incident, entry_id)
            if existing is not None:
                if existing.diary_sheet_id != sheet.id:
                    raise FieldworkError("That entry belongs to another diary sheet.")
                return existing
        incident = Incident(
            case_id=sheet.case_id,
            diary_sheet_id=sheet.id,
            occurred_on=entry.occurred_on,
            occurred_time=occurred_time,
            description=entry.description,
            who_involved=entry.who_involved,
            impact=entry.impact,
            reported_to_police="police" in reported_to,
            police_ref=entry.police_ref,
            reported_to_council_on=entry.reported_on if "council" in reported_to else None,
            reported_on=entry.reported_on,
            reported_to=",".join(reported_to),
            source="diary",
            recorded_by=uow.actor,
        )
        if entry_id is not None:
            incident.id = entry_id
        stored = uow.add(incident, action="incident.add", details={"source": "diary"})
        refresh_repeat_victims_of_case(
            uow, sheet.case_id, typed_on or date.today(), rules or DeadlineRules()
        )
        return stored


def _checked_id(entry_id: str) -> str:
    """The id in the store's own form (a canonical UUID), or FieldworkError."""
    try:
        return str(uuid.UUID(entry_id))
    except (ValueError, TypeError, AttributeError):
        raise FieldworkError("That diary entry id is not a valid id.") from None


def diary_sheets(store: Store, case_id: str) -> list[DiarySheetSummary]:
    """The case's sheets, oldest first, with how many entries each has."""
    with store.read() as session:
        counts = dict(
            session.exec(
                select(Incident.diary_sheet_id, func.count())
                .where(Incident.case_id == case_id, col(Incident.diary_sheet_id).is_not(None))
                .group_by(Incident.diary_sheet_id)
            ).all()
        )
        sheets = session.exec(
            select(DiarySheet)
            .where(DiarySheet.case_id == case_id)
            .order_by(col(DiarySheet.sent_on).asc().nulls_first(), col(DiarySheet.id))
        ).all()
        return [
            DiarySheetSummary(
                id=sheet.id,
                sent_on=sheet.sent_on,
                letter_sent_on=sheet.letter_sent_on,
                returned_on=sheet.returned_on,
                entries=int(counts.get(sheet.id, 0)),
            )
            for sheet in sheets
        ]


def sheet_entries(store: Store, sheet_id: str) -> list[DiaryEntryRow]:
    """The entries of a sheet in the order they were typed."""
    with store.read() as session:
        incidents = session.exec(
            select(Incident)
            .where(Incident.diary_sheet_id == sheet_id)
            .order_by(col(Incident.created_at), col(Incident.id))
        ).all()
        return [entry_row(incident) for incident in incidents]
