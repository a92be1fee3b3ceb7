"""Keeping the central store's personal data where it belongs.

- Files: an SQLite database is created 0600 (its WAL and shared-memory files inherit the mode)
  and a folder the service creates, or its default data folder, is 0700: no other local user
  reads a victim's name.
- Destruction: when a case's own row is deleted (the retention rule on a laptop destroys the
  case with everything attached), the service keeps tombstones holding ids only: every row of the
  case loses its fields, its stream keeps only its field-less deletes, and its conflicts and
  refused changes lose the values they held.
- Logs: an unexpected error is logged by its type and where it happened, never by its message
  (a database error's message holds the statement's parameters: names, addresses, notes).
"""

from __future__ import annotations

import logging
import os
import stat
import traceback
from pathlib import Path

import sqlalchemy as sa
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import ErrorReply
from sync.server import blind
from sync.server import db as tables

log = logging.getLogger("asb_sync_server")

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def secure_sqlite_file(path: Path, *, private_folder: bool) -> None:
    """Create the folder (0700) and the database file (0600) before SQLite opens it; tighten an
    existing file. `private_folder`: the folder is the service's own, so it is made 0700 too."""
    folder = path.parent
    created = not folder.exists()
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if created or private_folder:
        os.chmod(folder, FOLDER_MODE)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if candidate.exists() and stat.S_IMODE(candidate.stat().st_mode) & 0o077:
                os.chmod(candidate, FILE_MODE)


def purge_destroyed_case(connection: sa.Connection, case_id: str) -> None:
    """Leave only ids of a destroyed case: fieldless row tombstones and stream deletes (and
    nothing of it in the blind index)."""
    blind.drop_case(connection, case_id)
    connection.execute(
        tables.row_state.update()
        .where(tables.row_state.c.case_id == case_id)
        .values(fields={}, field_versions={}, deleted=True)
    )
    connection.execute(
        tables.stream.delete().where(
            tables.stream.c.case_id == case_id,
            sa.or_(tables.stream.c.op != "delete", tables.stream.c.kind != "change"),
        )
    )
    connection.execute(
        tables.stream.update().where(tables.stream.c.case_id == case_id).values(fields={})
    )
    connection.execute(tables.conflict.delete().where(tables.conflict.c.case_id == case_id))
    connection.execute(
        tables.refused_change.update()
        .where(tables.refused_change.c.case_id == case_id)
        .values(fields={})
    )


def describe_failure(exc: BaseException) -> str:
    """An exception as its type and the frames it passed through: no message, no values."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = "; ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames[-8:])
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where}"


class QuietFailures:
    """Outermost app middleware: an unhandled error becomes a JSON 500 and one log line without
    the error's message, and is not re-raised (the server's own logger would print it whole)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.error(
                "unhandled error on %s %s: %s",
                scope.get("method"),
                scope.get("path"),
                describe_failure(exc),
            )
            if started:
                return
            body = ErrorReply(
                error="internal",
                message="internal error in the sync service (it has been logged)",
            )
            await JSONResponse(status_code=500, content=body.model_dump(mode="json"))(
                scope, receive, send
            )
