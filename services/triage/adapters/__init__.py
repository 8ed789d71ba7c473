"""Triage's I/O edges: PostgreSQL repositories."""
