"""Retention: a dry run changes nothing; --apply destroys closed cases past their date, from the
decrypted file itself, keeps the audit chain verifying and sends the deletions through sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from built_case_testkit import Built, Cli, MakeCase
from sqlalchemy import text
from sqlmodel import Session, col, func, select
from tamper_kit import tampering

from asb_tui.store.cache.local_cache import DASHBOARD
from asb_tui.store.core.audit import chain_head, verify_chain
from asb_tui.store.core.models import (
    CASE_TABLES,
    AuditEvent,
    Case,
    ChangeRecord,
    LocalCacheEntry,
    SetAsideChange,
    utcnow,
)
from asb_tui.store.core.store import Store, open_store

TODAY = date.today()
OLD_CANARY = "Zqxcanaryincident7731"
OLD_NAME = "Vexillo Quarrington-Canary"
KEPT_CANARY = "Keepthiscanary4402"


def _seed(make_case: MakeCase) -> tuple[Built, Built, Built]:
    old = make_case(
        "ASB-OLD-1",
        status="closed",
        closed_on=TODAY.replace(year=TODAY.year - 6),
        people=[(OLD_NAME, "victim"), ("Other Perp", "alleged-perpetrator")],
        incidents=[(TODAY - timedelta(days=2300), f"Bins set alight {OLD_CANARY}")],
        consent="given",
    )
    recent = make_case(
        "ASB-NEW-1",
        status="closed",
        closed_on=TODAY - timedelta(days=300),
        incidents=[(TODAY - timedelta(days=400), "recent closed")],
    )
    kept = make_case(
        "ASB-OPEN-1",
        people=[("Keeper Person", "victim")],
        incidents=[(TODAY - timedelta(days=5), f"Still open {KEPT_CANARY}")],
    )
    return old, recent, kept


def _row_counts(session: Session) -> dict[str, int]:
    return {
        str(model.__tablename__): session.exec(select(func.count()).select_from(model)).one()
        for model in CASE_TABLES
    }


def test_dry_run_lists_and_changes_nothing(
    store: Store, make_case: MakeCase, cli: Cli, data_dir: Path
) -> None:
    old, _recent, _kept = _seed(make_case)
    with store.read() as session:
        counts, head = _row_counts(session), chain_head(session)
    store.close()  # checkpoints the WAL, so the file is settled before the run
    database = data_dir / "asb.db"
    before = database.read_bytes()

    result = cli("retention")
    assert result.returncode == 0, result.stderr
    assert "ASB-OLD-1" in result.stdout and "ASB-NEW-1" not in result.stdout
    assert "Dry run: nothing was deleted" in result.stdout
    assert database.read_bytes() == before

    reopened = open_store(data_dir, "correct horse battery staple", actor="t")
    with reopened, reopened.read() as session:
        assert _row_counts(session) == counts and chain_head(session) == head
        assert session.get(Case, old.case_id) is not None


def test_apply_destroys_the_case_from_the_file(
    store: Store,
    make_case: MakeCase,
    cli: Cli,
    data_dir: Path,
    decrypt: Callable[[], bytes],
) -> None:
    old, recent, kept = _seed(make_case)
    # Half of the old case's change records went to the server already.
    with tampering(store) as session:
        records = session.exec(
            select(ChangeRecord)
            .where(ChangeRecord.case_id == old.case_id)
            .order_by(col(ChangeRecord.id))
        ).all()
        unsent_ids = {r.id for r in records[len(records) // 2 :]}
        for record in records[: len(records) // 2]:
            record.sent_at = utcnow()
            session.add(record)
        # A kept dashboard copy naming the old case's next deadline must go too.
        session.add(
            LocalCacheEntry(kind=DASHBOARD, key="t", payload={"rows": [f"Visit {OLD_CANARY}"]})
        )
        # So must a pulled change of it kept set aside, fields and all.
        session.add(
            SetAsideChange(
                seq=9,
                table_name="note",
                row_id="n-1",
                case_id=old.case_id,
                op="insert",
                fields={"body": f"set aside {OLD_CANARY}"},
                reason="kept",
            )
        )
    with store.read() as session:
        counts = [
            int(
                session.exec(
                    select(func.count())
                    .select_from(m)
                    .where(
                        (m.id if m is Case else m.case_id) == old.case_id  # type: ignore[attr-defined]
                    )
                ).one()
            )
            for m in CASE_TABLES
        ]
        old_rows = sum(counts)
    store.close()  # checkpoints the WAL into the file
    plain = decrypt()
    assert OLD_CANARY.encode() in plain and KEPT_CANARY.encode() in plain  # the check can see

    result = cli("retention", "--apply")
    assert result.returncode == 0, result.stderr
    assert "Destroyed 1 case(s)" in result.stdout and "Audit chain verified" in result.stdout

    plain = decrypt()
    for secret in (OLD_CANARY, OLD_NAME, "Quarrington"):
        assert secret.encode() not in plain
        assert secret.lower().encode() not in plain
    assert KEPT_CANARY.encode() in plain
    wal = data_dir / "asb.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0

    reopened = open_store(data_dir, "correct horse battery staple", actor="t")
    with reopened, reopened.read() as session:
        assert verify_chain(session).ok
        assert session.get(Case, old.case_id) is None
        assert session.get(Case, recent.case_id) is not None
        assert session.get(Case, kept.case_id) is not None
        for term, expected in ((OLD_CANARY.lower(), 0), (KEPT_CANARY.lower(), 1)):
            hits = session.exec(  # type: ignore[call-overload]
                text("SELECT count(*) FROM search_index WHERE search_index MATCH :t"),
                params={"t": term},
            ).one()[0]
            assert hits == expected
        left = session.exec(select(ChangeRecord).where(ChangeRecord.case_id == old.case_id)).all()
        # Sent records are gone; unsent ones kept their counters but lost their fields.
        assert all(r.op == "delete" and r.fields == {} for r in left)
        assert unsent_ids <= {r.id for r in left}
        new_deletes = [r for r in left if r.id not in unsent_ids]
        assert len(new_deletes) == old_rows
        assert {"asb_case", "person", "incident", "consent"} <= {r.table_name for r in new_deletes}
        counters = sorted(
            r.counter
            for r in session.exec(select(ChangeRecord).where(col(ChangeRecord.sent_at).is_(None)))
        )
        assert counters == list(range(counters[0], counters[0] + len(counters)))  # no gaps
        (destroyed,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.destroy")
        ).all()
        assert destroyed.entity_id == old.case_id
        assert destroyed.details == {
            "ref": "ASB-OLD-1",
            "closed_on": TODAY.replace(year=TODAY.year - 6).isoformat(),
            "rows": old_rows,
        }
        every_event = str([(e.details, e.entity_id) for e in session.exec(select(AuditEvent))])
        assert OLD_NAME not in every_event and OLD_CANARY not in every_event

    again = cli("retention")
    assert "No closed case is past its retention date" in again.stdout
