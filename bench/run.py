# ruff: noqa: T201, E501, S603, S607 - a command-line report (rows read better unwrapped) that asks git
"""`make bench`: throughput and latency of Steam-Connect on this machine, printed as one table.

Uses the local Redis/PostgreSQL (REDIS_URL / DATABASE_URL), its own database and stream prefix,
and removes both afterwards. Stages:
1. raw redis-py relay (batched XREADGROUP + pipelined XADD/XACK): the machine's ceiling;
2. each service alone on a pre-filled stream (ingest over HTTP);
3. all four services, as fast as possible (sustained comments/s);
4. a fixed offered load (BENCH_RATE/s for BENCH_LOAD_S s): ingest → decision and → action latency
   from the Redis entry ids (server clock, ms), p50/p95/p99;
5. peak RSS of every service over the whole run.
Writes `var/bench/<UTC timestamp>.json` and `var/bench/latest.json` (git-ignored; each with the
commit, the date and the machine, so two runs can be compared); the published figures live in
docs/performance.md. Sizes: BENCH_COMMENTS (default 20,000), BENCH_RATE (300).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy import text

from shared.db.migrate import upgrade
from shared.db.session import asyncpg_dsn, make_engine
from shared.redis_connection import AsyncRedis, async_client
from shared.settings import Settings
from shared.streams.names import Group, StreamNames
from steam_connect import infra
from steam_connect.local_cluster import LocalCluster
from steam_connect.processes import SERVICES, ServiceProcess, spawn, stop, wait_healthy

if TYPE_CHECKING:
    from redis.typing import EncodableT, FieldT, StreamRangeResponse

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "var" / "bench"
KEY = "bench-ingest-key"
N = int(os.environ.get("BENCH_COMMENTS", "20000"))
RATE = int(os.environ.get("BENCH_RATE", "300"))
LOAD_S = float(os.environ.get("BENCH_LOAD_S", "20"))
TEXTS = (
    "My order {n} never arrived and the blender is broken.",
    "Your support ignored me for two weeks, nobody answers {n}.",
    "Buy cheap followers now at http://spam.example/{n}",
    "Danke, super Service! {n}",
    "lol who even buys this garbage {n}, cope harder",
)


def comment(run: str, n: int, created_at: str) -> dict[str, Any]:
    return {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": f"bench-{run}-{n}",
        "post_id": f"post-{n % 50}",
        "author": {"id": f"author-{n}", "name": "Customer"},
        "text": TEXTS[n % len(TEXTS)].format(n=n),
        "created_at": created_at,
    }


class RssWatch:
    """Samples every service's RSS twice a second; keeps the peak per service name."""

    def __init__(self) -> None:
        self.procs: dict[str, ServiceProcess] = {}
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for name, p in list(self.procs.items()):
                try:
                    rss = psutil.Process(p.proc.pid).memory_info().rss
                except psutil.Error:
                    continue
                self.peak[name] = max(self.peak.get(name, 0), rss)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def baseline(
    redis: Redis, prefix: str, count: int = 40_000, database_url: str | None = None
) -> float:
    """The ceiling: a hand-written relay between two streams, 200 entries per round trip.

    With `database_url`, each batch is also written as one row per entry (executemany INSERT,
    one commit): the ceiling for a stage that persists every comment, which is what triage,
    responder and reporting must do.
    """
    src, dst = f"{prefix}:bench:src", f"{prefix}:bench:dst"
    body: dict[FieldT, EncodableT] = {
        b"__data__": json.dumps(comment("x", 1, "2026-01-01T00:00:00+00:00")).encode()
    }
    for start in range(0, count, 1000):
        pipe = redis.pipeline(transaction=False)
        for _ in range(min(1000, count - start)):
            pipe.xadd(src, body)
        await pipe.execute()
    await redis.xgroup_create(src, "relay", id="0")
    engine = make_engine(database_url) if database_url else None
    insert = text(
        "INSERT INTO bench_relay (entry_id, body) VALUES (:entry_id, CAST(:body AS jsonb))"
    )
    if engine is not None:
        async with engine.begin() as conn:
            await conn.execute(
                text("CREATE TABLE bench_relay (entry_id text PRIMARY KEY, body jsonb)")
            )
    relayed, began = 0, time.perf_counter()
    while relayed < count:
        got = await redis.xreadgroup("relay", "r1", {src: ">"}, count=200, block=100)
        if not isinstance(got, list):  # RESP3 answers a dict per stream; this client speaks RESP2
            raise TypeError(f"XREADGROUP answered {type(got).__name__}, not a RESP2 list")
        entries = got[0][1] if got else []
        if engine is not None and entries:
            async with engine.begin() as conn:
                rows = [
                    {"entry_id": i.decode(), "body": f[b"__data__"].decode()} for i, f in entries
                ]
                await conn.execute(insert, rows)
        pipe = redis.pipeline(transaction=False)
        for _id, fields in entries:
            pipe.xadd(dst, fields, maxlen=1_000_000, approximate=True)
        pipe.xack(src, "relay", *[i for i, _f in entries])
        await pipe.execute()
        relayed += len(entries)
    rate = count / (time.perf_counter() - began)
    await redis.delete(src, dst)
    if engine is not None:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE bench_relay"))
        await engine.dispose()
    return rate


