"""Replayed scenarios that measure the escalation early warning (see docs/reporting.md)."""
