"""Stream and consumer-group names: the one place they are spelled."""

from __future__ import annotations

import os
import socket
import zlib
from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    """One consumer group per service, so each sees every event once."""

    TRIAGE = "triage"
    RESPONDER = "responder"
    REPORTING = "reporting"
    OPERATOR = "operator"


def shard_of(correlation_id: str, shards: int) -> int:
    """The partition of an exchange: CRC-32 of its thread id, the same in every process.

    Every event of one exchange carries the thread id as `correlation_id`, so a comment, the
    actions taken on it, the agents' commands and the alerts about it share one partition.
    """
    return zlib.crc32(correlation_id.encode()) % shards if shards > 1 else 0


@dataclass(frozen=True)
class StreamNames:
    """All stream keys under one prefix, so tests and tenants can share a Redis.

    With `shards` > 1 each event stream is split into that many partition streams
    (`<stream>:{<prefix>-<k>}`: the hash tag keeps partition k of every stream in one Redis
    Cluster slot); the properties below name the logical streams, `route` and `partitions`
    the keys events go to and are read from. One shard keeps the plain names, except on a
    Redis Cluster (`cluster`), where every key a script or transaction touches together must
    share a slot: there even one partition is tagged, the dead letters are kept per partition
    (beside the entries they came from) and `exchange_key` puts an exchange's dedupe and
    marker keys in its partition's slot.
    """

    prefix: str
    shards: int = 1
    cluster: bool = False

    @property
    def tagged(self) -> bool:
        """Whether keys carry the partition hash tag."""
        return self.shards > 1 or self.cluster

    def tag(self, shard: int) -> str:
        """The hash tag of partition `shard`: its keys share one Redis Cluster slot."""
        return f"{{{self.prefix}-{shard}}}"

    def partition(self, stream: str, shard: int) -> str:
        """Key of partition `shard` of the logical `stream`."""
        if not self.tagged:
            return stream
        return f"{stream}:{self.tag(shard)}"

    def partitions(self, stream: str) -> tuple[str, ...]:
        """Every partition of a logical stream, in shard order (what a reader must cover)."""
        return tuple(dict.fromkeys(self.partition(stream, k) for k in range(self.shards)))

    def shard_of_key(self, key: str) -> int:
        """The partition a stream key belongs to (0 when keys are not tagged)."""
        for k in range(self.shards):
            if key.endswith(":" + self.tag(k)):
                return k
        return 0

    def route(self, stream: str, correlation_id: str) -> str:
        """Where an event of this exchange goes on the logical `stream`."""
        return self.partition(stream, shard_of(correlation_id, self.shards))

    def exchange_key(self, name: str, correlation_id: str) -> str:
        """A non-stream key of one exchange (a dedupe mark, a publish-once marker) in the slot
        of that exchange's partition, so a script can touch it and the stream together."""
        if not self.tagged:
            return self.key(name)
        return f"{self.prefix}:{self.tag(shard_of(correlation_id, self.shards))}:{name}"

    def _key(self, name: str) -> str:
        return f"{self.prefix}:stream:{name}"

    @property
    def comments(self) -> str:
        return self._key("comments")

    @property
    def decisions(self) -> str:
        return self._key("decisions")

    @property
    def actions(self) -> str:
        return self._key("actions")

    @property
    def action_states(self) -> str:
        """Outbox rows as they change, from responder (reporting's read model of actions)."""
        return self._key("action-states")

    @property
    def timers(self) -> str:
        """SLA timer events from triage (started, due soon, met, breached, ...)."""
        return self._key("timers")

    @property
    def alerts(self) -> str:
        """Escalation early warnings from reporting."""
        return self._key("alerts")

    @property
    def exchanges(self) -> str:
        """Exchange states from triage (reporting's read model of them)."""
        return self._key("exchanges")

    @property
    def commands(self) -> str:
        """Agent commands from the inbox (resolve, approve a draft, ...)."""
        return self._key("commands")

    @property
    def privacy(self) -> str:
        """Personal-data requests (locate, export, erase an author's data), read by every
        service."""
        return self._key("privacy")

    @property
    def privacy_answers(self) -> str:
        """Each service's answer to a privacy request, read by whoever asked (no group)."""
        return self._key("privacy-answers")

    @property
    def dead_letter(self) -> str:
        return self._key("dead-letter")

    def all(self) -> tuple[str, ...]:
        """The logical streams."""
        return (
            self.comments,
            self.decisions,
            self.actions,
            self.action_states,
            self.timers,
            self.alerts,
            self.exchanges,
            self.commands,
            self.privacy,
            self.privacy_answers,
            self.dead_letter,
        )

    def all_keys(self) -> tuple[str, ...]:
        """Every stream key in Redis: each partition of each logical stream."""
        return tuple(key for stream in self.all() for key in self.partitions(stream))

    def key(self, name: str) -> str:
        """A non-stream key (dedupe sets, indexes) under the same prefix."""
        return f"{self.prefix}:{name}"


def consumer_name(service: str) -> str:
    """Unique per process, stable for its lifetime: the PEL is per consumer name."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}"
