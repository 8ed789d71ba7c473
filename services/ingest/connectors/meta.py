"""Meta (Facebook and Instagram) webhook security: subscription handshake and body signature."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def hub_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo when Meta's subscription handshake carries our token, else None."""
    token = params.get("hub.verify_token", "")
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge")


def meta_signature(secret: str, body: bytes) -> str:
    """`sha256=<lowercase hex HMAC-SHA256>` of the raw body, as Meta sends it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def meta_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of `X-Hub-Signature-256` over the bytes exactly as received."""
    if not header or not secret:
        return False
    expected = meta_signature(secret, body).encode()
    return hmac.compare_digest(expected, header.strip().lower().encode(errors="replace"))
