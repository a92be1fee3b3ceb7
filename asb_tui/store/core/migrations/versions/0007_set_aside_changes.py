"""pulled changes set aside are kept whole, in their own table, so they can be applied later

`set_aside_change` keeps each pulled change the laptop could not apply (table, row id, fields,
version, who sent it) with its reason; a later sync tries them again. Until now they were a list
in the setting "sync.set_aside_pulled" holding the reason but not the fields: those entries move
to the table without fields (they stay listed, and cannot be retried) and the setting goes.

Revision ID: 0007
Revises: 0006
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_SETTING = "sync.set_aside_pulled"


def upgrade() -> None:
    table = op.create_table(
        "set_aside_change",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("row_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("origin_device_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("origin_counter", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("set_aside_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_set_aside_change_case_id", "set_aside_change", ["case_id"])
    bind = op.get_bind()
    raw = bind.execute(
        sa.text("SELECT value FROM setting WHERE key = :key"), {"key": _OLD_SETTING}
    ).scalar()
    if raw is not None:
        op.bulk_insert(table, _old_entries(raw))
        bind.execute(sa.text("DELETE FROM setting WHERE key = :key"), {"key": _OLD_SETTING})


def _old_entries(raw: str) -> list[dict[str, Any]]:
    try:
        items = json.loads(raw)
    except ValueError:
        return []
    rows: dict[int, dict[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("seq"), int):
            continue
        if item["seq"] in rows:
            continue  # the first one kept, as the older release listed it
        try:
            at = datetime.fromisoformat(str(item.get("set_aside_at")))
        except ValueError:
            at = datetime.now(UTC)
        rows[item["seq"]] = {
            "seq": item["seq"],
            "table_name": str(item.get("table", "")),
            "row_id": str(item.get("row_id", "")),
            "case_id": str(item.get("case_id", "")),
            "op": str(item.get("op", "")),
            "fields": None,
            "version": 0,
            "origin_device_id": None,
            "origin_counter": None,
            "reason": str(item.get("reason", "")),
            "set_aside_at": at if at.tzinfo else at.replace(tzinfo=UTC),
        }
    return list(rows.values())


def downgrade() -> None:
    op.drop_index("ix_set_aside_change_case_id", table_name="set_aside_change")
    op.drop_table("set_aside_change")
