"""The Redis side of ingest: thread lookups and the atomic dedupe-then-publish script.

One script call per request. Per comment it sets the dedupe key (SET NX EX) and only then
appends the event (XADD MAXLEN ~) and records the thread mapping (HSET). If the XADD fails the
key is deleted again before the error is returned, so a key never exists without its event and
a retried request publishes what is missing. The page's own comments only record their mapping,
so customers' replies to them still land in the right thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast, get_args

from redis.asyncio import Redis

from services.ingest.domain.intake import Outcome, Status, Submission
from shared.contracts import CommentReceived
from shared.streams.codec import encode
from shared.streams.names import StreamNames

# KEYS[1] thread hash, KEYS[2] comments stream, KEYS[3..] dedupe keys of the items with events.
# ARGV[1] maxlen, ARGV[2] ttl, then per item: kind ("event"|"own"), thread field, thread id,
# event id, number of entry fields n, then n field/value pairs.
_INTAKE_LUA = """
local maxlen, ttl = ARGV[1], ARGV[2]
local results = {}
local a, k = 3, 2
while a <= #ARGV do
  local kind, field, thread, event_id = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local n = tonumber(ARGV[a + 4])
  local entry = {}
  for j = 1, n * 2 do entry[j] = ARGV[a + 4 + j] end
  a = a + 5 + n * 2
  if kind == 'own' then
    redis.call('HSET', KEYS[1], field, thread)
    results[#results + 1] = {'own_comment', ''}
  else
    k = k + 1
    if redis.call('SET', KEYS[k], event_id, 'NX', 'EX', ttl) then
      local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', unpack(entry))
      if type(added) == 'table' and added.err then
        redis.call('DEL', KEYS[k])
        return redis.error_reply('XADD of event ' .. event_id .. ' failed: ' .. added.err)
      end
      redis.call('HSET', KEYS[1], field, thread)
      results[#results + 1] = {'accepted', event_id}
    else
      results[#results + 1] = {'duplicate', redis.call('GET', KEYS[k]) or ''}
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

    def __init__(self, redis: Redis, names: StreamNames, *, maxlen: int, dedupe_ttl_s: int) -> None:
        self._redis = redis
        self._names = names
        self._threads = names.key("threads")
        self._maxlen = maxlen
        self._ttl = dedupe_ttl_s
        self._script = redis.register_script(_INTAKE_LUA)

    def dedupe_key(self, event: CommentReceived) -> str:
        """Redis key that marks this platform fact as already published."""
        return self._names.key(f"dedupe:{event.dedupe_key}")

    async def known_threads(self, fields: Sequence[str]) -> dict[str, str]:
        """Thread ids already recorded for these `platform:comment_id` fields (one HMGET)."""
        if not fields:
            return {}
        values = await self._redis.hmget(self._threads, list(fields))
        return {f: _text(v) for f, v in zip(fields, values, strict=True) if v is not None}

    async def submit(self, items: Sequence[Submission]) -> list[Outcome]:
        """Run the intake script once for the whole batch; outcomes in the order given."""
        if not items:
            return []
        keys: list[str] = [self._threads, self._names.comments]
        args: list[Any] = [self._maxlen, self._ttl]
        for item in items:
            if item.event is None:
                args += ["own", item.thread_field, item.thread_id, "", 0]
                continue
            keys.append(self.dedupe_key(item.event))
            fields = encode(item.event)
            args += ["event", item.thread_field, item.thread_id, item.event.event_id, len(fields)]
            for name, value in fields.items():
                args += [name, value]
        replies = await self._script(keys=keys, args=args)
        return [_outcome(reply) for reply in replies]


def _outcome(reply: Sequence[bytes | str]) -> Outcome:
    status = _text(reply[0])
    if status not in _STATUSES:
        raise RuntimeError(f"intake script returned an unknown status {status!r}")
    return Outcome(cast(Status, status), _text(reply[1]) or None)