async def post(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> None:
    answer = await client.post(
        "/v1/comments", json=items, headers={"Authorization": f"Bearer {KEY}"}
    )
    if answer.status_code != 202:
        raise RuntimeError(f"ingest answered {answer.status_code}: {answer.text[:300]}")


async def flood(url: str, run: str, count: int, offset: int = 0, workers: int = 4) -> float:
    """POSTs `count` comments in batches of 200 from a few clients; returns comments/s."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    batches = [
        [comment(run, n, now) for n in range(s, min(s + 200, offset + count))]
        for s in range(offset, offset + count, 200)
    ]
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            while not queue.empty():
                await post(client, queue.get_nowait())

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return count / (time.perf_counter() - began)


async def drained(redis: AsyncRedis, stream: str, group: str) -> bool:
    for info in await redis.xinfo_groups(stream):
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name == group:
            return not info["pending"] and not info.get("lag")
    return False


async def wait_drained(
    redis: AsyncRedis, pairs: list[tuple[str, str]], limit_s: float = 1800
) -> float:
    began = time.perf_counter()
    while True:
        states = [await drained(redis, s, g) for s, g in pairs]
        if all(states):
            return time.perf_counter() - began
        if time.perf_counter() - began > limit_s:
            raise RuntimeError(f"not drained after {limit_s:.0f}s: {pairs}")
        await asyncio.sleep(0.05)


def ms(entry_id: bytes) -> int:
    return int(entry_id.split(b"-")[0])


def bodies(entries: StreamRangeResponse | None) -> Iterator[tuple[bytes, Any]]:
    """(entry id, decoded `__data__`) of each XRANGE entry. redis-py types the reply for clients
    that decode to str too; this one reads bytes, and no entry here is deleted (fields None)."""
    if entries is None:
        raise TypeError("XRANGE answered nothing")
    for eid, fields in entries:
        if not isinstance(eid, bytes) or fields is None:
            raise TypeError(f"unexpected stream entry {eid!r}: {fields!r}")
        yield eid, json.loads(fields[b"__data__"])


async def latencies(redis: Redis, names: StreamNames, run: str) -> dict[str, list[float]]:
    """Ingest → decision and → first action, from entry ids (Redis server clock, ms)."""
    born: dict[str, int] = {}
    for eid, body in bodies(await redis.xrange(names.comments)):
        if body["comment"]["comment_id"].startswith(f"bench-{run}-load-"):
            born[body["event_id"]] = ms(eid)
    decided: dict[str, tuple[str, int]] = {}
    for eid, body in bodies(await redis.xrange(names.decisions)):
        if body["comment_event_id"] in born:
            decided[body["decision_id"]] = (body["comment_event_id"], ms(eid))
    acted: dict[str, int] = {}
    for eid, body in bodies(await redis.xrange(names.actions)):
        did = body.get("decision_id")
        if did in decided and did not in acted:
            acted[did] = ms(eid)
    to_decision: list[float] = [t - born[c] for c, t in decided.values()]
    to_action: list[float] = [acted[d] - born[c] for d, (c, _t) in decided.items() if d in acted]
    return {"decision": to_decision, "action": to_action}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


async def offered_load(url: str, run: str, rate: int, seconds: float) -> None:
    """`rate` comments/s in ten small batches a second, on schedule (open loop)."""
    per_tick, tick = max(1, rate // 10), 0.1
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        began, sent, pending = time.perf_counter(), 0, set()
        for k in range(int(seconds / tick)):
            items = [comment(run, n, now) for n in range(sent, sent + per_tick)]
            for item in items:
                item["comment_id"] = f"bench-{run}-load-{item['comment_id']}"
            sent += per_tick
            pending.add(asyncio.create_task(post(client, items)))
            await asyncio.sleep(max(0.0, began + (k + 1) * tick - time.perf_counter()))
        await asyncio.gather(*pending)


async def batch_totals(procs: dict[str, ServiceProcess]) -> dict[str, tuple[float, float]]:
    """Per "service stream" consumer: (batches, entries) so far, from each service's /metrics."""
    totals: dict[str, tuple[float, float]] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for name, proc in procs.items():
            exposition = (await client.get(f"{proc.base_url}/metrics")).text
            for family in text_string_to_metric_families(exposition):
                if family.name != "sc_stream_batch_size":
                    continue
                for sample in family.samples:
                    key = f"{name} {sample.labels['stream']}"
                    count, total = totals.get(key, (0.0, 0.0))
                    if sample.name.endswith("_count"):
                        totals[key] = (sample.value, total)
                    elif sample.name.endswith("_sum"):
                        totals[key] = (count, sample.value)
    return totals


def mean_batches(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Mean entries per batch between two `batch_totals` readings."""
    means = {}
    for key, (count, total) in sorted(after.items()):
        count0, total0 = before.get(key, (0.0, 0.0))
        if count > count0:
            means[key] = (total - total0) / (count - count0)
    return means


AUTOVACUUM_DUE = """
SELECT relname,
       n_dead_tup > 50 + 0.2 * n_live_tup AS vacuum,
       n_mod_since_analyze > 50 + 0.1 * n_live_tup AS analyse
FROM pg_stat_user_tables
"""
"""PostgreSQL's default autovacuum thresholds (vacuum at 20 % dead rows, analyse at 10 % changed)."""


async def stand_in_for_autovacuum(database_url: str, stop: asyncio.Event) -> None:
    """Every 5 s, VACUUM or ANALYZE what autovacuum would, if the server has it switched off.

    A production PostgreSQL vacuums and analyses tables as they grow. Without it, the outbox,
    timer and summary tables keep every dead row version of their updates, and the planner keeps
    an empty table's estimates, so the bench would measure a misconfigured server.
    """
    engine = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if (await conn.exec_driver_sql("SHOW autovacuum")).scalar() != "off":
                return
        say("the server's autovacuum is off: the bench vacuums and analyses in its place")
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=5)
            async with engine.connect() as conn:
                for table, vacuum, analyse in (await conn.execute(text(AUTOVACUUM_DUE))).all():
                    if vacuum or analyse:
                        verb = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
                        await conn.exec_driver_sql(f'{verb} "{table}"')
    finally:
        await engine.dispose()


def service_env(settings: Settings, ports: dict[str, int], console: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REDIS_URL=settings.redis_url,
        DATABASE_URL=settings.database_url,
        STREAM_PREFIX=settings.stream_prefix,
        INGEST_API_KEYS=KEY,
        REPORTING_API_KEYS="bench-reporting-key",
        ACCEPT_UNKNOWN_ACCOUNTS="true",
        CONSOLE_RECORD_PATH=str(console),
        LOG_LEVEL="WARNING",
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
    )
    return env


async def measure(settings: Settings, env: dict[str, str], logs: Path) -> dict[str, Any]:
    names, run = StreamNames(settings.stream_prefix), uuid.uuid4().hex[:6]
    redis = Redis.from_url(settings.redis_url)
    procs: dict[str, ServiceProcess] = {}
    ports = {s: int(env[f"{s.upper()}_PORT"]) for s in SERVICES}
    result: dict[str, Any] = {"comments": N, "offered_rate": RATE, "load_s": LOAD_S}
    analysis_done = asyncio.Event()
    analyser = asyncio.create_task(stand_in_for_autovacuum(settings.database_url, analysis_done))
    with RssWatch() as rss:

        def start(name: str) -> None:
            procs[name] = spawn(name, ports[name], env, logs, ROOT)
            rss.procs[name] = procs[name]
            wait_healthy(procs[name], timeout=120)

        try:
            result["baseline"] = await baseline(redis, settings.stream_prefix)
            say(f"baseline relay {result['baseline']:,.0f} msg/s")
            result["baseline_postgres"] = await baseline(
                redis, settings.stream_prefix, database_url=settings.database_url
            )
            say(f"relay + one PostgreSQL row per entry {result['baseline_postgres']:,.0f} msg/s")
            stages: dict[str, float] = {}
            await asyncio.to_thread(start, "ingest")
            stages["ingest"] = await flood(procs["ingest"].base_url, run, N)
            say(f"ingest alone {stages['ingest']:,.0f}/s")
            for name, pairs in (
                ("triage", [(names.comments, Group.TRIAGE)]),
                ("responder", [(names.decisions, Group.RESPONDER)]),
                (
                    "reporting",
                    [
                        (names.comments, Group.REPORTING),
                        (names.decisions, Group.REPORTING),
                        (names.actions, Group.REPORTING),
                        (names.action_states, Group.REPORTING),
                        (names.exchanges, Group.REPORTING),
                    ],
                ),
            ):
                await asyncio.to_thread(start, name)
                stages[name] = N / await wait_drained(redis, [(s, str(g)) for s, g in pairs])
                say(f"{name} alone {stages[name]:,.0f} comments/s")
            await wait_drained(redis, [(names.actions, str(Group.TRIAGE))])
            result["stages"] = stages
            all_groups = [
                (names.comments, str(Group.TRIAGE)),
                (names.decisions, str(Group.RESPONDER)),
                (names.comments, str(Group.REPORTING)),
                (names.decisions, str(Group.REPORTING)),
                (names.actions, str(Group.REPORTING)),
                (names.action_states, str(Group.REPORTING)),
                (names.exchanges, str(Group.REPORTING)),
                (names.actions, str(Group.TRIAGE)),
            ]
            before = await batch_totals(procs)
            await asyncio.sleep(1.0)  # PostgreSQL publishes its counters about once a second
            costs_before = await Costs.read(procs, redis, settings.database_url)
            began = time.perf_counter()
            await flood(procs["ingest"].base_url, run, N, offset=N)
            await wait_drained(redis, all_groups)
            result["end_to_end"] = N / (time.perf_counter() - began)
            result["end_to_end_mean_batch"] = mean_batches(before, await batch_totals(procs))
            await asyncio.sleep(1.5)
            costs = await Costs.read(procs, redis, settings.database_url)
            result["per_comment"] = costs.per_comment(costs_before, N)
            say(f"end to end {result['end_to_end']:,.0f} comments/s")
            await offered_load(procs["ingest"].base_url, run, RATE, LOAD_S)
            await wait_drained(redis, all_groups)
            lat = await latencies(redis, names, run)
            result["latency_ms"] = {
                k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)}
                for k, v in lat.items()
            }
            info = await redis.info("memory")
            result["redis_used_memory_mb"] = info["used_memory"] / 2**20
            result["stream_lengths"] = {
                s: await redis.xlen(s) for s in (names.comments, names.decisions, names.actions)
            }
        finally:
            analysis_done.set()
            for p in procs.values():
                stop(p)
            await redis.aclose()
            await analyser
    result["peak_rss_mb"] = {k: v / 2**20 for k, v in rss.peak.items()}
    return result


