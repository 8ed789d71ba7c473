"""Reusable fake platforms for tests: real HTTP servers and senders that sign like the platforms."""
