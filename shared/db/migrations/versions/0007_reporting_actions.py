"""reporting keeps its own copy of actions, from the ActionChanged events responder publishes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:00:00

Reporting's timelines, drafts awaiting approval, threats page and evidence export read the
responder's outbox; a service reads only its own tables. The outbox gets a `revision` that a
trigger bumps on every update, so snapshots of one row published by different paths (the
decision handler, the retry loop, an agent's command) order alike; reporting keeps the highest.
Existing rows are copied once.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = (
    "action_id, decision_id, kind, platform, account_id, comment_id, thread_id, author_id,"
    " status, text, detail, platform_ref, not_before, created_at, completed_at, performed_as,"
    " evidence, approved_at, revision"
)


def upgrade() -> None:
    op.add_column(
        "actions", sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute(
        """
        CREATE FUNCTION actions_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.revision := OLD.revision + 1;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER actions_revision BEFORE UPDATE ON actions"
        " FOR EACH ROW EXECUTE FUNCTION actions_bump_revision()"
    )
    op.create_table(
        "reporting_actions",
        sa.Column("action_id", sa.String(200), primary_key=True),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("comment_id", sa.String(300), nullable=False),
        sa.Column("thread_id", sa.String(300), nullable=False),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("platform_ref", sa.String(300)),
        sa.Column("not_before", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("performed_as", sa.String(40)),
        sa.Column("evidence", JSONB()),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_reporting_actions_decision_id", "reporting_actions", ["decision_id"])
    op.create_index("ix_reporting_actions_thread_id", "reporting_actions", ["thread_id"])
    op.execute(f"INSERT INTO reporting_actions ({_COLUMNS}) SELECT {_COLUMNS} FROM actions")


def downgrade() -> None:
    op.drop_table("reporting_actions")
    op.execute("DROP TRIGGER actions_revision ON actions")
    op.execute("DROP FUNCTION actions_bump_revision()")
    op.drop_column("actions", "revision")
