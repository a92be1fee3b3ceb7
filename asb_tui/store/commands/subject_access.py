"""Subject access requests: logged, counted by the month UK GDPR allows, answered, and linked to
the export that answered them.

A request is about a data subject, not a case, and must never reach a partner agency: it is kept
on this laptop only (table `subject_access_request` in `models.LOCAL_TABLES`, written with
`keep_local`; docs/subject-access.md says why it does not sync). Every act on it is audited, and
the audit events name the request (its id and reference) and the fields written, never the
requester, the reason typed or any other of the person's data.

The clock is the domain's (`domain.subject_access`), counted with the working days of the
council's region and closure days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from asb_tui.domain import subject_access as clock_rules
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.working_days import is_working_day
from asb_tui.store.commands.oversight_errors import OversightRefused, UnknownRecord
from asb_tui.store.core.models import Person, SubjectAccessRequest
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.core.user_text import is_blank

# The sync schema's limits for names and for a line of text, kept for this laptop-only table too.
SHORT_TEXT = 200
LINE_TEXT = 1_000


class RequestRefused(OversightRefused):
    """A subject access request, or a change to one, was refused; nothing was written."""


@dataclass(frozen=True)
class RequestView:
    """A request as the CLI and the dashboard show it, with its clock worked out."""

    id: str
    ref: str
    received_on: date
    requester: str
    person_id: str | None
    details: str
    identity_asked: bool
    identity_confirmed_on: date | None
    identity_how: str
    fee_asked: bool
    fee_received_on: date | None
    clarification_asked_on: date | None
    clarification_received_on: date | None
    extension_months: int
    extension_reason: str
    extended_on: date | None
    completed_on: date | None
    export_json_name: str
    export_json_sha256: str
    export_pdf_name: str
    export_pdf_sha256: str
    exported_at: datetime | None
    logged_by: str
    starts_on: date | None
    due_on: date | None
    first_month_due_on: date | None
    waiting_for: str | None
    stopped_days: int
    state: str

    def as_json(self) -> dict[str, Any]:
        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "ref": self.ref,
            "received_on": day(self.received_on),
            "requester": self.requester,
            "person_id": self.person_id,
            "details": self.details,
            "identity": {
                "asked": self.identity_asked,
                "confirmed_on": day(self.identity_confirmed_on),
                "how": self.identity_how,
            },
            "fee": {"asked": self.fee_asked, "received_on": day(self.fee_received_on)},
            "clarification": {
                "asked_on": day(self.clarification_asked_on),
                "received_on": day(self.clarification_received_on),
            },
            "extension": {
                "months": self.extension_months,
                "reason": self.extension_reason,
                "decided_on": day(self.extended_on),
            },
            "clock": {
                "starts_on": day(self.starts_on),
                "first_month_due_on": day(self.first_month_due_on),
                "due_on": day(self.due_on),
                "waiting_for": self.waiting_for,
                "stopped_days": self.stopped_days,
                "state": self.state,
            },
            "completed_on": day(self.completed_on),
            "export": {
                "json": {"file": self.export_json_name, "sha256": self.export_json_sha256},
                "pdf": {"file": self.export_pdf_name, "sha256": self.export_pdf_sha256},
                "at": self.exported_at.isoformat() if self.exported_at else None,
            }
            if self.exported_at
            else None,
            "logged_by": self.logged_by,
        }


def working_day_test(rules: DeadlineRules) -> clock_rules.WorkingDay:
    """The council's working days: its region's bank holidays and its closure days."""
    region, closures = rules.default_region, rules.closures
    return lambda day: is_working_day(day, region, closures)


def _facts(row: SubjectAccessRequest) -> clock_rules.RequestFacts:
    return clock_rules.RequestFacts(
        received_on=row.received_on,
        identity_asked=row.identity_asked,
        identity_confirmed_on=row.identity_confirmed_on,
        fee_asked=row.fee_asked,
        fee_received_on=row.fee_received_on,
        clarification_asked_on=row.clarification_asked_on,
        clarification_received_on=row.clarification_received_on,
        extension_months=row.extension_months,
        completed_on=row.completed_on,
    )


def _view(row: SubjectAccessRequest, today: date, rules: DeadlineRules) -> RequestView:
    now = clock_rules.clock(_facts(row), working_day_test(rules))
    return RequestView(
        id=row.id,
        ref=row.ref,
        received_on=row.received_on,
        requester=row.requester,
        person_id=row.person_id,
        details=row.details,
        identity_asked=row.identity_asked,
        identity_confirmed_on=row.identity_confirmed_on,
        identity_how=row.identity_how,
        fee_asked=row.fee_asked,
        fee_received_on=row.fee_received_on,
        clarification_asked_on=row.clarification_asked_on,
        clarification_received_on=row.clarification_received_on,
        extension_months=row.extension_months,
        extension_reason=row.extension_reason,
        extended_on=row.extended_on,
        completed_on=row.completed_on,
        export_json_name=row.export_json_name,
        export_json_sha256=row.export_json_sha256,
        export_pdf_name=row.export_pdf_name,
        export_pdf_sha256=row.export_pdf_sha256,
        exported_at=row.exported_at,
        logged_by=row.logged_by,
        starts_on=now.starts_on,
        due_on=now.due_on,
        first_month_due_on=now.first_month_due_on,
        waiting_for=now.waiting_for,
        stopped_days=now.stopped_days,
        state=clock_rules.state(now.due_on, today, row.completed_on),
    )


# --- checks -------------------------------------------------------------------------------------


def _text(value: str, what: str, limit: int, *, required: bool = False) -> str:
    if required and is_blank(value):
        raise RequestRefused(f"{what} is required; nothing was saved")
    if len(value) > limit:
        raise RequestRefused(
            f"{what} is {len(value):,} characters long; the most it may hold is {limit:,}; "
            "nothing was saved"
        )
    if "\x00" in value:
        raise RequestRefused(f"{what} holds a NUL character; nothing was saved")
    return value  # stored exactly as typed


def _day(day: date, what: str, today: date, *, not_before: date | None = None) -> date:
    if day > today:
        raise RequestRefused(f"{what} ({format_uk(day)}) is in the future; nothing was saved")
    if not_before is not None and day < not_before:
        raise RequestRefused(
            f"{what} ({format_uk(day)}) is before the request was received "
            f"({format_uk(not_before)}); nothing was saved"
        )
    return day


_REF = re.compile(r"^SAR-(\d{4})-(\d+)$", re.IGNORECASE)


def _next_ref(session: Session, year: int) -> str:
    refs = session.exec(
        select(SubjectAccessRequest.ref).where(col(SubjectAccessRequest.ref).like(f"SAR-{year}-%"))
    ).all()
    numbers = [int(m.group(2)) for ref in refs if (m := _REF.match(ref))]
    return f"SAR-{year}-{max(numbers, default=0) + 1:04d}"


def _find(session: Session, which: str) -> SubjectAccessRequest:
    """A request by its reference (any case of letters) or its id."""
    typed = which.strip()
    row = session.exec(
        select(SubjectAccessRequest).where(
            (col(SubjectAccessRequest.ref) == typed.upper()) | (SubjectAccessRequest.id == typed)
        )
    ).first()
    if row is None:
        raise UnknownRecord(
            f"there is no subject access request {typed!r} on this laptop "
            "(`asb-tui sar list` shows them); nothing was changed"
        )
    return row


def _open(row: SubjectAccessRequest) -> None:
    if row.completed_on is not None:
        raise RequestRefused(
            f"{row.ref} was answered on {format_uk(row.completed_on)}; nothing was changed"
        )


def _keep(
    uow: UnitOfWork,
    row: SubjectAccessRequest,
    action: str,
    fields: list[str],
    **extra: int | str,
) -> None:
    """Store the row and audit the act: the request's reference and the fields written (and
    for an extension, the months), never their values."""
    details: dict[str, Any] = {"ref": row.ref, "fields": sorted(fields), **extra}
    uow.keep_local(row, action=action, details=details)


# --- commands -----------------------------------------------------------------------------------


def log_request(
    store: Store,
    *,
    received_on: date,
    requester: str,
    today: date,
    rules: DeadlineRules,
    person_id: str | None = None,
    details: str = "",
    identity_asked: bool = False,
    identity_confirmed_on: date | None = None,
    identity_how: str = "",
    fee_asked: bool = False,
) -> RequestView:
    """Log a request as received. Its identity may be confirmed at once (`identity_confirmed_on`
    with how), or asked for (`identity_asked`: the clock then waits for it)."""
    _day(received_on, "the day the request was received", today)
    _text(requester, "the requester's name", SHORT_TEXT, required=True)
    _text(details, "what was asked for", LINE_TEXT)
    _text(identity_how, "how the identity was checked", LINE_TEXT)
    if identity_confirmed_on is not None:
        _day(identity_confirmed_on, "the identity check", today, not_before=received_on)
        _text(identity_how, "how the identity was checked", LINE_TEXT, required=True)
    elif not is_blank(identity_how):
        raise RequestRefused("say on which day the identity was checked; nothing was saved")
    with store.write() as uow:
        if person_id is not None and uow.reads.get(Person, person_id) is None:
            raise UnknownRecord(f"no person with the id {person_id!r}; nothing was saved")
        row = SubjectAccessRequest(
            ref=_next_ref(uow.reads, received_on.year),
            received_on=received_on,
            requester=requester,
            person_id=person_id,
            details=details,
            identity_asked=identity_asked,
            identity_confirmed_on=identity_confirmed_on,
            identity_how=identity_how,
            fee_asked=fee_asked,
            logged_by=store.actor,
        )
        _keep(uow, row, "sar.log", [k for k, v in _set_fields(row).items() if v])
    return _view(row, today, rules)


def _set_fields(row: SubjectAccessRequest) -> dict[str, Any]:
    return {
        name: getattr(row, name)
        for name in SubjectAccessRequest.model_fields
        if name not in {"id", "ref", "created_at", "logged_by"}
    }


def confirm_identity(
    store: Store, which: str, *, on: date, how: str, today: date, rules: DeadlineRules
) -> RequestView:
    """The requester's identity was confirmed on `on` (the evidence asked for arrived)."""
    _text(how, "how the identity was checked", LINE_TEXT, required=True)
    with store.write() as uow:
        row = _find(uow.reads, which)
        _open(row)
        _day(on, "the identity check", today, not_before=row.received_on)
        row.identity_confirmed_on, row.identity_how = on, how
        _keep(uow, row, "sar.identity", ["identity_confirmed_on", "identity_how"])
    return _view(row, today, rules)


