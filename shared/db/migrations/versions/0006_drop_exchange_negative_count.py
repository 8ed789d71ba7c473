"""exchanges lose negative_messages: R11 now fires on reporting's risk score, nothing reads it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("exchanges", "negative_messages")


def downgrade() -> None:
    op.add_column(
        "exchanges",
        sa.Column("negative_messages", sa.Integer(), nullable=False, server_default="0"),
    )
