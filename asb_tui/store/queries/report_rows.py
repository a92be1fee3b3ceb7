"""The rows the management report reads (domain/report_figures.py), as synced fields.

One plain SELECT per table of only the fields the report needs: dates come back as the
"YYYY-MM-DD" text SQLite keeps (the synced form), booleans are turned from 0/1 into True/False,
so the input is the same shape as the service's `row_state.fields`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, text
from sqlmodel import Session

from asb_tui.domain.report_figures import REPORT_TABLES, ReportPeriod, compute_report
from asb_tui.store.core.models import TABLES_BY_NAME
from asb_tui.store.core.store import Store


def report_rows(session: Session, team: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every row the report reads, per table; only cases of `team` when given."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, fields in REPORT_TABLES.items():
        columns = TABLES_BY_NAME[table].__table__.columns  # type: ignore[attr-defined]
        flags = [isinstance(columns[name].type, Boolean) for name in fields]
        chosen = ", ".join(f"t.{name}" for name in fields)
        if table == "asb_case":
            sql = f"SELECT {chosen} FROM asb_case t"
            where = " WHERE t.team = :team"
        else:
            sql = f"SELECT {chosen} FROM {table} t"
            where = " JOIN asb_case c ON c.id = t.case_id WHERE c.team = :team"
        statement = text(sql + where) if team is not None else text(sql)
        params = {"team": team} if team is not None else {}
        found = []
        for values in session.connection().execute(statement, params):
            row = dict(zip(fields, values, strict=True))
            for name, flag in zip(fields, flags, strict=True):
                if flag and row[name] is not None:
                    row[name] = bool(row[name])
            found.append(row)
        rows[table] = found
    return rows


def management_report(
    store: Store, period: ReportPeriod, team: str | None = None
) -> dict[str, Any]:
    """The report over this laptop's cases (of `team` when given): what `asb-tui report` prints
    and the Reports screen shows."""
    with store.read() as session:
        rows = report_rows(session, team)
    return compute_report(rows, period, teams=[team] if team else None)
