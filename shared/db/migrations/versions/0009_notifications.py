"""outgoing notifications: the webhook delivery outbox and its dead-letter records

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 13:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reporting_notifications",
        sa.Column("delivery_id", sa.String(400), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("thread_id", sa.String(300), nullable=False),
        sa.Column("webhook", sa.String(40), nullable=False),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _AT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("last_attempt_at", _AT),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered_at", _AT),
    )
    op.create_index(
        "ix_reporting_notifications_due", "reporting_notifications", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_reporting_notifications_created_at", "reporting_notifications", ["created_at"]
    )


def downgrade() -> None:
    op.drop_table("reporting_notifications")
