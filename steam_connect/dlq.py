"""`steam-connect dlq list|replay`: inspect the dead-letter stream and re-drive its entries.

A dead-letter entry (written by `shared.streams.consumer`) is one `__data__` JSON object with the
source stream and entry id, the consumer group that gave up, the attempt count, the error, when
it failed, and the original entry's fields. Replay appends those fields to the source stream again
(every group reads them as a new entry) and deletes the dead-letter entry, in one Lua script per
entry, so two operators replaying at once never re-drive an entry twice. With partitioned streams
the dead letters are kept per partition, in the slot of the entries they came from, so the script
touches one Redis Cluster slot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from shared.redis_connection import SyncRedis
from shared.streams.codec import DATA_FIELD
from shared.streams.names import StreamNames

# KEYS[1] dead-letter stream, KEYS[2] source stream; ARGV[1] dead-letter id, ARGV[2] maxlen,
# ARGV[3..] field/value pairs. Returns the new source id, or false when the entry is gone.
_REPLAY_LUA = """
if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then return false end
local args = {'XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*'}
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
local new_id = redis.call(unpack(args))
redis.call('XDEL', KEYS[1], ARGV[1])
return new_id
"""


class DeadLetterError(ValueError):
    """A dead-letter entry this tool cannot read or re-drive; the message names the entry."""


@dataclass(frozen=True)
class DeadLetter:
    """One dead-letter entry as an operator sees it."""

    id: str
    key: str
    """The dead-letter stream (partition) holding it."""
    stream: str
    source_id: str
    group: str
    attempts: int
    error: str
    failed_at: str
    fields: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "stream": self.stream,
            "source_id": self.source_id,
            "group": self.group,
            "attempts": self.attempts,
            "error": self.error,
            "failed_at": self.failed_at,
        }


@dataclass(frozen=True)
class Replayed:
    dead_letter_id: str
    stream: str
    new_id: str


def _order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return (int(ms), int(seq or 0)) if ms.isdigit() and seq.isdigit() else (0, 0)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def parse(entry_id: bytes | str, fields: dict[bytes, bytes], key: str = "") -> DeadLetter:
    """Reads one entry; an entry not written by the consumer is an error naming its id."""
    eid = _text(entry_id)
    raw = fields.get(DATA_FIELD)
    try:
        record = json.loads(raw) if raw is not None else None
        if not isinstance(record, dict):
            raise TypeError("no JSON object in __data__")
        return DeadLetter(
            id=eid,
            key=key,
            stream=str(record["source_stream"]),
            source_id=str(record.get("source_id", "")),
            group=str(record.get("group", "")),
            attempts=int(record.get("attempts", 0)),
            error=str(record.get("error", "")),
            failed_at=str(record.get("failed_at", "")),
            fields={str(k): str(v) for k, v in dict(record["fields"]).items()},
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise DeadLetterError(
            f"dead-letter entry {eid} is not a dead-letter record: {exc}"
        ) from exc


def entries(
    redis: SyncRedis,
    names: StreamNames,
    *,
    group: str | None = None,
    ids: Sequence[str] = (),
    limit: int | None = None,
) -> list[DeadLetter]:
    """Oldest first (by failure time across partitions), optionally only some ids or one
    group's."""
    letters: list[DeadLetter] = []
    for key in names.partitions(names.dead_letter):
        found: list[Any] = []
        for start, end in [(eid, eid) for eid in ids] or [("-", "+")]:
            found.extend(redis.xrange(key, start, end) or [])
        letters += [parse(eid, fields, key) for eid, fields in found]
    letters.sort(key=lambda d: _order(d.id))
    if group is not None:
        letters = [d for d in letters if d.group == group]
    return letters[:limit] if limit is not None else letters


def replay(
    redis: SyncRedis, names: StreamNames, letters: Iterable[DeadLetter], maxlen: int
) -> list[Replayed]:
    """Re-drives each entry atomically; one already replayed by someone else is skipped."""
    dead_letters = names.partitions(names.dead_letter)
    allowed = set(names.all_keys()) - set(dead_letters)
    script = redis.register_script(_REPLAY_LUA)
    done: list[Replayed] = []
    for letter in letters:
        if letter.stream not in allowed:
            raise DeadLetterError(
                f"dead-letter entry {letter.id} names source stream {letter.stream!r}, which is "
                f"not a stream of prefix {names.prefix!r}; refusing to write there"
            )
        pairs = [item for kv in letter.fields.items() for item in kv]
        key = letter.key or dead_letters[0]
        new_id = script(keys=[key, letter.stream], args=[letter.id, maxlen, *pairs])
        if new_id:
            done.append(Replayed(letter.id, letter.stream, _text(new_id)))
    return done


def render(letters: Sequence[DeadLetter], out: TextIO) -> None:
    """One line per entry; the error is cut to keep the table readable."""
    out.write(f"{len(letters)} dead-lettered entr{'y' if len(letters) == 1 else 'ies'}\n")
    for d in letters:
        error = d.error.replace("\n", " ")
        out.write(
            f"{d.id}  stream={d.stream}  source_id={d.source_id}  group={d.group}  "
            f"attempts={d.attempts}  failed_at={d.failed_at}  error={error[:200]}\n"
        )
