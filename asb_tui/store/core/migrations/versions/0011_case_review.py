"""reported means reported; the ASB Case Review as a workflow

- incident.reported_on: the day the victim first reported the incident to any relevant body
  (None: not reported, or not known when); incident.reported_to: to which ("council", "police",
  "housing", "health", joined by commas). Rows written before this have neither: their
  `reported_to_council_on` was the day a diary sheet came back, not a report, so they are left
  unknown rather than guessed (an officer records the report on the case when it matters).
- case_review: an application for an ASB Case Review and its steps (acknowledgement, threshold
  decision, meeting, outcome, escalation); case_review_recommendation: the review's
  recommendations with owner and due date.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=nullable)


def upgrade() -> None:
    # In place (ALTER TABLE ... ADD COLUMN), never a batch copy-and-drop of a table rows refer to.
    op.add_column("incident", sa.Column("reported_on", sa.Date(), nullable=True))
    op.add_column(
        "incident",
        sa.Column(
            "reported_to", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
        ),
    )
    op.create_table(
        "case_review",
        _text("id"),
        _text("case_id"),
        _text("applicant"),
        _text("on_behalf_of"),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("cited_incidents", sa.JSON(), nullable=False),
        _text("partner_reports"),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("threshold_met", sa.Boolean(), nullable=True),
        _text("decision_reason"),
        sa.Column("decision_letter_on", sa.Date(), nullable=True),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("agencies_present", sa.JSON(), nullable=False),
        _text("outcome"),
        sa.Column("outcome_told_on", sa.Date(), nullable=True),
        _text("escalation_route"),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        _text("notes"),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["asb_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_review_case_id", "case_review", ["case_id"])
    op.create_table(
        "case_review_recommendation",
        _text("id"),
        _text("case_id"),
        _text("review_id"),
        _text("text"),
        _text("owner"),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["asb_case.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["case_review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_case_review_recommendation_case_id", "case_review_recommendation", ["case_id"]
    )
    op.create_index(
        "ix_case_review_recommendation_review_id", "case_review_recommendation", ["review_id"]
    )


def downgrade() -> None:
    op.drop_table("case_review_recommendation")
    op.drop_table("case_review")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("reported_to")
        batch_op.drop_column("reported_on")
