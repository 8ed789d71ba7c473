"""comment_events partitioned by month of occurred_at, so retention drops whole months

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:30:00

The primary key becomes (event_id, occurred_at): a partitioned table's unique keys include its
partition key, and a redelivered event carries the same id and time, so it is still a
duplicate. Existing rows move into monthly partitions created for the months they span;
`comment_events_default` takes rows of a month not created yet (shared/db/partitions.py creates
the coming months ahead).
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_RENAME_PKEY = """
DO $$
DECLARE key_name text;
BEGIN
    SELECT conname INTO key_name FROM pg_constraint
    WHERE conrelid = '{table}'::regclass AND contype = 'p';
    EXECUTE format('ALTER TABLE {table} RENAME CONSTRAINT %I TO {table}_pkey', key_name);
END $$
"""
"""Frees the name `comment_events_pkey` for the new table's key, whatever the old one is called."""

_COLUMNS = "event_id, platform, comment_id, thread_id, change, text, occurred_at"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_comment_events_thread_id")
    op.execute("DROP INDEX IF EXISTS ix_comment_events_platform_comment")
    op.execute("ALTER TABLE comment_events RENAME TO comment_events_unpartitioned")
    op.execute(_RENAME_PKEY.format(table="comment_events_unpartitioned"))
    op.execute(
        """
        CREATE TABLE comment_events (
            event_id VARCHAR(64) NOT NULL,
            platform VARCHAR(20) NOT NULL,
            comment_id VARCHAR(300) NOT NULL,
            thread_id VARCHAR(300) NOT NULL,
            change VARCHAR(20) NOT NULL,
            text TEXT NOT NULL,
            occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
            CONSTRAINT comment_events_pkey PRIMARY KEY (event_id, occurred_at)
        ) PARTITION BY RANGE (occurred_at)
        """
    )
    op.execute("CREATE TABLE comment_events_default PARTITION OF comment_events DEFAULT")
    op.execute(
        """
        DO $$
        DECLARE month date;
        BEGIN
            FOR month IN
                SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date
                FROM comment_events_unpartitioned
                UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date
            LOOP
                EXECUTE format(
                    'CREATE TABLE comment_events_%s PARTITION OF comment_events '
                    'FOR VALUES FROM (%L) TO (%L)',
                    to_char(month, '"y"YYYY"m"MM'),
                    (month::timestamp AT TIME ZONE 'UTC'),
                    ((month + interval '1 month')::timestamp AT TIME ZONE 'UTC')
                );
            END LOOP;
        END $$
        """
    )
    op.execute(
        f"INSERT INTO comment_events ({_COLUMNS}) SELECT {_COLUMNS} FROM comment_events_unpartitioned"
    )
    op.execute("DROP TABLE comment_events_unpartitioned")
    op.create_index("ix_comment_events_thread_id", "comment_events", ["thread_id"])
    op.create_index("ix_comment_events_platform_comment", "comment_events", ["platform", "comment_id"])


def downgrade() -> None:
    op.execute("ALTER TABLE comment_events RENAME TO comment_events_partitioned")
    op.execute(_RENAME_PKEY.format(table="comment_events_partitioned"))
    op.execute("DROP INDEX IF EXISTS ix_comment_events_thread_id")
    op.execute("DROP INDEX IF EXISTS ix_comment_events_platform_comment")
    op.execute(
        """
        CREATE TABLE comment_events (
            event_id VARCHAR(64) NOT NULL CONSTRAINT comment_events_pkey PRIMARY KEY,
            platform VARCHAR(20) NOT NULL,
            comment_id VARCHAR(300) NOT NULL,
            thread_id VARCHAR(300) NOT NULL,
            change VARCHAR(20) NOT NULL,
            text TEXT NOT NULL,
            occurred_at TIMESTAMP WITH TIME ZONE NOT NULL
        )
        """
    )
    op.execute(
        f"INSERT INTO comment_events ({_COLUMNS}) SELECT {_COLUMNS} FROM comment_events_partitioned "
        "ON CONFLICT (event_id) DO NOTHING"
    )
    op.execute("DROP TABLE comment_events_partitioned CASCADE")
    op.create_index("ix_comment_events_thread_id", "comment_events", ["thread_id"])
    op.create_index("ix_comment_events_platform_comment", "comment_events", ["platform", "comment_id"])
