"""reporting keeps its own copy of decisions, from the DecisionMade events it consumes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:40:00

Reporting's timelines, evidence export and inbox filters read triage's `decisions`; a service
reads only its own tables. Same columns, filled from the events; existing rows are copied once.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = (
    "decision_id, comment_event_id, platform, account_id, comment_id, thread_id, rule_id,"
    " reason, policy_version, lang, category, sla_due_at, event, decided_at"
)


def upgrade() -> None:
    op.create_table(
        "reporting_decisions",
        sa.Column("decision_id", sa.String(64), primary_key=True),
        sa.Column("comment_event_id", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("comment_id", sa.String(300), nullable=False),
        sa.Column("thread_id", sa.String(300), nullable=False),
        sa.Column("rule_id", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("category", sa.String(60)),
        sa.Column("sla_due_at", sa.DateTime(timezone=True)),
        sa.Column("event", JSONB(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_reporting_decisions_platform_comment", "reporting_decisions", ["platform", "comment_id"]
    )
    op.create_index(
        "ix_reporting_decisions_thread_at", "reporting_decisions", ["thread_id", "decided_at"]
    )
    op.execute(
        f"INSERT INTO reporting_decisions ({_COLUMNS}) SELECT {_COLUMNS} FROM decisions"
    )


def downgrade() -> None:
    op.drop_table("reporting_decisions")
