"""Ingest: validates, normalises and de-duplicates comments, then appends them to the stream."""
