"""The history of county submissions in the store instead of data/submissions/history.jsonl.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ledger", sa.String(64), nullable=False),
        sa.Column("event", sa.String(10), nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("county", sa.String(12), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer),
        sa.Column("persons", sa.Integer),
        sa.Column("rejected", sa.Integer),
        sa.Column("files", sa.JSON),
        sa.Column("report", sa.Text),
        sa.Column("back_to", sa.Integer),
        sa.UniqueConstraint("ledger", "event", "week", "county", "seq", name="uq_submission_event"),
    )
    op.create_index("ix_submission_events_week", "submission_events", ["ledger", "week", "county"])


def downgrade() -> None:
    op.drop_index("ix_submission_events_week", "submission_events")
    op.drop_table("submission_events")
