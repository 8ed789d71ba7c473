"""The Redis side of ingest: thread lookups and the atomic dedupe-then-publish script.

One pipeline per request, one script call in it per comments-stream partition the request
touches. Per comment the script sets the dedupe key (SET NX EX) and only then appends the event
(XADD MAXLEN ~). If the XADD fails the key is deleted again before the error is returned, so a
key never exists without its event and a retried request publishes what is missing. A dedupe key
sits in its exchange's partition slot (`StreamNames.exchange_key`), so on a Redis Cluster each
script touches one slot.

Thread mappings (`platform:comment_id` → thread id) are looked up by a comment's own id, before
its thread is known, so they hash by their own names and are written beside the scripts in the
same pipeline; a comment seen again resolves to its recorded thread, so the SET refreshes the
mapping rather than changing it, and after THREAD_TTL_S without a sighting it expires. A reply
to a reply whose mapping has expired is filed under its parent's id instead of the root's. The
page's own comments only record their mapping, so customers' replies to them still land in the
right thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast, get_args

from redis.asyncio.cluster import RedisCluster

from services.ingest.domain.intake import NotReplicated, Outcome, Status, Submission
from shared.contracts import CommentReceived
from shared.redis_connection import AsyncRedis
from shared.streams.codec import encode
from shared.streams.names import StreamNames

# KEYS[1] the comments stream partition, KEYS[1 + i] the dedupe key of item i. ARGV[1] maxlen,
# ARGV[2] dedupe ttl, then per item: event id, number of entry fields n, then n field/value pairs.
_INTAKE_LUA = """
local maxlen, ttl = ARGV[1], ARGV[2]
local results = {}
local a = 3
for k = 2, #KEYS do
  local event_id, n = ARGV[a], tonumber(ARGV[a + 1])
  local entry = {}
  for j = 1, n * 2 do entry[j] = ARGV[a + 1 + j] end
  a = a + 2 + n * 2
  local dedupe = KEYS[k]
  if redis.call('SET', dedupe, event_id, 'NX', 'EX', ttl) then
    local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(entry))
    if type(added) == 'table' and added.err then
      redis.call('DEL', dedupe)
      return redis.error_reply('XADD of event ' .. event_id .. ' failed: ' .. added.err)
    end
    results[#results + 1] = {'accepted', event_id}
  else
    results[#results + 1] = {'duplicate', redis.call('GET', dedupe) or ''}
  end
end
return results
"""

_STATUSES: tuple[str, ...] = get_args(Status)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisIntake:
    """Thread mapping and comment stream of one stream prefix."""

    def __init__(
        self,
        redis: AsyncRedis,
        names: StreamNames,
        *,
        maxlen: int,
        dedupe_ttl_s: int,
        thread_ttl_s: int,
        wait_replicas: int = 0,
        wait_timeout_ms: int = 500,
    ) -> None:
        self._redis = redis
        self._wait_replicas = wait_replicas
        self._wait_timeout_ms = wait_timeout_ms
        self._names = names
        self._maxlen = maxlen
        self._ttl = dedupe_ttl_s
        self._thread_ttl = thread_ttl_s

    def thread_key(self, field: str) -> str:
        """Redis key holding the thread id of the comment `platform:comment_id`."""
        return self._names.key(f"thread:{field}")

    def dedupe_key(self, event: CommentReceived) -> str:
        """Redis key that marks this platform fact as already published (in its thread's slot)."""
        return self._names.exchange_key(f"dedupe:{event.dedupe_key}", event.correlation_id)

    async def known_threads(self, fields: Sequence[str]) -> dict[str, str]:
        """Thread ids still recorded for these `platform:comment_id` fields (one MGET; on a
        cluster one per slot, side by side)."""
        if not fields:
            return {}
        keys = [self.thread_key(f) for f in fields]
        if isinstance(self._redis, RedisCluster):
            values = await self._redis.mget_nonatomic(keys)
        else:
            values = await self._redis.mget(keys)
        return {f: _text(v) for f, v in zip(fields, values, strict=True) if v is not None}

    async def submit(self, items: Sequence[Submission]) -> list[Outcome]:
        """One pipeline for the whole batch; outcomes in the order given."""
        if not items:
            return []
        by_stream: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            if item.event is not None:
                key = self._names.route(self._names.comments, item.event.correlation_id)
                by_stream.setdefault(key, []).append(index)
        pipe = self._redis.pipeline(transaction=False)
        for stream, indexes in by_stream.items():
            keys: list[str] = [stream]
            args: list[Any] = [self._maxlen, self._ttl]
            for index in indexes:
                event = cast(CommentReceived, items[index].event)
                fields = encode(event)
                keys.append(self.dedupe_key(event))
                args += [event.event_id, len(fields)]
                for name, value in fields.items():
                    args += [name, value]
            # EVAL, not EVALSHA: a replica promoted on a cluster has no script cache.
            pipe.eval(_INTAKE_LUA, len(keys), *keys, *args)
        for item in items:  # the thread a known comment resolved to is its recorded one
            pipe.set(self.thread_key(item.thread_field), item.thread_id, ex=self._thread_ttl)
        waits, primaries = await self._queue_waits(pipe, list(by_stream))
        results = await pipe.execute()
        outcomes: list[Outcome] = [Outcome("own_comment", None)] * len(items)
        for replies, indexes in zip(results, by_stream.values(), strict=False):
            for index, reply in zip(indexes, replies, strict=True):
                outcomes[index] = _outcome(reply)
        if primaries and any(o.status == "accepted" for o in outcomes):
            self._check_replicated(min(int(copies) for copies in results[-primaries:]))
            self._check_unmoved(waits)
        return outcomes

    async def _queue_waits(self, pipe: Any, streams: list[str]) -> tuple[dict[str, Any], int]:
        """WAIT counts the replicas that have this connection's writes, so it goes into the same
        pipeline, behind the scripts, on the same connection: once on a single server, once per
        primary that took a script on a cluster. Returns each stream key's node (a cluster's)
        and how many WAITs were queued."""
        if not self._wait_replicas or not streams:
            return {}, 0
        if not isinstance(self._redis, RedisCluster):
            pipe.wait(self._wait_replicas, self._wait_timeout_ms)
            return {}, 1
        await self._redis.initialize()
        placed = {stream: self._redis.get_node_from_key(stream) for stream in streams}
        primaries = {id(n): n for n in placed.values() if n is not None}
        for node in primaries.values():
            pipe.wait(self._wait_replicas, self._wait_timeout_ms, target_nodes=node)
        return placed, len(primaries)

    def _check_unmoved(self, waits: dict[str, Any]) -> None:
        """A slot that moved while the pipeline ran (a failover) was written on a connection
        the WAIT did not cover: not acknowledged, the sender retries."""
        if not isinstance(self._redis, RedisCluster):
            return
        for stream, node in waits.items():
            now = self._redis.get_node_from_key(stream)
            if getattr(now, "name", None) != getattr(node, "name", None):  # host:port
                raise NotReplicated(
                    f"the Redis Cluster slot of {stream} moved while the comments were written; "
                    "their replication is not confirmed"
                )

    def _check_replicated(self, copies: int) -> None:
        """The request is answered 2xx only once REDIS_WAIT_REPLICAS replicas (of every primary
        written) have the events too, so a failover to a replica loses nothing that was
        acknowledged. Short of that the sender gets a 503 and retries; a retry of what did
        arrive is a duplicate."""
        if copies < self._wait_replicas:
            raise NotReplicated(
                f"Redis has the comments, but only {copies} of the {self._wait_replicas} replicas "
                f"REDIS_WAIT_REPLICAS asks for confirmed them within {self._wait_timeout_ms} ms"
            )


def _outcome(reply: Sequence[bytes | str]) -> Outcome:
    status = _text(reply[0])
    if status not in _STATUSES:
        raise RuntimeError(f"intake script returned an unknown status {status!r}")
    return Outcome(cast(Status, status), _text(reply[1]) or None)