def record_fee(
    store: Store, which: str, *, on: date, today: date, rules: DeadlineRules
) -> RequestView:
    """The fee asked for was received on `on` (the clock starts then)."""
    with store.write() as uow:
        row = _find(uow.reads, which)
        _open(row)
        _day(on, "the fee's receipt", today, not_before=row.received_on)
        row.fee_asked, row.fee_received_on = True, on
        _keep(uow, row, "sar.fee", ["fee_asked", "fee_received_on"])
    return _view(row, today, rules)


def record_clarification(
    store: Store,
    which: str,
    *,
    asked_on: date | None,
    received_on: date | None,
    today: date,
    rules: DeadlineRules,
) -> RequestView:
    """The council asked the requester to clarify the request (the clock stops) and/or the
    answer came (it runs again)."""
    if asked_on is None and received_on is None:
        raise RequestRefused("give --asked, --answered or both; nothing was changed")
    with store.write() as uow:
        row = _find(uow.reads, which)
        _open(row)
        asked = asked_on or row.clarification_asked_on
        if asked is None:
            raise RequestRefused(
                f"{row.ref}: no clarification was asked for; give the day it was asked "
                "(--asked); nothing was changed"
            )
        _day(asked, "the day the clarification was asked for", today, not_before=row.received_on)
        if received_on is not None:
            _day(received_on, "the clarification's answer", today, not_before=asked)
        row.clarification_asked_on = asked
        row.clarification_received_on = received_on or row.clarification_received_on
        _keep(
            uow, row, "sar.clarification", ["clarification_asked_on", "clarification_received_on"]
        )
    return _view(row, today, rules)


