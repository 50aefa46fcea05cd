"""The app's own state: accounts, sessions, failed logins, follow-up items and their history, one-off imports.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # columns written out here, not imported from tracker.store: a migration must not change when the code does
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("area", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("oidc", sa.JSON, nullable=False),
        sa.Column("hash", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("seen", sa.Float, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, index=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit", sa.String(12), nullable=False, index=True),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("instruction", sa.Text, nullable=False),
        sa.Column("owner_unit", sa.String(12), nullable=False),
        sa.Column("owner_person", sa.String(200), nullable=False, server_default=""),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("snapshot", sa.Date, nullable=False),
        sa.Column("gap_at_open", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", sa.Float),
        sa.Column("close_note", sa.Text),
    )
    op.create_table(
        "followup_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("followups.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for t in ("imports", "followup_events", "followups", "login_failures", "sessions", "users"):
        op.drop_table(t)
