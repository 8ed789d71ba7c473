"""Fake platform write APIs (Graph API, X API v2, YouTube Data API v3) for the responder tests."""
