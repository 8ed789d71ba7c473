"""the agents' workspace: people with roles, the audit log, assignments, notes, police-report
decisions, label corrections and canned replies

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 07:00:00

All are reporting's tables: people reach the system through reporting's inbox and API only.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reporting_agents",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_table(
        "reporting_audit",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("thread_id", sa.String(300)),
        sa.Column("target", sa.String(300)),
        sa.Column("before", JSONB()),
        sa.Column("after", JSONB()),
    )
    op.create_index("ix_reporting_audit_at", "reporting_audit", ["at"])
    op.create_index("ix_reporting_audit_thread_id", "reporting_audit", ["thread_id"])
    op.create_table(
        "reporting_assignments",
        sa.Column("thread_id", sa.String(300), primary_key=True),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", _AT, nullable=False),
    )
    op.create_index("ix_reporting_assignments_agent", "reporting_assignments", ["agent"])
    op.create_table(
        "reporting_notes",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("thread_id", sa.String(300), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", _AT, nullable=False),
    )
    op.create_index("ix_reporting_notes_thread_id", "reporting_notes", ["thread_id"])
    op.create_table(
        "reporting_police_decisions",
        sa.Column("thread_id", sa.String(300), primary_key=True),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("case_ref", sa.String(200)),
        sa.Column("reason", sa.Text()),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", _AT, nullable=False),
    )
    op.create_table(
        "reporting_corrections",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("comment_id", sa.String(300), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("thread_id", sa.String(300), nullable=False),
        sa.Column("labels", JSONB(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("source", sa.String(20), nullable=False, server_default="agent"),
        sa.Column("corrected_by", sa.String(200), nullable=False),
        sa.Column("at", _AT, nullable=False),
    )
    op.create_index(
        "ix_reporting_corrections_comment", "reporting_corrections", ["platform", "comment_id"]
    )
    op.create_index("ix_reporting_corrections_at", "reporting_corrections", ["at"])
    op.create_table(
        "reporting_canned_replies",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_index(
        "ix_reporting_canned_account_lang", "reporting_canned_replies", ["account_id", "lang"]
    )


def downgrade() -> None:
    for table in (
        "reporting_canned_replies",
        "reporting_corrections",
        "reporting_police_decisions",
        "reporting_notes",
        "reporting_assignments",
        "reporting_audit",
        "reporting_agents",
    ):
        op.drop_table(table)