REPLICAS = int(os.environ.get("BENCH_REPLICAS", "2"))
SHARDS = int(os.environ.get("BENCH_SHARDS", "4"))
CONSUMERS = ("triage", "responder", "reporting")
GROUPS = {
    "triage": ("comments", "actions"),
    "responder": ("decisions",),
    "reporting": ("comments", "decisions", "actions", "action_states", "exchanges"),
}


async def replicated(
    settings: Settings,
    env: dict[str, str],
    logs: Path,
    *,
    replicas: int = REPLICAS,
    cluster: LocalCluster | None = None,
) -> dict[str, Any]:
    """End to end with `replicas` processes of each consumer service over SHARDS partitions,
    on the one Redis or on `cluster` (ingest then waits for a replica of each primary written).

    Its own stream prefix (the partition count changes the stream keys); the same database.
    """
    prefix = f"{settings.stream_prefix}-{'c' if cluster else 'r'}"
    env = {**env, "STREAM_PREFIX": prefix, "STREAM_SHARDS": str(SHARDS)}
    if cluster is not None:
        env.update(REDIS_CLUSTER_NODES=cluster.nodes, REDIS_WAIT_REPLICAS="1")
        settings = settings.model_copy(update={"redis_cluster_nodes": cluster.nodes.split(",")})
    names, run = StreamNames(prefix, SHARDS, cluster is not None), uuid.uuid4().hex[:6]
    redis = async_client(settings)
    procs: dict[str, ServiceProcess] = {}
    pairs = [
        (key, service)
        for service, streams in GROUPS.items()
        for stream in streams
        for key in names.partitions(getattr(names, stream))
    ]
    tag = "c" if cluster else "r"
    try:
        procs["ingest"] = spawn("ingest", infra.free_port(), env, logs, ROOT, label=f"ingest-{tag}")
        for service in CONSUMERS:
            for n in range(1, replicas + 1):
                label = f"{service}-{tag}{n}"
                procs[label] = spawn(service, infra.free_port(), env, logs, ROOT, label=label)
        for process in procs.values():
            await asyncio.to_thread(wait_healthy, process, 180)
        await asyncio.sleep(3 * 1.0)  # a few ownership rounds: the partitions spread out
        began = time.perf_counter()
        await flood(procs["ingest"].base_url, run, N)
        await wait_drained(redis, pairs)
        rate = N / (time.perf_counter() - began)
    finally:
        for process in procs.values():
            stop(process)
        await redis.aclose()
        if cluster is None:
            await _clean(settings.redis_url, prefix)
    return {"replicas": replicas, "shards": SHARDS, "end_to_end": rate}


