"""PostgreSQL access for reporting: the history writer and the read queries."""
