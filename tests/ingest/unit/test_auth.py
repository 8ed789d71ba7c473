"""API-key checks: only an exact configured key passes, in any position of the list."""

from __future__ import annotations

from services.ingest.domain.auth import bearer_token
from shared.http_auth import key_matches


def test_bearer_token_extracts_only_bearer_tokens() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token("") is None
    assert bearer_token(None) is None


def test_key_matches_any_configured_key_exactly() -> None:
    keys = ["first-key", "second-key"]
    assert key_matches("first-key", keys)
    assert key_matches("second-key", keys)
    assert not key_matches("second-ke", keys)
    assert not key_matches("second-key2", keys)
    assert not key_matches("", keys)
    assert not key_matches("first-key", [])


def test_key_matches_non_ascii_without_error() -> None:
    assert key_matches("schlüssel", ["schlüssel"])
    assert not key_matches("schlüssel", ["schlussel"])
