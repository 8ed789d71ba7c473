"""SLA clocks say whether they count business hours, so reports measure responses the same way

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("sla_timers", "reporting_timer_events")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("business_hours", sa.Boolean(), nullable=False, server_default="false"),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "business_hours")