PURGE_ROWS = int(os.environ.get("BENCH_PURGE_ROWS", "2000000"))


async def purge_cost(database_url: str, rows: int = PURGE_ROWS) -> dict[str, Any]:
    """Retention on a history table of `rows` rows over 24 months, the oldest 12 past it: drop
    those monthly partitions (as comment_events is kept) against DELETE and against an UPDATE
    that empties the texts, both on the same rows in a table without partitions."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    months = [datetime(2025 + (m // 12), m % 12 + 1, 1, tzinfo=UTC) for m in range(25)]
    fill = (
        "INSERT INTO {t} (event_id, platform, comment_id, thread_id, change, text, occurred_at) "
        "SELECT 'e' || n, 'facebook', 'c' || n, 'facebook:c' || (n / 4), 'created', "
        "'Mein Paket ist seit Wochen nicht angekommen, Bestellung ' || n, "
        "$1::timestamptz + ((n - 1)::float / $2 * interval '730 days') FROM generate_series(1, $2) n"
    )
    try:
        await conn.execute(
            "CREATE TABLE bench_events_p (LIKE comment_events INCLUDING DEFAULTS) "
            "PARTITION BY RANGE (occurred_at)"
        )
        for low, high in zip(months, months[1:], strict=False):
            await conn.execute(
                f"CREATE TABLE bench_events_p_{low:%Y%m} PARTITION OF bench_events_p "
                f"FOR VALUES FROM ('{low.isoformat()}') TO ('{high.isoformat()}')"
            )
        for table in ("bench_events_p", "bench_events_flat", "bench_events_upd"):
            if table != "bench_events_p":
                await conn.execute(f"CREATE TABLE {table} (LIKE comment_events INCLUDING DEFAULTS)")
            await conn.execute(fill.format(t=table), start, rows)
            await conn.execute(f"CREATE INDEX ON {table} (occurred_at)")
            await conn.execute(f"ANALYZE {table}")
        cutoff = months[12]
        began = time.perf_counter()
        async with conn.transaction():
            for low in months[:12]:
                await conn.execute(f"DROP TABLE bench_events_p_{low:%Y%m}")
        dropped_s = time.perf_counter() - began
        began = time.perf_counter()
        deleted = await conn.execute("DELETE FROM bench_events_flat WHERE occurred_at < $1", cutoff)
        deleted_s = time.perf_counter() - began
        began = time.perf_counter()
        await conn.execute("UPDATE bench_events_upd SET text = '' WHERE occurred_at < $1", cutoff)
        updated_s = time.perf_counter() - began
    finally:
        for table in ("bench_events_p", "bench_events_flat", "bench_events_upd"):
            await conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        await conn.close()
    return {
        "rows": rows,
        "expired": int(deleted.split()[-1]),
        "drop_s": dropped_s,
        "delete_s": deleted_s,
        "update_s": updated_s,
    }


@dataclass(frozen=True)
class Costs:
    """Counters read before and after a stage: what each comment cost, measured."""

    cpu_s: dict[str, float]
    rows: int
    redis_commands: int

    @classmethod
    async def read(cls, procs: dict[str, ServiceProcess], redis: Redis, database_url: str) -> Costs:
        cpu = {}
        for name, p in procs.items():
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(p.proc.pid).cpu_times()
                cpu[name] = times.user + times.system
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(text(ROWS_WRITTEN))).scalar_one()
        finally:
            await engine.dispose()
        stats = await redis.info("stats")
        return cls(cpu, int(rows), int(stats["total_commands_processed"]))

    def per_comment(self, before: Costs, comments: int) -> dict[str, Any]:
        return {
            "cpu_ms": {
                name: 1000 * (self.cpu_s[name] - before.cpu_s.get(name, 0.0)) / comments
                for name in self.cpu_s
            },
            "postgres_rows": (self.rows - before.rows) / comments,
            "redis_commands": (self.redis_commands - before.redis_commands) / comments,
        }


ROWS_WRITTEN = (
    "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
    "WHERE datname = current_database()"
)
"""Rows written in this database (statistics lag by up to a second: read after a pause)."""


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def table(r: dict[str, Any]) -> str:
    base = r["baseline"]
    lines = [
        f"Steam-Connect bench: {r['comments']:,} comments per stage, {os.cpu_count()} CPUs",
        "",
        "| measure | value | target | ratio / verdict |",
        "|---|---|---|---|",
        f"| raw redis-py relay (baseline) | {base:,.0f} msg/s | ceiling | 1.00 |",
        f"| same relay + one PostgreSQL row per entry (reference) | {r['baseline_postgres']:,.0f} msg/s | - | {r['baseline_postgres'] / base:.2f} |",
    ]
    clf = r["classifier_one_core"]
    lines.append(
        f"| classifier, one core, batches of 200 | {clf:,.0f} comments/s | reported beside its quality (docs/classifier.md) | - |"
    )
    for name, rate in r["stages"].items():
        # DEVELOPERS.md: ingest against the bare relay; the stages that persist several rows a
        # comment against the relay that writes one.
        reference, share = (base, 0.5) if name == "ingest" else (r["baseline_postgres"], 0.25)
        ok = "ok" if rate >= share * reference else "MISSED"
        against = "relay" if name == "ingest" else "reference"
        lines.append(
            f"| {name} alone | {rate:,.0f} comments/s | >= {share} x {against} = {share * reference:,.0f} | {rate / reference:.2f} of {against} {ok} |"
        )
    e2e = r["end_to_end"]
    lines.append(
        f"| end to end, 4 services | {e2e:,.0f} comments/s | >= 1,000 | {'ok' if e2e >= 1000 else 'MISSED'} |"
    )
    if "replicated" in r:
        rep = r["replicated"]
        lines.append(
            f"| end to end, {rep['replicas']} replicas of each consumer service, {rep['shards']} partitions | {rep['end_to_end']:,.0f} comments/s | same machine: availability, not speed (docs/scaling.md) | {rep['end_to_end'] / e2e:.2f} of one each |"
        )
    if "on_cluster" in r:
        cl = r["on_cluster"]
        lines.append(
            f"| end to end on a local Redis Cluster (3 primaries + 3 replicas, WAIT 1), one process each, {cl['shards']} partitions | {cl['end_to_end']:,.0f} comments/s | same machine: the cluster's 6 servers share its 2 cores | {cl['end_to_end'] / e2e:.2f} of one Redis |"
        )
    if "purge" in r:
        p = r["purge"]
        lines.append(
            f"| retention purge of {p['expired']:,} of {p['rows']:,} history rows (12 of 24 months) | drop 12 monthly partitions {p['drop_s'] * 1000:,.0f} ms / DELETE {p['delete_s']:,.1f} s / UPDATE emptying texts {p['update_s']:,.1f} s | - | DELETE {p['delete_s'] / max(p['drop_s'], 1e-6):,.0f}x the drop |"
        )
    if "per_comment" in r:
        cost = r["per_comment"]
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in cost["cpu_ms"].items())
        lines.append(
            f"| CPU per comment end to end (ms) | {cpu} | capacity model (docs/scaling.md) | - |"
        )
        lines.append(
            f"| PostgreSQL rows written / Redis commands per comment | {cost['postgres_rows']:.1f} / {cost['redis_commands']:.1f} | - | - |"
        )
    batches = ", ".join(f"{k} {v:.0f}" for k, v in r["end_to_end_mean_batch"].items())
    lines.append(f"| mean batch end to end (entries) | {batches} | - | - |")
    for kind, s in r["latency_ms"].items():
        verdict = ("ok" if s["p99"] <= 250 else "MISSED") if kind == "decision" else "-"
        target = "p99 <= 250 ms" if kind == "decision" else "-"
        lines.append(
            f"| ingest -> {kind} at {r['offered_rate']}/s (n={s['n']}) | p50 {s['p50']:.0f} / p95 "
            f"{s['p95']:.0f} / p99 {s['p99']:.0f} ms | {target} | {verdict} |"
        )
    for name, mb in sorted(r["peak_rss_mb"].items()):
        lines.append(
            f"| peak RSS {name} | {mb:,.0f} MB | <= 300 MB | {'ok' if mb <= 300 else 'MISSED'} |"
        )
    lines.append(
        f"| Redis used memory at end | {r['redis_used_memory_mb']:,.0f} MB | bounded by MAXLEN | - |"
    )
    return "\n".join(lines)


def main() -> int:
    base = Settings(_env_file=None)
    if not infra.redis_answers(base.redis_url) or not infra.postgres_answers(base.database_url):
        print("bench needs Redis at REDIS_URL and PostgreSQL at DATABASE_URL", file=sys.stderr)
        return 2
    db = infra.with_database(base.database_url, f"sc_bench_{uuid.uuid4().hex[:10]}")
    prefix = f"scbench-{uuid.uuid4().hex[:10]}"
    settings = Settings(
        redis_url=base.redis_url, database_url=db, stream_prefix=prefix, _env_file=None
    )
    infra.create_database(db)
    try:
        record = asyncio.run(run_record(base.redis_url, db))
        upgrade(db)
        with tempfile.TemporaryDirectory(prefix="sc-bench-") as tmp:
            ports = infra.free_ports(SERVICES)
            env = service_env(settings, ports, Path(tmp) / "console.ndjson")
            result = asyncio.run(measure(settings, env, Path(tmp) / "logs"))
            if REPLICAS > 1:
                say(f"end to end with {REPLICAS} replicas of each consumer service")
                result["replicated"] = asyncio.run(replicated(settings, env, Path(tmp) / "logs"))
                say(f"replicated end to end {result['replicated']['end_to_end']:,.0f} comments/s")
            if PURGE_ROWS:
                say(f"retention purge of {PURGE_ROWS:,} history rows: partitions vs rows")
                result["purge"] = asyncio.run(purge_cost(db))
            if os.environ.get("BENCH_CLUSTER", "1") == "1":
                say("end to end on a local Redis Cluster (3 primaries, 3 replicas)")
                cluster = LocalCluster(Path(tmp) / "cluster").start()
                try:
                    result["on_cluster"] = asyncio.run(
                        replicated(settings, env, Path(tmp) / "logs", replicas=1, cluster=cluster)
                    )
                finally:
                    cluster.stop()
                say(f"on the cluster {result['on_cluster']['end_to_end']:,.0f} comments/s")
    finally:
        infra.drop_database(db)
        asyncio.run(_clean(base.redis_url, prefix))
    result["run"] = record
    result["classifier_one_core"] = classifier_rate()
    result["table"] = table(result)
    print(result["table"])
    say(f"results in {write_results(result, RESULTS_DIR)}")
    return 0


async def run_record(redis_url: str, database_url: str) -> dict[str, Any]:
    """What a figure needs beside it to be compared: which code, when, on what machine."""
    redis = Redis.from_url(redis_url)
    try:
        redis_version = (await redis.info("server"))["redis_version"]
    finally:
        await redis.aclose()
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            postgres_version = (await conn.execute(text("SHOW server_version"))).scalar_one()
    finally:
        await engine.dispose()
    return {
        "commit": git_commit(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "redis": redis_version,
            "postgresql": postgres_version,
        },
    }


def git_commit() -> str:
    """HEAD's id, with `-dirty` when the work tree has changes (the figures are not HEAD's)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head}-dirty" if dirty else head


def write_results(result: dict[str, Any], folder: Path) -> Path:
    """One file per run, named by its UTC time, and `latest.json` pointing at the newest."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    body = json.dumps(result, indent=2, default=str) + "\n"
    path = folder / f"{stamp}.json"
    path.write_text(body)
    (folder / "latest.json").write_text(body)
    return path


def classifier_rate() -> float:
    """Comments/s of triage's labeller pinned to one core, in its own quiet process."""
    say("classifier on one core")
    out = subprocess.run(
        [sys.executable, "-m", "bench.classify_rate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


async def _clean(url: str, prefix: str) -> None:
    redis = Redis.from_url(url)
    keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=1000)]
    for start in range(0, len(keys), 500):
        await redis.delete(*keys[start : start + 500])
    await redis.aclose()


if __name__ == "__main__":
    sys.exit(main())
