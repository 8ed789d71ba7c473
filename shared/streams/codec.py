"""How an event sits in a stream entry: one `__data__` field holding the event as JSON.

FastStream's batch parser hands such entries through unchanged, and `redis-cli XRANGE` shows
them readably, which matters when an operator inspects the dead-letter stream.
"""

from __future__ import annotations

import json
from typing import Any

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
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UndecodableEntry(f"entry data is not JSON: {exc}") from exc
    except RecursionError as exc:  # nesting past the parser's depth: a hostile or broken producer
        raise UndecodableEntry(f"entry data is nested too deeply to decode: {exc}") from exc
    if not isinstance(body, dict):
        raise UndecodableEntry(f"entry data is a JSON {type(body).__name__}, not an object")
    return body
