"""search triggers fire on an update of the columns they index, not on every update

Each searchable table's `<table>_search_au` trigger deleted the row's search entry (an FTS5
MATCH on its row id) and inserted it again on every UPDATE of the row, whatever the UPDATE set.
Most updates set no indexed column: a synced push raising a row's `version`, a case's status, a
person's phone. Raising the versions of 3,000 pushed rows took 0.33 CPU-s of a push's ~1.0 on
the laptop, nearly all of it in the person trigger; without it 0.015 s (docs/performance.md).

`AFTER UPDATE OF <columns>` fires when the UPDATE's SET names one of the columns; SQLAlchemy
names only the columns it changes. The columns are the ones each trigger's own body reads
(`NEW.x`, `OLD.x`), taken from the trigger as the store holds it, so this revision keeps what
every earlier one indexed (the text, the row's id and its case) and needs no list of its own.

Revision ID: 0015
Revises: 0014
"""

import re
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMN = re.compile(r"\b(?:NEW|OLD)\.(\w+)")
# "CREATE TRIGGER <name> AFTER UPDATE [OF a, b] ON <table> BEGIN <body> END"
_TRIGGER = re.compile(
    r"^\s*CREATE\s+TRIGGER\s+(?P<name>\w+)\s+AFTER\s+UPDATE\s+(?:OF\s+[\w\s,]+?\s+)?"
    r"ON\s+(?P<table>\w+)\s+(?P<body>BEGIN\b.*\bEND)\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _search_update_triggers() -> list[tuple[str, str, str]]:
    """(name, table, "BEGIN ... END") of every search update trigger the store holds."""
    rows = (
        op.get_bind()
        .execute(
            text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%\\_search\\_au' ESCAPE '\\' ORDER BY name"
            )
        )
        .scalars()
        .all()
    )
    triggers = []
    for sql in rows:
        match = _TRIGGER.match(sql)
        if match is None:  # not the shape every earlier revision wrote: stop, change nothing
            raise RuntimeError(f"unexpected search trigger: {sql[:80]}")
        triggers.append((match["name"], match["table"], match["body"]))
    return triggers


def _recreate(of_columns: bool) -> None:
    for name, table, body in _search_update_triggers():
        columns = sorted(set(_COLUMN.findall(body)))
        on = f"UPDATE OF {', '.join(columns)} ON {table}" if of_columns else f"UPDATE ON {table}"
        op.execute(f"DROP TRIGGER {name}")
        op.execute(f"CREATE TRIGGER {name} AFTER {on} {body}")


def upgrade() -> None:
    _recreate(of_columns=True)


def downgrade() -> None:
    _recreate(of_columns=False)
