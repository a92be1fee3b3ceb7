"""Records destroyed under the retention rule: a case closed `retention_years` (default 5) or more
years ago is deleted with everything attached.

What `destroy_due_cases(..., apply=True)` does, per case, in one transaction:

1. every row of the case, children first (the reverse of `models.CASE_TABLES`, which lists parents
   first), goes through `uow.delete`: each deletion is audited and gets a "delete" change record,
   so sync carries the destruction to the central service. The full-text rows go with them through
   the delete triggers of migration 0002;
2. rows outside the case tables that still hold the case's data are removed: its sync conflicts
   (they hold field values) and any half-typed form drafts keyed by the case id;
3. the case's older change records are dealt with, because their `fields` hold personal data:
   - already sent: the central service has them; they are deleted locally;
   - not sent yet: device counters must stay gap-free (the protocol refuses gaps), so they are
     kept but turned into "delete" records of the same row with no fields. Sending them is
     harmless (the row is being deleted anyway), and a push that was in flight when this ran
     still ends with the row deleted, by the delete records of step 1;
4. one minimal, non-personal audit record names what went: `retention.destroy` with the case id,
   its reference (not personal), the closure date and the number of rows.

Audit events never hold values (field names only), so the chain is left as it is and still
verifies. Afterwards the full-text index is merged (`optimize`, so deleted terms do not linger in
old index segments), the database is vacuumed and the WAL is checkpointed and truncated, so the
data is gone from the files, not just unlinked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlcipher3 import dbapi2 as sqlcipher
from sqlmodel import SQLModel, col, select

from asb_tui.domain.legal import checked_retention_years, retention_due
from asb_tui.domain.types import CaseStatus
from asb_tui.store.cache.local_cache import forget_case, forget_snapshots
from asb_tui.store.commands.evidence import reclaim_evidence_space
from asb_tui.store.commands.oversight_errors import OversightRefused
from asb_tui.store.core.models import (
    CASE_TABLES,
    Case,
    ChangeRecord,
    EvidenceItem,
    PersonElsewhere,
    SetAsideChange,
    SyncConflict,
)
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RetentionCandidate:
    case_id: str
    ref: str
    closed_on: date
    destroy_after: date


@dataclass(frozen=True)
class RetentionResult:
    applied: bool
    cases: tuple[RetentionCandidate, ...]
    rows_deleted: dict[str, int] = field(default_factory=dict)
    change_records_removed: int = 0
    change_records_scrubbed: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows_deleted.values())


def cases_due_for_destruction(store: Store, today: date, years: int) -> list[RetentionCandidate]:
    """Closed cases whose retention date (closure + `years`) is today or earlier, oldest first."""
    checked_retention_years(years)
    with store.read() as session:
        closed = session.exec(
            select(Case).where(
                Case.status == CaseStatus.CLOSED.value, col(Case.closed_on).is_not(None)
            )
        )
        due = []
        for case in closed:
            assert case.closed_on is not None
            destroy_after = retention_due(case.closed_on, years)
            if destroy_after <= today:
                due.append(RetentionCandidate(case.id, case.ref, case.closed_on, destroy_after))
    due.sort(key=lambda c: (c.closed_on, c.ref))
    return due


def destroy_due_cases(
    store: Store, today: date, years: int, *, apply: bool = False
) -> RetentionResult:
    """List (dry run, the default) or destroy (`apply`) the cases due for destruction."""
    due = cases_due_for_destruction(store, today, years)
    if not apply:
        return RetentionResult(applied=False, cases=tuple(due))
    if not due:
        compact(store)  # finishes an earlier run whose compaction could not run
        return RetentionResult(applied=True, cases=())
    counts: Counter[str] = Counter()
    removed = scrubbed = 0
    for candidate in due:
        with store.write() as uow:
            case = uow.reads.get(Case, candidate.case_id)
            if case is None or case.status != CaseStatus.CLOSED.value:
                continue  # changed since it was listed (reopened, or already gone)
            outcome = _destroy_case(uow, case, candidate)
            counts.update(outcome.rows)
            removed += outcome.removed
            scrubbed += outcome.scrubbed
    # The kept dashboard copies may name a destroyed case's next deadline: recomputed on start.
    forget_snapshots(store)
    compact(store)
    return RetentionResult(True, tuple(due), dict(counts), removed, scrubbed)


@dataclass
class _CaseOutcome:
    rows: Counter[str]
    removed: int
    scrubbed: int


def _case_rows(uow: UnitOfWork, model: type[SQLModel], case_id: str) -> list[SQLModel]:
    key = model.id if model is Case else model.case_id  # type: ignore[attr-defined]
    return list(uow.reads.exec(select(model).where(key == case_id)))


def _destroy_case(uow: UnitOfWork, case: Case, candidate: RetentionCandidate) -> _CaseOutcome:
    session = uow.reads
    earlier = list(session.exec(select(ChangeRecord).where(ChangeRecord.case_id == case.id)))
    rows: Counter[str] = Counter()
    for model in reversed(CASE_TABLES):
        for row in _case_rows(uow, model, case.id):
            details: dict[str, object] = {"reason": "retention"}
            if isinstance(row, EvidenceItem):  # continuity: the exhibit and its hash
                details |= {"exhibit_ref": row.exhibit_ref, "sha256": row.sha256}
            uow.delete(row, action="retention.delete", details=details)
            rows[str(model.__tablename__)] += 1
    uow.drop_local(list(session.exec(select(SyncConflict).where(SyncConflict.case_id == case.id))))
    uow.drop_local(
        list(session.exec(select(SetAsideChange).where(SetAsideChange.case_id == case.id)))
    )
    uow.drop_local(
        list(session.exec(select(PersonElsewhere).where(PersonElsewhere.case_id == case.id)))
    )
    forget_case(uow, case.id)
    removed, scrubbed = uow.scrub_history(earlier)
    uow.audit_only(
        action="retention.destroy",
        entity="asb_case",
        entity_id=case.id,
        case_id=case.id,
        details={
            "ref": candidate.ref,
            "closed_on": candidate.closed_on.isoformat(),
            "rows": sum(rows.values()),
        },
    )
    return _CaseOutcome(rows, removed, scrubbed)


def compact(store: Store) -> None:
    """Make deleted data unrecoverable from the files: unlink the evidence files no row refers
    to, merge the full-text index, VACUUM, and checkpoint the WAL with TRUNCATE."""
    reclaim_evidence_space(store)
    with store.write() as uow:
        uow.optimise_search_index()
    try:
        folded = store.compact_file()
    except sqlcipher.OperationalError as exc:
        raise OversightRefused(
            f"the records were deleted but the file could not be compacted ({exc}); close "
            "the app and run `asb-tui retention --apply` again to finish"
        ) from None
    if not folded:
        raise OversightRefused(
            "the records were deleted but another program kept the write-ahead log open; close "
            "the app and run `asb-tui retention --apply` again to finish"
        )
