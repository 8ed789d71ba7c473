"""Ingest's part of a privacy request: the Redis keys it keeps per comment and the comments
stream's entries.

Ingest holds no tables and reads no stream, so it answers in the process that asks (`steam-connect
privacy`), not from a consumer: its keys are the thread mappings (`thread:<platform>:<comment>`)
and the dedupe marks (`...dedupe:<platform>:<account>:<comment>:...`). With those gone a comment
the platform delivers again is taken as new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from shared.accounts import AccountDirectory
from shared.clock import utcnow
from shared.contracts.privacy import PrivacyRequested
from shared.privacy_handler import horizon, shortest_cutoff
from shared.redis_connection import AsyncRedis
from shared.streams.erasure import erase_entries, trim_streams
from shared.streams.names import StreamNames

log = logging.getLogger(__name__)


async def _keys(redis: AsyncRedis, names: StreamNames, request: PrivacyRequested) -> list[str]:
    platform, _author = request.named()
    wanted = set(request.comment_ids)
    found = []
    for cid in request.comment_ids:
        key = names.key(f"thread:{platform}:{cid}")
        if await redis.exists(key):
            found.append(key)
    async for raw in redis.scan_iter(match=f"{names.prefix}:*dedupe:{platform}:*"):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        parts = key.split("dedupe:", 1)[1].split(":")
        if len(parts) > 2 and parts[2] in wanted:
            found.append(key)
    return found


async def export(
    redis: AsyncRedis, names: StreamNames, request: PrivacyRequested
) -> dict[str, Any]:
    """The keys ingest keeps for these comments, with their values (thread or event ids)."""
    keys = await _keys(redis, names, request)
    values = [await redis.get(key) for key in keys]
    return {
        "redis_keys": {
            key: value.decode() if isinstance(value, bytes) else value
            for key, value in zip(keys, values, strict=True)
        }
    }


async def erase(redis: AsyncRedis, names: StreamNames, request: PrivacyRequested) -> dict[str, Any]:
    """Deletes those keys and the comments stream's entries of these comments."""
    keys = await _keys(redis, names, request)
    deleted = sum([int(await redis.delete(key)) for key in keys])
    entries = await erase_entries(
        redis,
        names.partitions(names.comments),
        frozenset(request.comment_ids),
        request.named()[1],
    )
    return {"redis_keys": deleted, "stream_entries": entries}


async def purge(
    redis: AsyncRedis,
    names: StreamNames,
    accounts: AccountDirectory | None,
    as_of: datetime,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Retention on the comments stream (the keys expire by themselves: DEDUPE_TTL_S,
    THREAD_TTL_S)."""
    cutoff = shortest_cutoff(horizon(accounts, as_of))
    keys = names.partitions(names.comments)
    return {"stream_entries": await trim_streams(redis, keys, cutoff, dry_run=dry_run)}


async def purge_loop(
    redis: AsyncRedis,
    names: StreamNames,
    accounts: AccountDirectory,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    """Ingest's background purge, as the consumers run theirs (0: never)."""
    while interval_s > 0 and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
        if stop.is_set():
            return
        try:
            log.info("retention purge of ingest: %s", await purge(redis, names, accounts, utcnow()))
        except Exception:
            log.exception("retention purge of ingest failed; trying again later")
