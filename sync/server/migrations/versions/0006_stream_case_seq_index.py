"""An index of the stream by case and position (`ix_stream_case_seq`), so a pull page reads
each visible case's rows after the cursor through the index whatever the planner's statistics
say. Without it, PostgreSQL on a never-analysed (freshly loaded or fast-growing) database
planned the page as a nested loop over the whole stream once per visible case: a minute for a
page that takes milliseconds once analysed. `migrate` analyses the database after this upgrade.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stream_case_seq", "stream", ["case_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_stream_case_seq", table_name="stream")
