"""reporting keeps its own copy of exchange states, from triage's ExchangeChanged events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 14:30:00

Reporting's inbox and reports read triage's `exchanges` table for status, take-over and
resolution; a service now reads only its own tables. This creates reporting's read model and
copies the states that exist (the one time a migration reads across: data moving home).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_exchange_states",
        sa.Column("thread_id", sa.String(300), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("category", sa.String(60)),
        sa.Column("manual", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("sla_due_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("escalated_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO reporting_exchange_states (thread_id, platform, account_id, state, category,"
        " manual, sla_due_at, resolved_at, escalated_at, updated_at)"
        " SELECT thread_id, platform, account_id, state, category, manual, sla_due_at,"
        " resolved_at, escalated_at, updated_at FROM exchanges"
    )


def downgrade() -> None:
    op.drop_table("reporting_exchange_states")
