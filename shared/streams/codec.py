"""How an event sits in a stream entry: one `__data__` field holding the event as JSON.

FastStream's batch parser hands such entries through unchanged, and `redis-cli XRANGE` shows
them readably, which matters when an operator inspects the dead-letter stream.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel

DATA_FIELD = b"__data__"


class UndecodableEntry(ValueError):
    """An entry that is not an event at all; it goes to the dead-letter stream."""


def encode(event: BaseModel) -> dict[bytes, bytes]:
    return {DATA_FIELD: event.model_dump_json().encode()}


def decode(fields: dict[bytes, bytes]) -> dict[str, Any]:
    raw = fields.get(DATA_FIELD)
    if raw is None:
        raise UndecodableEntry(f"entry has no {DATA_FIELD.decode()} field: {sorted(fields)!r}")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # invalid UTF-8 and nesting past 1,024 levels included
        raise UndecodableEntry(f"entry data is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise UndecodableEntry(f"entry data is a JSON {type(body).__name__}, not an object")
    return body
