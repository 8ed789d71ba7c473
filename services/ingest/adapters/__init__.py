"""Ingest's I/O: the Redis intake script."""
