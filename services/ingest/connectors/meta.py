"""Meta (Facebook and Instagram) webhooks: handshake, body signature, the entry envelope."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from typing import Any

from services.ingest.connectors.common import Parsed, as_dict, as_id, decode_json, malformed


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


def meta_entries(
    raw: bytes, parsed: Parsed, *, expected_object: str, id_name: str
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(index, entry, account id) of each entry of a Meta delivery; a bad entry is recorded.

    Raises `MalformedBody` when the body is not a delivery of `expected_object` at all.
    """
    body = as_dict(decode_json(raw))
    if body.get("object") != expected_object:
        raise malformed("object", f'expected "object": "{expected_object}" in this webhook')
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise malformed("entry", "expected a list of entries")
    for e, raw_entry in enumerate(entries):
        entry = as_dict(raw_entry)
        account_id = as_id(entry.get("id"))
        if account_id is None:
            parsed.fail(f"entry[{e}].id", f"{id_name} id is missing")
            continue
        yield e, entry, account_id
