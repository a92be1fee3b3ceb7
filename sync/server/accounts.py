"""Officers, enrolment tokens and devices: who may sync, and with what token.

Tokens (enrolment and device) are random and stored only as their SHA-256, so a copy of the
central database does not let anyone sync as a laptop.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sync.protocol import (
    AuditHead,
    DeviceStatus,
    EnrolReply,
    EnrolRequest,
    OfficerOut,
    series_tag,
)
from sync.server import db as tables
from sync.server import names
from sync.server.db import Database
from sync.server.errors import ServiceError, unauthorised

ENROLMENT_TOKEN_DAYS = 7


def utcnow() -> datetime:
    """Naive UTC (SQLite keeps no zone); used for records only, never to decide a sync winner."""
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    team: str
    agency: str | None

    def out(self) -> OfficerOut:
        return OfficerOut(id=self.id, name=self.name, team=self.team, agency=self.agency)


@dataclass(frozen=True)
class DeviceContext:
    """The authenticated caller of a request."""

    device_id: str
    device_name: str
    officer: Officer


@dataclass(frozen=True)
class NewOfficer:
    officer: Officer
    enrolment_token: str
    expires_at: datetime


@dataclass(frozen=True)
class DeviceRow:
    id: str
    name: str
    officer_name: str
    team: str
    agency: str | None
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    applied_counter: int
    audit_flag: str | None


def add_officer(
    database: Database,
    name: str,
    *,
    team: str,
    agency: str | None = None,
    valid_days: int = ENROLMENT_TOKEN_DAYS,
) -> NewOfficer:
    """Create an officer and a one-time enrolment token (returned once, stored hashed)."""
    name = names.name("the officer's name", name)
    team = names.name("the team", team)
    agency = names.optional_name("the agency", agency)
    officer = Officer(id=str(uuid.uuid4()), name=name, team=team, agency=agency)
    # Hex, so a token never starts with "-" (it is typed as `--token TOKEN`).
    token = secrets.token_hex(24)
    now = utcnow()
    expires_at = now + timedelta(days=valid_days)
    with database.write() as connection:
        connection.execute(
            tables.officer.insert().values(
                id=officer.id, name=name, team=team, agency=agency, created_at=now
            )
        )
        connection.execute(
            tables.enrolment_token.insert().values(
                token_hash=hash_token(token),
                officer_id=officer.id,
                created_at=now,
                expires_at=expires_at,
            )
        )
    return NewOfficer(officer=officer, enrolment_token=token, expires_at=expires_at)


def _officer(connection: sa.Connection, officer_id: str) -> Officer:
    row = connection.execute(
        sa.select(tables.officer).where(tables.officer.c.id == officer_id)
    ).one()
    return Officer(id=row.id, name=row.name, team=row.team, agency=row.agency)


def enrol(database: Database, request: EnrolRequest) -> EnrolReply:
    """Trade a one-time enrolment token for a device token.

    Enrolling a device id again with a new token of the same officer rotates its device token and
    keeps its counters (a laptop whose first enrolment reply was lost); a revoked device id stays
    revoked.
    """
    now = utcnow()
    device_token = secrets.token_urlsafe(32)
    with database.write() as connection:
        token_row = connection.execute(
            sa.select(tables.enrolment_token).where(
                tables.enrolment_token.c.token_hash == hash_token(request.token)
            )
        ).first()
        if token_row is None or token_row.used_at is not None or token_row.expires_at <= now:
            raise unauthorised(
                "this enrolment token is unknown, already used or expired; "
                "ask an administrator for a new one"
            )
        existing = connection.execute(
            sa.select(tables.device).where(tables.device.c.id == request.device_id)
        ).first()
        if existing is not None:
            if existing.revoked_at is not None:
                raise ServiceError(
                    409,
                    "device_revoked",
                    "this device was revoked and cannot be enrolled again; "
                    "reset the laptop's sync identity first",
                )
            if existing.officer_id != token_row.officer_id:
                raise ServiceError(
                    409, "device_taken", "this device is enrolled for another officer"
                )
            series = existing.series or _next_series(connection)
            connection.execute(
                tables.device.update()
                .where(tables.device.c.id == request.device_id)
                .values(
                    token_hash=hash_token(device_token), name=request.device_name, series=series
                )
            )
        else:
            series = _next_series(connection)
            connection.execute(
                tables.device.insert().values(
                    id=request.device_id,
                    officer_id=token_row.officer_id,
                    name=request.device_name,
                    token_hash=hash_token(device_token),
                    created_at=now,
                    applied_counter=0,
                    series=series,
                )
            )
        connection.execute(
            tables.enrolment_token.update()
            .where(tables.enrolment_token.c.token_hash == token_row.token_hash)
            .values(used_at=now)
        )
        officer = _officer(connection, token_row.officer_id)
    return EnrolReply(
        device_token=device_token,
        device_id=request.device_id,
        officer=officer.out(),
        series=series_tag(series),
    )


def _next_series(connection: sa.Connection) -> int:
    """The next unused series number; the caller holds the write lock, so none is taken twice."""
    highest = connection.execute(sa.select(sa.func.max(tables.device.c.series))).scalar()
    return int(highest or 0) + 1


def authenticate(database: Database, authorization: str | None) -> DeviceContext:
    """The device behind an `Authorization: Bearer <device token>` header, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorised("no device token was sent: enrol this laptop first")
    token = authorization[7:].strip()
    if not token or len(token) > 200:
        raise unauthorised("the device token is malformed: enrol this laptop again")
    with database.read() as connection:
        row = connection.execute(
            sa.select(tables.device, tables.officer.c.name.label("officer_name"))
            .join(tables.officer, tables.officer.c.id == tables.device.c.officer_id)
            .where(tables.device.c.token_hash == hash_token(token))
        ).first()
        if row is None:
            raise unauthorised(
                "this device token is not known to the server: enrol this laptop again"
            )
        if row.revoked_at is not None:
            raise unauthorised(
                f"this device was revoked by an administrator on "
                f"{row.revoked_at:%d/%m/%Y %H:%M} UTC; the data on the laptop is kept, "
                "but it can no longer sync. Ask an administrator to enrol it again."
            )
        officer = _officer(connection, row.officer_id)
    return DeviceContext(device_id=row.id, device_name=row.name, officer=officer)


