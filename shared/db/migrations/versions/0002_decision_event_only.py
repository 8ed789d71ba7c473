"""decisions keep labels, scores and actions only inside their event

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 14:55:00

The three JSONB columns repeated what the stored DecisionMade event already holds: a third of
every decision row, parsed and written twice (triage's insert was 18 us per comment faster
without them). Readers take them from `event`.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = ("labels", "scores", "actions")


def upgrade() -> None:
    for column in _COLUMNS:
        op.drop_column("decisions", column)


def downgrade() -> None:
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE decisions ADD COLUMN {column} jsonb")
        op.execute(f"UPDATE decisions SET {column} = event -> '{column}'")
        op.alter_column("decisions", column, nullable=False)
