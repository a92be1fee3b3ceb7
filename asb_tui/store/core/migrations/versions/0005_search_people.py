"""search finds people: the names of a case's victims, alleged perpetrators and witnesses

`person` rows join the FTS5 `search_index` (already `remove_diacritics 2`, so `Suilleabhain` finds
`Súilleabháin`), kept current by the same kind of triggers as revision 0002, and the people a store
already holds are indexed now.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXPR = "coalesce(NEW.name,'')"
_INSERT = (
    "INSERT INTO search_index(body, row_id, case_id, entity) "
    f"VALUES ({_EXPR}, NEW.id, NEW.case_id, 'person');"
)
_DELETE = (
    "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM search_index "
    "WHERE search_index MATCH 'row_id:' || '\"' || OLD.id || '\"');"
)


def upgrade() -> None:
    op.execute(f"CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN {_INSERT} END")
    op.execute(
        f"CREATE TRIGGER person_search_au AFTER UPDATE ON person BEGIN {_DELETE} {_INSERT} END"
    )
    op.execute(f"CREATE TRIGGER person_search_ad AFTER DELETE ON person BEGIN {_DELETE} END")
    op.execute(
        "INSERT INTO search_index(body, row_id, case_id, entity) "
        f"SELECT {_EXPR.replace('NEW.', '')}, id, case_id, 'person' FROM person"
    )


def downgrade() -> None:
    op.execute("DELETE FROM search_index WHERE entity = 'person'")
    for suffix in ("ai", "au", "ad"):
        op.execute(f"DROP TRIGGER IF EXISTS person_search_{suffix}")
