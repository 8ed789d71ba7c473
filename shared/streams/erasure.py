"""Deleting the stream entries that name an author's comments (erasure reaches Redis too).

A stream is read whole, a chunk at a time: an erasure is rare and the streams are trimmed to
STREAM_MAXLEN, so this is bounded; the history that matters lives in PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.privacy import mentions
from shared.redis_connection import AsyncRedis
from shared.streams.codec import DATA_FIELD


async def erase_entries(
    redis: AsyncRedis,
    keys: Sequence[str],
    comment_ids: frozenset[str],
    author_id: str,
    chunk: int = 1000,
) -> int:
    """XDELs every entry of these streams whose body names one of the comments or the author;
    returns how many went."""
    deleted = 0
    for key in keys:
        start = "-"
        while True:
            entries: Any = await redis.xrange(key, start, "+", count=chunk) or []
            doomed = [eid for eid, fields in entries if _names(fields, comment_ids, author_id)]
            if doomed:
                deleted += int(await redis.xdel(key, *doomed))
            if len(entries) < chunk:
                break
            last = entries[-1][0]
            start = "(" + (last.decode() if isinstance(last, bytes) else str(last))
    return deleted


def _names(fields: dict[bytes, bytes], comment_ids: frozenset[str], author_id: str) -> bool:
    raw = fields.get(DATA_FIELD)
    if raw is None:
        return False
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    return mentions(body, comment_ids, author_id)


async def trim_streams(
    redis: AsyncRedis, keys: Sequence[str], cutoff: datetime, *, dry_run: bool = False
) -> int:
    """Retention on the streams: entries older than `cutoff` go (XTRIM MINID — an entry id is
    its time in ms); returns how many went, or would."""
    minid = f"{int(cutoff.timestamp() * 1000)}-0"
    count = 0
    for key in keys:
        if dry_run:
            count += len(await redis.xrange(key, "-", f"({minid}") or [])
        else:
            count += int(await redis.xtrim(key, minid=minid, approximate=False))
    return count
