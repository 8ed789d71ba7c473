"""Metrics shared by every service; label values are bounded (logical names, never ids)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import ResponseError

from shared.redis_connection import AsyncRedis

STREAM_MESSAGES = Counter(
    "sc_stream_messages_total",
    "Stream entries handled by a consumer group, by outcome.",
    ["stream", "group", "outcome"],
)
BATCH_SIZE = Histogram(
    "sc_stream_batch_size",
    "Entries per batch a consumer handed its handler: small batches under load mean per-batch "
    "costs (transaction, round trips) dominate.",
    ["stream", "group"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000),
)
DEAD_LETTERED = Counter(
    "sc_dead_lettered_total",
    "Stream entries moved to the dead-letter stream.",
    ["stream", "group"],
)
HTTP_REFUSED = Counter(
    "sc_http_refused_total",
    "Requests refused before any route ran: body over its cap (413) or key over its rate (429).",
    ["service", "status"],
)


def render_latest() -> tuple[bytes, str]:
    """The exposition body and its content type, for a `/metrics` route."""
    return generate_latest(), CONTENT_TYPE_LATEST


# --- stream lag, pending entries, dead-letter size (refreshed by reporting, read at scrape) ------


@dataclass(frozen=True)
class GroupStats:
    """One consumer group on one stream, as XINFO GROUPS reports it."""

    stream: str
    group: str
    lag: int
    pending: int


@dataclass(frozen=True)
class StreamStats:
    groups: tuple[GroupStats, ...] = ()
    dead_letter_length: int = 0


class StreamStatsCollector(Collector):
    """Exposes the last refreshed stream figures; scraping never waits on Redis."""

    def __init__(self) -> None:
        self._stats = StreamStats()

    def update(self, stats: StreamStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        lag = GaugeMetricFamily(
            "sc_stream_lag", "Entries not yet delivered to the group.", labels=["stream", "group"]
        )
        pending = GaugeMetricFamily(
            "sc_stream_pending",
            "Entries delivered to the group but not acknowledged.",
            labels=["stream", "group"],
        )
        for g in stats.groups:
            lag.add_metric([g.stream, g.group], g.lag)
            pending.add_metric([g.stream, g.group], g.pending)
        dlq = GaugeMetricFamily("sc_dead_letter_length", "Entries in the dead-letter stream.")
        dlq.add_metric([], stats.dead_letter_length)
        yield from (lag, pending, dlq)


STREAM_STATS = StreamStatsCollector()
REGISTRY.register(STREAM_STATS)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def read_stream_stats(
    redis: AsyncRedis, streams: Mapping[str, Sequence[str]], dead_letters: Sequence[str]
) -> StreamStats:
    """XINFO GROUPS per partition, summed per logical stream and group, and XLEN of the
    dead-letter partitions. A group's lag is -1 when Redis cannot tell it for some partition."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for logical, keys in streams.items():
        for key in keys:
            try:
                infos = await redis.xinfo_groups(key)
            except ResponseError as exc:
                if "no such key" in str(exc).lower():
                    continue
                raise
            for info in infos:
                name = _text(info["name"])
                lag_now = info.get("lag")
                lag, pending = totals.get((logical, name), (0, 0))
                lag = -1 if lag < 0 or lag_now is None else lag + int(lag_now)
                totals[(logical, name)] = (lag, pending + int(info["pending"]))
    groups = [
        GroupStats(stream=logical, group=group, lag=lag, pending=pending)
        for (logical, group), (lag, pending) in totals.items()
    ]
    dead = sum([int(await redis.xlen(key)) for key in dead_letters])
    return StreamStats(tuple(groups), dead)
