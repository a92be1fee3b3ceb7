"""people across cases: identities, structured addresses, case links, risk that follows the person

- `person.identity_id` joins a case's record of a person to the same human's records in other
  cases (every existing row becomes its own identity); `person.merged_from_id` keeps the identity a
  merge replaced, so a wrong merge can be split exactly.
- `case_party.risk_level` / `risk_notes`: an alleged perpetrator's own risk.
- `address`: structured addresses (lines, town, postcode, UPRN, area) of people and places.
- `case_link`: explicit links between cases, with the reason.
- `risk_assessment.previous_level` / `change_reason`: a reassessment says what it changed and why.
- `person_elsewhere` (laptop only): what the service's blind index said at the last sync.
- Search: addresses (lines, town, postcode also without its space) and a person's address text
  join the FTS5 index.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString

_ADDRESS_EXPR = (
    "coalesce(NEW.line1,'') || ' ' || coalesce(NEW.line2,'') || ' ' || coalesce(NEW.town,'') "
    "|| ' ' || coalesce(NEW.postcode,'') || ' ' || replace(coalesce(NEW.postcode,''),' ','')"
)
_PERSON_EXPR = "coalesce(NEW.name,'') || ' ' || coalesce(NEW.address,'')"
_PERSON_OLD_EXPR = "coalesce(NEW.name,'')"


def _delete() -> str:
    return (
        "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM search_index "
        "WHERE search_index MATCH 'row_id:' || '\"' || OLD.id || '\"');"
    )


def _insert(expr: str, entity: str) -> str:
    return (
        "INSERT INTO search_index(body, row_id, case_id, entity) "
        f"VALUES ({expr}, NEW.id, NEW.case_id, '{entity}');"
    )


def _triggers(table: str, expr: str, entity: str) -> None:
    insert = _insert(expr, entity)
    op.execute(f"CREATE TRIGGER {table}_search_ai AFTER INSERT ON {table} BEGIN {insert} END")
    op.execute(
        f"CREATE TRIGGER {table}_search_au AFTER UPDATE ON {table} BEGIN {_delete()} {insert} END"
    )
    op.execute(f"CREATE TRIGGER {table}_search_ad AFTER DELETE ON {table} BEGIN {_delete()} END")


def _drop_triggers(table: str) -> None:
    for suffix in ("ai", "au", "ad"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")


def _reindex(table: str, expr: str, entity: str) -> None:
    op.execute(f"DELETE FROM search_index WHERE entity = '{entity}'")
    op.execute(
        "INSERT INTO search_index(body, row_id, case_id, entity) "
        f"SELECT {expr.replace('NEW.', '')}, id, case_id, '{entity}' FROM {table}"
    )


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("identity_id", _TEXT(), nullable=True))
        batch.add_column(sa.Column("merged_from_id", _TEXT(), nullable=True))
    op.create_index("ix_person_identity_id", "person", ["identity_id"])
    # Every person recorded so far is their own identity until an officer confirms a match.
    op.execute("UPDATE person SET identity_id = id WHERE identity_id IS NULL")
    with op.batch_alter_table("case_party") as batch:
        batch.add_column(sa.Column("risk_level", _TEXT(), nullable=True))
        batch.add_column(sa.Column("risk_notes", _TEXT(), nullable=False, server_default=""))
    with op.batch_alter_table("risk_assessment") as batch:
        batch.add_column(sa.Column("previous_level", _TEXT(), nullable=True))
        batch.add_column(sa.Column("change_reason", _TEXT(), nullable=False, server_default=""))
    op.create_table(
        "address",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("case_id", _TEXT(), nullable=False),
        sa.Column("person_id", _TEXT(), nullable=True),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("line1", _TEXT(), nullable=False),
        sa.Column("line2", _TEXT(), nullable=False),
        sa.Column("town", _TEXT(), nullable=False),
        sa.Column("postcode", _TEXT(), nullable=False),
        sa.Column("uprn", _TEXT(), nullable=False),
        sa.Column("area", _TEXT(), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=True),
        sa.Column("to_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["asb_case.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_address_case_id", "address", ["case_id"])
    op.create_index("ix_address_person_id", "address", ["person_id"])
    op.create_index("ix_address_postcode", "address", ["postcode"])
    op.create_index("ix_address_uprn", "address", ["uprn"])
    op.create_table(
        "case_link",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("case_id", _TEXT(), nullable=False),
        sa.Column("linked_case_id", _TEXT(), nullable=False),
        sa.Column("linked_ref", _TEXT(), nullable=False),
        sa.Column("reason", _TEXT(), nullable=False),
        sa.Column("linked_by", _TEXT(), nullable=False),
        sa.Column("linked_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["asb_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_link_case_id", "case_link", ["case_id"])
    op.create_index("ix_case_link_linked_case_id", "case_link", ["linked_case_id"])
    op.create_table(
        "person_elsewhere",
        sa.Column("person_id", _TEXT(), nullable=False),
        sa.Column("team", _TEXT(), nullable=False),
        sa.Column("matched_on", _TEXT(), nullable=False),
        sa.Column("case_id", _TEXT(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("contact_officer", _TEXT(), nullable=False),
        sa.Column("learned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "team", "matched_on"),
    )
    op.create_index("ix_person_elsewhere_case_id", "person_elsewhere", ["case_id"])
    _triggers("address", _ADDRESS_EXPR, "address")
    _drop_triggers("person")
    _triggers("person", _PERSON_EXPR, "person")
    _reindex("person", _PERSON_EXPR, "person")


def downgrade() -> None:
    _drop_triggers("address")
    op.execute("DELETE FROM search_index WHERE entity = 'address'")
    _drop_triggers("person")
    _triggers("person", _PERSON_OLD_EXPR, "person")
    _reindex("person", _PERSON_OLD_EXPR, "person")
    op.drop_table("person_elsewhere")
    op.drop_table("case_link")
    op.drop_table("address")
    with op.batch_alter_table("risk_assessment") as batch:
        batch.drop_column("change_reason")
        batch.drop_column("previous_level")
    with op.batch_alter_table("case_party") as batch:
        batch.drop_column("risk_notes")
        batch.drop_column("risk_level")
    op.drop_index("ix_person_identity_id", table_name="person")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("merged_from_id")
        batch.drop_column("identity_id")
