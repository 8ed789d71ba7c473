"""Ingest rules without I/O: payload shape, normalisation, thread resolution, key checks."""
