"""The local cache (half-typed forms, the dashboard's copy) is the laptop's alone: written through
the unit of work's local methods, yet never audited, never synced and never exported."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import func, select

from asb_tui.export.json_export import export_cases
from asb_tui.store.cache.local_cache import (
    DASHBOARD,
    delete_draft,
    forget_snapshots,
    load_draft,
    save_draft,
    save_snapshot,
)
from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import AuditEvent, ChangeRecord, LocalCacheEntry
from asb_tui.store.core.store import Store
from asb_tui.store.queries.dashboard_rows import Dashboard, DashboardCounts, SyncState

CANARY = "Half-typed statement 7Q2X"


def _counts(store: Store) -> tuple[int, int]:
    with store.read() as session:
        return (
            session.exec(select(func.count()).select_from(AuditEvent)).one(),
            session.exec(select(func.count()).select_from(ChangeRecord)).one(),
        )


def test_cache_entries_are_neither_audited_nor_synced_nor_exported(store: Store) -> None:
    made = refer_case(store, category="personal", summary="Noise", referred_on=date(2026, 11, 2))
    before = _counts(store)
    save_draft(store, f"diary:{made.id}", {"text": CANARY})
    save_draft(store, f"diary:{made.id}", {"text": CANARY + " more"})
    board = Dashboard(
        scope="mine", rows=(), counts=DashboardCounts(0, 0, 0, 0, None),
        sync=SyncState(unsent_changes=0, last_sync_at=None),
    )  # fmt: skip
    save_snapshot(store, "Officer", board, made_on=date(2026, 11, 2), rules_key="r")
    assert load_draft(store, f"diary:{made.id}") == {"text": CANARY + " more"}
    assert _counts(store) == before  # no audit event, no change record
    exported = json.dumps(export_cases(store), ensure_ascii=False)
    assert made.ref in exported and CANARY not in exported
    with store.read() as session:
        kinds = sorted(session.exec(select(LocalCacheEntry.kind)).all())
    assert kinds == [DASHBOARD, "draft"]
    delete_draft(store, f"diary:{made.id}")
    assert forget_snapshots(store) == 1
    assert load_draft(store, f"diary:{made.id}") is None
    assert _counts(store) == before
