"""Stream replies as the tests' Redis clients give them: ids and fields as bytes.

redis-py types XRANGE and XREADGROUP replies for every client setting at once (str when the
client decodes responses, fields `None` for an entry deleted while pending, a dict per stream
under RESP3). The test clients decode nothing and speak RESP2, so each reply is narrowed here,
checked rather than cast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.typing import StreamRangeResponse, XReadGroupResponse

RawEntry = tuple[bytes, dict[bytes, bytes]]


def raw_entries(reply: StreamRangeResponse | None) -> list[RawEntry]:
    """An XRANGE reply (or one stream's entries of an XREADGROUP reply), narrowed to bytes."""
    assert reply is not None
    entries: list[RawEntry] = []
    for entry_id, fields in reply:
        assert isinstance(entry_id, bytes) and fields is not None, (entry_id, fields)
        raw: dict[bytes, bytes] = {}
        for key, value in fields.items():
            assert isinstance(key, bytes) and isinstance(value, bytes), (key, value)
            raw[key] = value
        entries.append((entry_id, raw))
    return entries


def read_entries(reply: XReadGroupResponse) -> list[RawEntry]:
    """The entries of an XREADGROUP reply for one stream (RESP2: `[[stream, entries]]`)."""
    assert isinstance(reply, list), reply
    return raw_entries(reply[0][1])
