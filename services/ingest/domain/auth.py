"""API-key checks that leak neither which key nearly matched nor how long the keys are."""

from __future__ import annotations

import hmac
from collections.abc import Sequence


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None for any other shape."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def key_matches(presented: str, keys: Sequence[str]) -> bool:
    """Compares against every key, without stopping early, so timing says nothing about them."""
    candidate = presented.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key.encode())
    return matched
