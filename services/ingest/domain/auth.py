"""Reading the API key out of an `Authorization` header (the comparison is `shared.http_auth`)."""

from __future__ import annotations


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None for any other shape."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token
