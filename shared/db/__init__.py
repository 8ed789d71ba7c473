"""Database models, sessions and migrations (one writer service per table)."""
