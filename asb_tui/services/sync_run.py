"""The app's two sync acts, enrol and sync, over HTTP: used by the CLI (`asb-tui enrol`,
`asb-tui sync`) and the sync screen.

Everything here talks to the service through `sync.client.SyncClient`; everything it reads or
keeps goes through the store's replica (`asb_tui.store.replica`), which holds only local state and
imports no HTTP (an import-linter contract holds that line). Resolving a conflict is decided on
the laptop (`sync_state.resolve_conflict_locally`) and carried out here: `run_sync` sends the
queued choices before it pushes and pulls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from asb_tui.store.core.store import Store
from asb_tui.store.replica.elsewhere import (
    asked_digest,
    kept_elsewhere_count,
    last_asked,
    people_to_ask,
    replace_known_elsewhere,
)
from asb_tui.store.replica.replica import StoreReplica
from asb_tui.store.replica.sync_state import CHOICES, adopt_unsynced_cases, open_conflict_count
from sync.client import SyncClient, SyncError, SyncProgress, SyncResult, SyncServerError
from sync.protocol import OfficerOut


@dataclass(frozen=True)
class SyncOutcome:
    result: SyncResult
    #: conflicts still waiting for the officer after this sync
    open_conflicts: int
    resolutions_sent: int = 0
    warnings: tuple[str, ...] = ()
    #: received changes set aside earlier that applied in this sync (tried before and after
    #: the pull)
    set_aside_applied: int = 0
    #: (person, team, kind of match) the blind index told of at the end of this sync; None when
    #: it could not be asked (the laptop keeps what it was told before)
    known_elsewhere: int | None = None


def client_for(
    replica: StoreReplica,
    server_url: str | None,
    transport: httpx.BaseTransport | None,
    options: dict[str, Any],
) -> SyncClient:
    """A client for this laptop (the enrolled address unless `server_url` is given)."""
    url = server_url
    if url is None:
        enrolled = replica.sync_settings()
        url = enrolled.server_url if enrolled is not None else ""
    if "verify" not in options and urlsplit(url).scheme == "http":
        # Plain HTTP (the client allows it on loopback only) uses no TLS, so skip building a
        # certificate store: it costs ~50 ms per sync, half of a no-change sync's budget.
        options = {**options, "verify": False}
    return SyncClient(replica, server_url, transport=transport, **options)


@dataclass(frozen=True)
class Enrolment:
    officer: OfficerOut
    #: references of the cases made here before enrolment that now belong to the officer's team
    adopted: tuple[str, ...] = ()


def enrol(
    store: Store,
    server_url: str,
    token: str,
    *,
    device_name: str,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> Enrolment:
    """Trade a one-time enrolment token for this laptop's device token (kept in the store), then
    adopt the cases made here before enrolment into the officer's team (see
    `adopt_unsynced_cases`)."""
    with client_for(StoreReplica(store), server_url, transport, options) as client:
        officer = client.enrol(token, device_name[:200] or "asb-tui laptop")
    return Enrolment(officer=officer, adopted=tuple(adopt_unsynced_cases(store, officer.team)))


def _send_resolutions(client: SyncClient, replica: StoreReplica, warnings: list[str]) -> int:
    sent = 0
    for conflict_id, queued in replica.pending_resolutions().items():
        choice = queued.get("choice")
        if choice not in CHOICES:
            replica.forget_resolution(conflict_id, reopen=True)
            continue
        try:
            client.resolve_conflict(conflict_id, choice, queued.get("value"))
        except SyncServerError as err:
            if err.status is not None and 400 <= err.status < 500:
                # The server will never take it (e.g. the case moved away): say so, reopen.
                replica.forget_resolution(conflict_id, reopen=True)
                warnings.append(f"a conflict resolution was not accepted: {err}")
                continue
            raise
        replica.forget_resolution(conflict_id)
        sent += 1
    return sent


def run_sync(
    store: Store,
    *,
    server_url: str | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> SyncOutcome:
    """Send queued conflict resolutions, push the outbox, pull every page. Blocking: call it
    from a worker thread. Raises `SyncError` (after recording the failure) when it cannot finish;
    nothing is lost either way."""
    replica = StoreReplica(store)
    warnings: list[str] = []
    # Local only, before anything is pulled: a change set aside earlier goes in before the
    # newer changes of its row (an upgrade, or the row it needed, may let it apply now).
    set_aside_applied = replica.retry_set_aside()
    with client_for(replica, server_url, transport, options) as client:
        try:
            sent = _send_resolutions(client, replica, warnings)
        except SyncError as err:
            now = datetime.now(UTC)
            replica.record_sync_result(
                SyncResult(ok=False, started_at=now, finished_at=now, error=str(err))
            )
            raise
        asked = _elsewhere_question(client, store)
        result = client.sync(progress, elsewhere_since=asked[1])
        known = _learn_elsewhere(client, store, warnings, asked, result) if result.ok else None
    if result.ok:
        # And after the pull, so one whose parent row this pull brought applies now too.
        set_aside_applied += replica.retry_set_aside()
    if warnings:
        result = replace(result, warnings=(*result.warnings, *warnings))
        replica.record_sync_result(result)
    conflicts = open_conflict_count(store)
    return SyncOutcome(
        result=result,
        open_conflicts=conflicts,
        resolutions_sent=sent,
        warnings=tuple(result.warnings),
        set_aside_applied=set_aside_applied,
        known_elsewhere=known,
    )


def _elsewhere_question(client: SyncClient, store: Store) -> tuple[str, int | None]:
    """The digest of the people this laptop would ask the blind index about, and the position of
    its last answer for the same people (None: ask afresh). Sent with the sync's first request,
    so a sync in which nothing moved asks nothing more."""
    people = people_to_ask(store)
    digest = asked_digest(people, f"{client.server_address()} {client.replica.device_id()}")
    return digest, last_asked(store, digest)


def _learn_elsewhere(
    client: SyncClient,
    store: Store,
    warnings: list[str],
    asked: tuple[str, int | None],
    result: SyncResult,
) -> int | None:
    """Ask the service's blind index about this laptop's people and keep its answer (the last
    act of a sync). A failure here is a warning: the changes are already sent and received.
    Not asked at all when the sync's exchange said nothing changed and the people are the same."""
    people = people_to_ask(store)
    digest = asked_digest(people, f"{client.server_address()} {client.replica.device_id()}")
    if result.elsewhere_unchanged and digest == asked[0]:
        return kept_elsewhere_count(store)
    try:
        answer = client.known_elsewhere_since(people, last_asked(store, digest))
    except SyncError as err:
        warnings.append(f"could not learn which other teams know this laptop's people: {err}")
        return None
    if answer.known is None:  # nothing that could change the answer reached the service
        return kept_elsewhere_count(store)
    return replace_known_elsewhere(store, answer.known, (digest, answer.as_of))
