"""exchanges remember reporting's escalation alert: R11 acts on the one risk score

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:00:00

Triage decided "heating up" (R11) by its own count of negative messages while reporting scored
escalation risk and published alerts nobody acted on. Now triage consumes the alert: the score,
its reasons and when it came are kept on the exchange, and R11 fires on them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exchanges", sa.Column("risk_alerted_at", sa.DateTime(timezone=True)))
    op.add_column("exchanges", sa.Column("risk_score", sa.Float()))
    op.add_column("exchanges", sa.Column("risk_reasons", JSONB()))


def downgrade() -> None:
    for column in ("risk_reasons", "risk_score", "risk_alerted_at"):
        op.drop_column("exchanges", column)
