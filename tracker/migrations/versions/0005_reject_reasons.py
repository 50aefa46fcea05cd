"""Each county's rejected rows by reason, on its submission line (the quality page shows an area its own counties').

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submission_events", sa.Column("reasons", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("submission_events") as b:  # SQLite drops a column by copying the table
        b.drop_column("reasons")
