"""Full-text search index (FTS5, inside the encrypted file) over case summaries, incidents, notes,
visit notes, agency contacts and victim updates, kept current by triggers so that every write
path (the unit of work, imports, sync) indexes alike.

The indexed `row_id` column lets a trigger find a row's entry through the index itself
(`row_id:"<uuid>"`), instead of scanning an unindexed column.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, entity label, SQL expression of the text to index)
SOURCES = [
    (
        "asb_case",
        "case",
        "coalesce(NEW.ref,'') || ' ' || coalesce(NEW.summary,'') || ' ' || coalesce(NEW.location,'')",
    ),
    (
        "incident",
        "incident",
        "coalesce(NEW.description,'') || ' ' || coalesce(NEW.location,'') || ' ' || coalesce(NEW.who_involved,'') || ' ' || coalesce(NEW.impact,'') || ' ' || coalesce(NEW.police_ref,'')",
    ),
    ("note", "note", "coalesce(NEW.body,'')"),
    (
        "visit",
        "visit",
        "coalesce(NEW.outcome,'') || ' ' || coalesce(NEW.notes,'') || ' ' || coalesce(NEW.evidence_gathered,'') || ' ' || coalesce(NEW.counter_allegation,'')",
    ),
    (
        "agency_contact",
        "agency-contact",
        "coalesce(NEW.agency,'') || ' ' || coalesce(NEW.reference,'') || ' ' || coalesce(NEW.summary,'')",
    ),
    ("victim_update", "victim-update", "coalesce(NEW.summary,'')"),
]


def _delete(alias: str) -> str:
    return (
        "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM search_index "
        f"WHERE search_index MATCH 'row_id:' || '\"' || {alias}.id || '\"');"
    )


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "body, row_id, case_id UNINDEXED, entity UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for table, entity, expr in SOURCES:
        insert = (
            "INSERT INTO search_index(body, row_id, case_id, entity) "
            f"VALUES ({expr}, NEW.id, {'NEW.id' if table == 'asb_case' else 'NEW.case_id'}, '{entity}');"
        )
        op.execute(f"CREATE TRIGGER {table}_search_ai AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(
            f"CREATE TRIGGER {table}_search_au AFTER UPDATE ON {table} BEGIN "
            f"{_delete('OLD')} {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_search_ad AFTER DELETE ON {table} BEGIN {_delete('OLD')} END"
        )
        # Index the rows a store already holds (a store upgraded from 0001).
        case_column = "id" if table == "asb_case" else "case_id"
        op.execute(
            "INSERT INTO search_index(body, row_id, case_id, entity) "
            f"SELECT {expr.replace('NEW.', '')}, id, {case_column}, '{entity}' FROM {table}"
        )


def downgrade() -> None:
    for table, _entity, _expr in SOURCES:
        for suffix in ("ai", "au", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")
    op.execute("DROP TABLE IF EXISTS search_index")