def extend_request(
    store: Store,
    which: str,
    *,
    months: int,
    reason: str,
    on: date,
    today: date,
    rules: DeadlineRules,
) -> RequestView:
    """Extend the request by 1 or 2 further months (complex, or one of a number of requests),
    with the reason the requester is told; refused after the first month has run out."""
    _text(reason, "the reason for the extension", LINE_TEXT, required=True)
    _day(on, "the day the extension was decided", today)
    with store.write() as uow:
        row = _find(uow.reads, which)
        _open(row)
        _day(on, "the day the extension was decided", today, not_before=row.received_on)
        try:
            clock_rules.check_extension(_facts(row), months, on, working_day_test(rules))
        except DomainError as exc:
            raise RequestRefused(f"{row.ref}: {exc}; nothing was changed") from None
        row.extension_months, row.extension_reason, row.extended_on = months, reason, on
        _keep(
            uow,
            row,
            "sar.extend",
            ["extension_months", "extension_reason", "extended_on"],
            months=months,
        )
    return _view(row, today, rules)


def complete_request(
    store: Store, which: str, *, on: date, today: date, rules: DeadlineRules
) -> RequestView:
    """The reply was sent on `on`."""
    with store.write() as uow:
        row = _find(uow.reads, which)
        _open(row)
        _day(on, "the day the reply was sent", today, not_before=row.received_on)
        row.completed_on = on
        _keep(uow, row, "sar.complete", ["completed_on"])
    return _view(row, today, rules)


