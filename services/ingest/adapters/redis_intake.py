"""The Redis side of ingest: thread lookups and the atomic dedupe-then-publish script.

One script call per request. Per comment it sets the dedupe key (SET NX EX) and only then
appends the event (XADD MAXLEN ~) and records the thread mapping (SET EX). If the XADD fails the
key is deleted again before the error is returned, so a key never exists without its event and
a retried request publishes what is missing. The page's own comments only record their mapping,
so customers' replies to them still land in the right thread.

Each mapping is a key of its own that expires after THREAD_TTL_S, refreshed whenever its comment
is seen again: one hash of every comment ever seen grew without bound. A reply to a reply whose
mapping has expired is filed under its parent's id instead of the root's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast, get_args

from redis.asyncio import Redis

from services.ingest.domain.intake import NotReplicated, Outcome, Status, Submission
from shared.contracts import CommentReceived
from shared.streams.codec import encode
from shared.streams.names import StreamNames

# Per item its thread mapping key and, for items with an event, its dedupe key and the comments
# stream partition of its thread. ARGV[1] maxlen, ARGV[2] dedupe ttl, ARGV[3] mapping ttl, then
# per item: kind ("event"|"own"), thread id, event id, number of entry fields n, then n
# field/value pairs.
_INTAKE_LUA = """
local maxlen, ttl, thread_ttl = ARGV[1], ARGV[2], ARGV[3]
local results = {}
local a, k = 4, 0
while a <= #ARGV do
  local kind, thread, event_id = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local n = tonumber(ARGV[a + 3])
  local entry = {}
  for j = 1, n * 2 do entry[j] = ARGV[a + 3 + j] end
  a = a + 4 + n * 2
  k = k + 1
  local mapping = KEYS[k]
  if kind == 'own' then
    redis.call('SET', mapping, thread, 'EX', thread_ttl)
    results[#results + 1] = {'own_comment', ''}
  else
    k = k + 2
    local dedupe, stream = KEYS[k - 1], KEYS[k]
    if redis.call('SET', dedupe, event_id, 'NX', 'EX', ttl) then
      local added = redis.pcall('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(entry))
      if type(added) == 'table' and added.err then
        redis.call('DEL', dedupe)
        return redis.error_reply('XADD of event ' .. event_id .. ' failed: ' .. added.err)
      end
      redis.call('SET', mapping, thread, 'EX', thread_ttl)
      results[#results + 1] = {'accepted', event_id}
    else
      redis.call('EXPIRE', mapping, thread_ttl)
      results[#results + 1] = {'duplicate', redis.call('GET', dedupe) or ''}
    end
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
        redis: Redis,
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
        self._script = redis.register_script(_INTAKE_LUA)

    def thread_key(self, field: str) -> str:
        """Redis key holding the thread id of the comment `platform:comment_id`."""
        return self._names.key(f"thread:{field}")

    def dedupe_key(self, event: CommentReceived) -> str:
        """Redis key that marks this platform fact as already published."""
        return self._names.key(f"dedupe:{event.dedupe_key}")

    async def known_threads(self, fields: Sequence[str]) -> dict[str, str]:
        """Thread ids still recorded for these `platform:comment_id` fields (one MGET)."""
        if not fields:
            return {}
        values = await self._redis.mget([self.thread_key(f) for f in fields])
        return {f: _text(v) for f, v in zip(fields, values, strict=True) if v is not None}

    async def submit(self, items: Sequence[Submission]) -> list[Outcome]:
        """Run the intake script once for the whole batch; outcomes in the order given."""
        if not items:
            return []
        keys: list[str] = []
        args: list[Any] = [self._maxlen, self._ttl, self._thread_ttl]
        for item in items:
            keys.append(self.thread_key(item.thread_field))
            if item.event is None:
                args += ["own", item.thread_id, "", 0]
                continue
            keys.append(self.dedupe_key(item.event))
            keys.append(self._names.route(self._names.comments, item.event.correlation_id))
            fields = encode(item.event)
            args += ["event", item.thread_id, item.event.event_id, len(fields)]
            for name, value in fields.items():
                args += [name, value]
        if not self._wait_replicas:
            replies = await self._script(keys=keys, args=args)
            return [_outcome(reply) for reply in replies]
        # WAIT counts the replicas that have this connection's writes: one pipeline, one
        # connection for the script and the WAIT behind it.
        pipe = self._redis.pipeline(transaction=False)
        await self._script(keys=keys, args=args, client=pipe)
        pipe.wait(self._wait_replicas, self._wait_timeout_ms)
        replies, copies = await pipe.execute()
        outcomes = [_outcome(reply) for reply in replies]
        if any(o.status == "accepted" for o in outcomes):
            self._check_replicated(int(copies))
        return outcomes

    def _check_replicated(self, copies: int) -> None:
        """The request is answered 2xx only once REDIS_WAIT_REPLICAS replicas have the events
        too, so a failover to a replica loses nothing that was acknowledged. Short of that the
        sender gets a 503 and retries; a retry of what did arrive is a duplicate."""
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
