"""covering indexes for the dashboard's deadline facts

The dashboard reads, for every open case, the latest diary sheets, risk assessment, victim update
and manager review and the first completed home visit. With these indexes each is one index seek
per case that never touches the table rows, and the open cases (of one officer) are found from an
index that holds their ids. Same definitions as in models.py.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_asb_case_status_officer", "asb_case", ["status", "officer", "id"]),
    ("ix_diary_sheet_case_sent", "diary_sheet", ["case_id", "sent_on"]),
    ("ix_risk_assessment_case_assessed", "risk_assessment", ["case_id", "assessed_on"]),
    ("ix_victim_update_case_updated", "victim_update", ["case_id", "updated_on"]),
    ("ix_manager_review_case_reviewed", "manager_review", ["case_id", "reviewed_on"]),
    ("ix_visit_case_home_done", "visit", ["case_id", "kind", "status", "done_on"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