def device_status(connection: sa.Connection, context: DeviceContext) -> DeviceStatus:
    row = connection.execute(
        sa.select(tables.device).where(tables.device.c.id == context.device_id)
    ).one()
    head = (
        AuditHead(count=row.audit_count, hash=row.audit_hash)
        if row.audit_count is not None and row.audit_hash is not None
        else None
    )
    return DeviceStatus(
        device_id=row.id,
        device_name=row.name,
        officer=context.officer.out(),
        applied_up_to=row.applied_counter,
        audit_head=head,
        audit_flag=row.audit_flag,
    )


def list_devices(database: Database) -> list[DeviceRow]:
    with database.read() as connection:
        rows = connection.execute(
            sa.select(
                tables.device,
                tables.officer.c.name.label("officer_name"),
                tables.officer.c.team,
                tables.officer.c.agency,
            )
            .join(tables.officer, tables.officer.c.id == tables.device.c.officer_id)
            .order_by(tables.device.c.created_at)
        ).all()
    return [
        DeviceRow(
            id=row.id,
            name=row.name,
            officer_name=row.officer_name,
            team=row.team,
            agency=row.agency,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            revoked_at=row.revoked_at,
            applied_counter=row.applied_counter,
            audit_flag=row.audit_flag,
        )
        for row in rows
    ]


def revoke_device(database: Database, device_id: str) -> bool:
    """Revoke a device (its token stops working at once). False when no such device exists."""
    with database.write() as connection:
        row = connection.execute(
            sa.select(tables.device.c.revoked_at).where(tables.device.c.id == device_id)
        ).first()
        if row is None:
            return False
        if row.revoked_at is None:
            connection.execute(
                tables.device.update()
                .where(tables.device.c.id == device_id)
                .values(revoked_at=utcnow())
            )
    return True