def request_for_export(store: Store, which: str, person_id: str) -> tuple[str, str]:
    """The id and reference of the request an export is for, checked before anything is
    written: it exists, and it is about this person (or about nobody yet)."""
    with store.read() as session:
        row = _find(session, which)
        _check_person(row, person_id)
        return row.id, row.ref


def _check_person(row: SubjectAccessRequest, person_id: str) -> None:
    if row.person_id is not None and row.person_id != person_id:
        raise RequestRefused(
            f"{row.ref} is about another person (id {row.person_id}); nothing was exported"
        )


def link_export(
    uow: UnitOfWork,
    request_id: str,
    *,
    person_id: str,
    files: dict[str, tuple[str, str]],
    at: datetime,
) -> str:
    """Inside the export's own unit of work: record on the request the files that answered it
    (`files`: "json"/"pdf" -> (file name, SHA-256)) and when; returns the request's reference."""
    row = _find(uow.reads, request_id)
    _check_person(row, person_id)
    row.person_id = person_id
    row.export_json_name, row.export_json_sha256 = files["json"]
    row.export_pdf_name, row.export_pdf_sha256 = files["pdf"]
    row.exported_at = at
    _keep(
        uow,
        row,
        "sar.export.link",
        ["person_id", "export_json_name", "export_json_sha256", "export_pdf_name",
         "export_pdf_sha256", "exported_at"],
    )  # fmt: skip
    return row.ref


# --- reads --------------------------------------------------------------------------------------


def list_requests(
    store: Store, *, today: date, rules: DeadlineRules, open_only: bool = False
) -> list[RequestView]:
    """Every request on this laptop (or the open ones), the soonest due first; those whose
    clock waits after them, the answered ones last."""
    with store.read() as session:
        return requests_in(session, today=today, rules=rules, open_only=open_only)


def requests_in(
    session: Session, *, today: date, rules: DeadlineRules, open_only: bool = False
) -> list[RequestView]:
    query = select(SubjectAccessRequest)
    if open_only:
        query = query.where(col(SubjectAccessRequest.completed_on).is_(None))
    views = [_view(row, today, rules) for row in session.exec(query)]
    return sorted(
        views,
        key=lambda v: (
            v.completed_on is not None,
            v.due_on is None,
            v.due_on or date.max,
            v.received_on,
            v.ref,
        ),
    )


def show_request(store: Store, which: str, *, today: date, rules: DeadlineRules) -> RequestView:
    with store.read() as session:
        return _view(_find(session, which), today, rules)


# --- retention ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestPastRetention:
    request_id: str
    ref: str
    completed_on: date
    destroy_after: date


def requests_past_retention(store: Store, today: date, years: int) -> list[RequestPastRetention]:
    """Requests answered `years` (the council's `retention_years`) or more before `today`: the
    log holds the requester's name, so it is destroyed as a closed case is."""
    from asb_tui.domain.months import add_years

    with store.read() as session:
        rows = session.exec(
            select(SubjectAccessRequest).where(col(SubjectAccessRequest.completed_on).is_not(None))
        ).all()
    due = [
        RequestPastRetention(row.id, row.ref, row.completed_on, add_years(row.completed_on, years))
        for row in rows
        if row.completed_on is not None and add_years(row.completed_on, years) <= today
    ]
    return sorted(due, key=lambda r: (r.completed_on, r.ref))


def destroy_requests(store: Store, requests: list[RequestPastRetention]) -> int:
    """Delete these requests (each audited by its id and reference only); the caller compacts
    the file afterwards, as retention does."""
    with store.write() as uow:
        rows = [uow.reads.get(SubjectAccessRequest, r.request_id) for r in requests]
        found = [row for row in rows if row is not None]
        for row in found:
            uow.audit_only(
                action="sar.destroy",
                entity="subject_access_request",
                entity_id=row.id,
                details={"ref": row.ref, "reason": "retention"},
            )
        uow.drop_local(found)
    return len(found)
