"""I/O edges of the responder: platform adapters and the outbox repository."""
