"""Bulletin subscriptions and the delivery log in the store instead of subscriptions.csv and deliveries.jsonl.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("area", sa.String(12), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False, server_default="zh"),
        sa.Column("added_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.UniqueConstraint("email", "area", "lang", name="uq_subscription"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.Date, nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("area", sa.String(12), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("target", sa.Text),
        sa.Column("message_id", sa.Text),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
