"""Sync as the officer sees it: what waits to be sent, how the last sync went, the conflicts to
resolve and the changes the server refused. Local state only: the two acts that talk to the
service, enrol and sync, are `asb_tui.services.sync_run`.

Resolving a conflict is decided on the laptop and carried out on the server (every device must
see the same answer): `resolve_conflict_locally` records the officer's choice (with an audit
event), and `services.sync_run.run_sync` sends the queued choices before it pushes and pulls. The
resolved value then comes back in the pull like any other change, so the devices converge without
a wall clock ever picking a winner. A choice made offline simply waits for the next sync.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, TypeDecorator, func
from sqlmodel import Session, col, select

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.store.core import settings
from asb_tui.store.core.models import (
    TABLES_BY_NAME,
    Case,
    ChangeRecord,
    SetAsideChange,
    SyncConflict,
)
from asb_tui.store.core.store import Store
from asb_tui.store.replica.replica import (
    RESOLVING,
    SYNC_LAST_OK_AT,
    SYNC_LAST_RESULT,
    SYNC_PENDING_RESOLUTIONS,
    SYNC_REFUSED,
)
from sync import schema
from sync.protocol import ROW_CONFLICT_FIELD

Choice = Literal["mine", "theirs", "edit"]
CHOICES: tuple[Choice, ...] = ("mine", "theirs", "edit")

TABLE_LABELS = {
    "asb_case": "case",
    "person": "person",
    "case_party": "party to the case",
    "diary_sheet": "diary sheet",
    "visit": "visit",
    "consent": "consent",
    "contact_agreement": "contact agreement",
    "h2h_run": "house-to-house run",
    "door_enquiry": "door enquiry",
    "action": "action",
    "legal_remedy": "legal remedy",
    "referral": "referral",
    "vvc_decision": "VVC decision",
}


class ResolutionError(ValueError):
    """A resolution the officer cannot make (unknown conflict, bad value); nothing changed."""


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- the overview (dashboard and sync screen) --------------------------------------------------


@dataclass(frozen=True)
class SyncOverview:
    enrolled: bool
    server_url: str
    officer_name: str
    team: str
    #: change records not yet accepted by the server
    changes_waiting: int
    last_sync_at: datetime | None
    last_sync_ok: bool | None
    last_error: str | None
    last_pushed: int
    last_pulled: int
    last_ok_at: datetime | None
    open_conflicts: int
    refused: int
    warnings: tuple[str, ...] = ()


def changes_waiting(store: Store) -> int:
    """How many local changes the server has not yet accepted."""
    with store.read() as session:
        return _changes_waiting(session, store.device_id)


def _changes_waiting(session: Session, device_id: str) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(ChangeRecord)
            .where(col(ChangeRecord.sent_at).is_(None), ChangeRecord.device_id == device_id)
        ).one()
    )


def open_conflict_count(store: Store) -> int:
    """Conflicts that wait for the officer (or for their choice to reach the server)."""
    with store.read() as session:
        return _open_conflict_count(session)


def _open_conflict_count(session: Session) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(SyncConflict)
            .where(col(SyncConflict.status).in_(("open", RESOLVING)))
        ).one()
    )


def sync_overview(store: Store) -> SyncOverview:
    """Everything the dashboard and the sync screen show about sync, in one read."""
    with store.read() as session:
        raw_settings = settings.get_json(session, settings.SYNC_SETTINGS, None)
        last = settings.get_json(session, SYNC_LAST_RESULT, None)
        refused = settings.get_json(session, SYNC_REFUSED, [])
        waiting = _changes_waiting(session, store.device_id)
        conflicts = _open_conflict_count(session)
        last_ok_at = _parse_time(settings.get(session, SYNC_LAST_OK_AT))
    enrolled_with = raw_settings if isinstance(raw_settings, dict) else {}
    last = last if isinstance(last, dict) else {}
    return SyncOverview(
        enrolled=bool(enrolled_with.get("server_url")),
        server_url=str(enrolled_with.get("server_url", "")),
        officer_name=str(enrolled_with.get("officer_name", "")),
        team=str(enrolled_with.get("team", "")),
        changes_waiting=waiting,
        last_sync_at=_parse_time(last.get("finished_at")),
        last_sync_ok=last.get("ok") if last else None,
        last_error=last.get("error"),
        last_pushed=int(last.get("pushed", 0) or 0),
        last_pulled=int(last.get("pulled", 0) or 0),
        last_ok_at=last_ok_at,
        open_conflicts=conflicts,
        refused=len(refused) if isinstance(refused, list) else 0,
        warnings=tuple(str(w) for w in last.get("warnings", []) or []),
    )


# --- conflicts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictView:
    id: str
    case_id: str
    case_ref: str
    table: str
    row_id: str
    field: str
    mine: Any
    theirs: Any
    status: str
    detected_at: datetime
    #: the officer's choice waiting to be sent to the server, if any
    queued_choice: str | None = None

    @property
    def what(self) -> str:
        """ "case summary", "visit notes", "person (whole record)"."""
        label = TABLE_LABELS.get(self.table, self.table.replace("_", " "))
        if self.field == ROW_CONFLICT_FIELD:
            return f"{label} (whole record)"
        return f"{label} {self.field.replace('_', ' ')}"

    @property
    def mine_text(self) -> str:
        return value_as_text(self.table, self.field, self.mine)

    @property
    def theirs_text(self) -> str:
        return value_as_text(self.table, self.field, self.theirs)

    @property
    def editable(self) -> bool:
        return self.field != ROW_CONFLICT_FIELD


def _conflict_views(session: Session, statuses: tuple[str, ...]) -> list[ConflictView]:
    rows = session.exec(
        select(SyncConflict, Case.ref)
        .join(Case, col(Case.id) == col(SyncConflict.case_id), isouter=True)
        .where(col(SyncConflict.status).in_(statuses))
        .order_by(col(SyncConflict.detected_at), col(SyncConflict.id))
    ).all()
    queued = settings.get_json(session, SYNC_PENDING_RESOLUTIONS, {})
    queued = queued if isinstance(queued, dict) else {}
    return [
        ConflictView(
            id=c.id,
            case_id=c.case_id,
            case_ref=ref or "",
            table=c.table_name,
            row_id=c.row_id,
            field=c.field,
            mine=c.local_value,
            theirs=c.server_value,
            status=c.status,
            detected_at=c.detected_at,
            queued_choice=(queued.get(c.id) or {}).get("choice"),
        )
        for c, ref in rows
    ]


def open_conflicts(store: Store) -> list[ConflictView]:
    """Conflicts that wait for the officer (or for their choice to reach the server)."""
    with store.read() as session:
        return _conflict_views(session, ("open", RESOLVING))


def all_conflicts(store: Store) -> list[ConflictView]:
    with store.read() as session:
        return _conflict_views(session, ("open", RESOLVING, "resolved"))


def _column(table: str, field: str) -> Any:
    model = TABLES_BY_NAME.get(table)
    if model is None:
        return None
    return model.__table__.c.get(field)  # type: ignore[attr-defined]


def _kind(table: str, field: str) -> Any:
    column = _column(table, field)
    if column is None:
        return None
    return column.type.impl if isinstance(column.type, TypeDecorator) else column.type


def value_as_text(table: str, field: str, value: Any) -> str:
    """A stored JSON value the way an officer reads it (dates dd/mm/yyyy, yes/no)."""
    if field == ROW_CONFLICT_FIELD:
        return "deleted" if value is None else "the whole record"
    if value is None or value == "":
        return "(blank)"
    kind = _kind(table, field)
    if isinstance(kind, Boolean) and isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(kind, Date) and isinstance(value, str):
        try:
            return format_uk(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def value_from_text(table: str, field: str, text: str, *, today: date | None = None) -> Any:
    """The JSON value for what the officer typed as an edited resolution; ValueError if it does
    not fit the field (with a message to show)."""
    if field == ROW_CONFLICT_FIELD:
        raise ResolutionError("a deleted record is resolved with keep mine or keep theirs")
    column = _column(table, field)
    if column is None:
        raise ResolutionError(f"this version of asb-tui does not know the field {field!r}")
    kind = _kind(table, field)
    stripped = text.strip()
    if not stripped and column.nullable and not isinstance(kind, Boolean):
        return None
    if isinstance(kind, DateTime):
        try:
            return datetime.fromisoformat(stripped).isoformat()
        except ValueError:
            raise ResolutionError(f"'{stripped}' is not a date and time") from None
    if isinstance(kind, Date):
        return parse_uk_date(stripped, today or date.today()).isoformat()
    if isinstance(kind, Boolean):
        answer = stripped.lower()
        if answer in {"yes", "y", "true"}:
            return True
        if answer in {"no", "n", "false"}:
            return False
        raise ResolutionError("answer yes or no")
    if isinstance(kind, Integer):
        try:
            return int(stripped)
        except ValueError:
            raise ResolutionError(f"'{stripped}' is not a whole number") from None
    if isinstance(kind, Float):
        try:
            return float(stripped)
        except ValueError:
            raise ResolutionError(f"'{stripped}' is not a number") from None
    python_type = None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = None
    if python_type in {list, dict} or python_type is None:
        try:
            return json.loads(stripped)
        except ValueError:
            raise ResolutionError("type the value as JSON (a list or an object)") from None
    return text


def resolve_conflict_locally(
    store: Store, conflict_id: str, choice: Choice, value: Any = None
) -> ConflictView:
    """Record the officer's resolution; `run_sync` sends it to the server at the next sync.

    choice "mine" keeps this laptop's value, "theirs" the other side's, "edit" writes `value`
    (a JSON value, see `value_from_text`). The conflict shows as "resolving" until the server's
    answer comes back in a pull. Raises ResolutionError (nothing changed) when it cannot apply.
    """
    if choice not in CHOICES:
        raise ResolutionError(f"choose one of {', '.join(CHOICES)}")
    with store.write() as uow:
        row = uow.reads.get(SyncConflict, conflict_id)
        if row is None:
            raise ResolutionError("there is no such conflict on this laptop")
        if row.status == "resolved":
            raise ResolutionError("this conflict is already resolved")
        if choice == "edit" and row.field == ROW_CONFLICT_FIELD:
            raise ResolutionError("a deleted record is resolved with keep mine or keep theirs")
        if choice == "edit":
            problem = schema.check_change(row.table_name, "update", {row.field: value})
            if problem is not None:
                raise ResolutionError(f"the edited value does not fit: {problem}")
        queued = settings.get_json(uow.reads, SYNC_PENDING_RESOLUTIONS, {})
        queued = queued if isinstance(queued, dict) else {}
        queued[conflict_id] = {"choice": choice, "value": value if choice == "edit" else None}
        uow.put_setting(
            SYNC_PENDING_RESOLUTIONS, json.dumps(queued, ensure_ascii=False, sort_keys=True)
        )
        row.status = RESOLVING
        uow.keep_local(
            row,
            action="sync.conflict.resolve",
            details={"choice": choice, "table": row.table_name, "field": row.field},
        )
        views = [v for v in _conflict_views(uow.reads, (RESOLVING,)) if v.id == conflict_id]
    return views[0]


# --- refused changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RefusedView:
    device_counter: int
    table: str
    row_id: str
    case_id: str
    reason: str
    refused_at: datetime | None


def refused_changes(store: Store) -> list[RefusedView]:
    """Changes the server will never apply (kept on the server too), newest first."""
    with store.read() as session:
        kept = settings.get_json(session, SYNC_REFUSED, [])
    views = [
        RefusedView(
            device_counter=int(item.get("device_counter", 0)),
            table=str(item.get("table", "")),
            row_id=str(item.get("row_id", "")),
            case_id=str(item.get("case_id", "")),
            reason=str(item.get("reason", "")),
            refused_at=_parse_time(item.get("refused_at")),
        )
        for item in (kept if isinstance(kept, list) else [])
        if isinstance(item, dict)
    ]
    return sorted(views, key=lambda v: v.device_counter, reverse=True)


@dataclass(frozen=True)
class SetAsideView:
    """A change that did not go through, in either direction, and what the officer can do.

    "sent": a change of this laptop that the service refused, or that the laptop could not send
    (it is kept here as saved; everything after it was still sent). "received": a change from
    the service that this laptop could not apply (the rest of its page was applied)."""

    direction: Literal["sent", "received"]
    #: the laptop's change number ("sent") or the service's stream number ("received")
    number: int
    table: str
    row_id: str
    case_id: str
    case_ref: str
    reason: str
    at: datetime | None

    @property
    def what(self) -> str:
        label = TABLE_LABELS.get(self.table, self.table.replace("_", " "))
        return f"{label} of case {self.case_ref or self.case_id[:8]}"

    @property
    def advice(self) -> str:
        if self.direction == "received":
            if "asb-tui does not know" in self.reason:
                return "Update asb-tui: the change is kept and the rest was applied."
            return f"Tell your administrator (stream change {self.number}); the rest was applied."
        if "no access" in self.reason:
            return "It is not your team's case: ask its team to make the change."
        if self.reason.startswith(("set aside on the laptop", "not stored")):
            return (
                "It stays on this laptop as saved. Correct it (shorten the text, fill the "
                "field) and save it again as a new record; everything else was sent."
            )
        return (
            f"Your administrator can see it as change {self.number} of this laptop "
            "(asb-sync-server refused list); everything else was sent."
        )


def set_aside_changes(store: Store) -> list[SetAsideView]:
    """Every change set aside or refused, both ways, newest first."""
    with store.read() as session:
        pulled = list(session.exec(select(SetAsideChange)))
        refs = dict(session.exec(select(Case.id, Case.ref)).all())
    views = [
        SetAsideView(
            direction="sent",
            number=r.device_counter,
            table=r.table,
            row_id=r.row_id,
            case_id=r.case_id,
            case_ref=refs.get(r.case_id, ""),
            reason=r.reason,
            at=r.refused_at,
        )
        for r in refused_changes(store)
    ]
    views += [
        SetAsideView(
            direction="received",
            number=item.seq,
            table=item.table_name,
            row_id=item.row_id,
            case_id=item.case_id,
            case_ref=refs.get(item.case_id, ""),
            reason=item.reason,
            at=item.set_aside_at,
        )
        for item in pulled
    ]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(views, key=lambda v: (v.at or epoch, v.number), reverse=True)


# --- adopting cases made before enrolment ---------------------------------------------------


def adopt_unsynced_cases(store: Store, team: str) -> list[str]:
    """Put every case that was never synced (made before enrolment: demo data, work done before
    the laptop was enrolled) in `team`, the enrolled officer's team; returns their references.

    The service accepts a new case only from its own team, so without this such cases would be
    refused for ever. Nothing of them has left the laptop, so their unsent change records are
    rewritten to the new team rather than followed by an edit; each case gets an audit event.
    """
    ever_sent = select(ChangeRecord.case_id).where(col(ChangeRecord.sent_at).is_not(None))
    with store.write() as uow:
        found = uow.reads.exec(
            select(Case).where(Case.version == 0, Case.team != team, col(Case.id).not_in(ever_sent))
        ).all()
        adopted = [(case.ref, case.team) for case in found]
        for case, (_ref, old_team) in zip(found, adopted, strict=True):
            uow.rewrite_unsent(
                case,
                {"team": team},
                action="sync.adopt_case",
                details={"from_team": old_team, "to_team": team},
            )
    return sorted(ref for ref, _team in adopted)
