"""The rows the management report reads (domain/report_figures.py), as synced fields.

One plain SELECT per table of only the fields the report needs, on the read connection's own
cursor (the report reads hundreds of thousands of rows at 50,000 cases; SQLAlchemy's rows would
cost more than the figures), each row kept as the tuple SQLite gives, in REPORT_TABLES' order
(`compute_report_from_tuples`; a dict per row cost ~0.1 s at 50,000 cases): dates are the
"YYYY-MM-DD" text SQLite keeps (the synced form), booleans SQLite's 1/0.

Given the period, rows that cannot change any figure are left in the database (the filters
below say why each is a no-op); the service hands over every row and gets the same figures
(tests/e2e/test_e2e_report_partnership.py).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from asb_tui.domain.report_figures import (
    REPORT_TABLES,
    ReportPeriod,
    compute_report_from_tuples,
)
from asb_tui.store.core.collector_pause import collector_paused
from asb_tui.store.core.store import Store

# Per table, a condition (on `t`, the table) that only leaves out rows no figure reads. None
# looks at another table: a subquery per table (asb_case scanned again for the visits' and the
# addresses' cases, each victim update's previous one looked up) cost more than the rows it
# left out cost the figures, which keep only the cases' rows they need (~0.15 s at 50,000).
_NO_OP_FILTERS: dict[str, str] = {
    # the first home visit is a complete home visit (of a case accepted in the period)
    "visit": "t.kind = 'home' AND t.status = 'complete'",
    # an area is counted only when there is one (and for a case live in the period)
    "address": "t.area != ''",
    # an agreement made after the period is in force for no update in it
    "contact_agreement": "t.agreed_on <= :end",
    # updates after the period are not counted and no counted update follows them
    "victim_update": "t.updated_on <= :end",
}


def report_rows(
    session: Session, team: str | None = None, period: ReportPeriod | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows the report reads, per table, as tuples of REPORT_TABLES[table]'s fields; only
    cases of `team` when given; with `period`, without the rows that change no figure of it."""
    cursor = session.connection().connection.cursor()
    params: dict[str, str] = {}
    if team is not None:
        params["team"] = team
    if period is not None:
        params |= {"start": period.start.isoformat(), "end": period.end.isoformat()}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for table, fields in REPORT_TABLES.items():
            chosen = ", ".join(f"t.{name}" for name in fields)
            sql = f"SELECT {chosen} FROM {table} t"
            where = []
            if team is not None:
                if table == "asb_case":
                    where.append("t.team = :team")
                else:
                    sql += " JOIN asb_case c ON c.id = t.case_id"
                    where.append("c.team = :team")
            if period is not None and table in _NO_OP_FILTERS:
                where.append(_NO_OP_FILTERS[table])
            if where:
                sql += " WHERE " + " AND ".join(where)
            used = {k: v for k, v in params.items() if f":{k}" in sql}
            rows[table] = cursor.execute(sql, used).fetchall()
    finally:
        cursor.close()
    return rows


def management_report(
    store: Store, period: ReportPeriod, team: str | None = None
) -> dict[str, Any]:
    """The report over this laptop's cases (of `team` when given): what `asb-tui report` prints
    and the Reports screen shows."""
    with collector_paused(), store.read() as session:
        rows = report_rows(session, team, period)
        return compute_report_from_tuples(rows, period, teams=[team] if team else None)
