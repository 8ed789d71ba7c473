"""`steam-connect run`: the whole system on one machine, without Docker.

Uses the Redis and PostgreSQL at REDIS_URL / DATABASE_URL when they answer, else starts embedded
real servers under `.state/`; migrates; starts the four services; replays the samples; prints each
decision and each console action as it happens; restarts a service that crashes (with backoff,
steam_connect/supervision.py); stops everything on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg
from redis.exceptions import RedisError

from shared.db.migrate import upgrade
from shared.redis_connection import SyncRedis, slot_groups, stream_names, sync_client
from shared.settings import Settings
from shared.streams.codec import decode
from steam_connect import infra
from steam_connect.processes import (
    SERVICES,
    ServiceProcess,
    service_port,
    spawn,
    stop,
    wait_healthy,
)
from steam_connect.replay import replay
from steam_connect.supervision import Supervisor


@dataclass(frozen=True)
class Layout:
    """Where local state lives: under the directory `make run` is started from."""

    root: Path

    @property
    def state(self) -> Path:
        return self.root / ".state"

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def console_record(self) -> Path:
        return self.var / "console-actions.ndjson"

    @property
    def sample(self) -> Path:
        return self.root / "samples" / "comments.ndjson"


def say(message: str) -> None:
    print(f"[steam-connect] {message}", flush=True)


@dataclass
class Stack:
    """What `run` started, so shutdown stops exactly that and nothing else."""

    servers: list[infra.Server] = field(default_factory=list)
    children: list[ServiceProcess] = field(default_factory=list)

    def shutdown(self) -> int:
        """Children newest first, then the servers they used; returns the worst exit code."""
        worst = 0
        for child in reversed(self.children):
            code = stop(child)
            say(f"{child.name} stopped (exit code {code})")
            worst = worst or code
        for server in reversed(self.servers):
            server.stop()
            say(f"{server.origin} {server.name} stopped")
        return worst


def find_redis(settings: Settings, stack: Stack, layout: Layout) -> str:
    if settings.redis_cluster:
        say(f"Redis: using the cluster at {','.join(settings.redis_cluster_nodes)}")
        return settings.redis_url
    if infra.redis_answers(settings.redis_url):
        say(f"Redis: using the server at {settings.redis_url}")
        return settings.redis_url
    server = infra.start_embedded_redis(layout.state / "redis")
    stack.servers.append(server)
    say(f"Redis: nothing answered at {settings.redis_url}; started an embedded one at {server.url}")
    return server.url


def find_postgres(settings: Settings, stack: Stack, layout: Layout) -> str:
    if infra.postgres_answers(settings.database_url):
        say(f"PostgreSQL: using the server at {settings.database_url}")
        url = settings.database_url
    else:
        name = infra.database_name(settings.database_url)
        server = infra.start_embedded_postgres(layout.state / "postgres", name)
        stack.servers.append(server)
        say(f"PostgreSQL: nothing answered at {settings.database_url}; started an embedded one")
        url = server.url
    infra.create_database(url)
    upgrade(url)
    say(f"PostgreSQL: database {infra.database_name(url)!r} migrated to head")
    return url


def ensure_inbox_admin(database_url: str, layout: Layout) -> None:
    """A fresh local stack gets one admin account, so the inbox can be tried at once.

    The password goes to a file only its owner may read, never to the console or a log.
    """
    from services.reporting.adapters.people import People
    from shared.db.session import make_engine, make_sessionmaker
    from steam_connect.people import operator

    secret_file = layout.state / "inbox-admin-password"

    async def ensure() -> bool:
        engine = make_engine(database_url)
        try:
            people = People(make_sessionmaker(engine))
            if await people.accounts():
                return False
            password = secrets.token_urlsafe(15)
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.touch(mode=0o600)
            secret_file.write_text(password + "\n", encoding="utf-8")
            await people.add(operator(), "admin", "admin", password)
            return True
        finally:
            await engine.dispose()

    if asyncio.run(ensure()):
        say(f"inbox: created the account 'admin'; its password is in {secret_file}")
    elif secret_file.exists():
        say(f"inbox: sign in as 'admin' (password in {secret_file}) or an agent of yours")
    say("inbox: add people with `steam-connect agents add NAME --role agent|supervisor|admin`")


def first_key(keys: list[Any], fallback: str) -> str:
    return str(keys[0].get_secret_value()) if keys else fallback


def child_env(
    settings: Settings, layout: Layout, redis_url: str, database_url: str
) -> dict[str, str]:
    """The services' environment: the caller's, plus what the local stack decided."""
    env = dict(os.environ)
    env.update(
        REDIS_URL=redis_url,
        DATABASE_URL=database_url,
        STREAM_PREFIX=settings.stream_prefix,
        STREAM_SHARDS=str(settings.stream_shards),
        INGEST_API_KEYS=first_key(settings.ingest_api_keys, f"demo-{secrets.token_hex(8)}"),
        REPORTING_API_KEYS=first_key(settings.reporting_api_keys, f"demo-{secrets.token_hex(8)}"),
        ACCEPT_UNKNOWN_ACCOUNTS="true",
        CONSOLE_RECORD_PATH=str(layout.console_record),
        LOG_JSON=env.get("LOG_JSON", "false"),
    )
    return env


def start_services(
    settings: Settings, env: dict[str, str], stack: Stack, layout: Layout
) -> Supervisor:
    """Starts the four in order, each healthy before the next; then keeps them up."""

    def start(name: str) -> ServiceProcess:
        return spawn(name, service_port(settings, name), env, layout.var / "log", layout.root)

    for name in SERVICES:
        child = start(name)
        stack.children.append(child)
        wait_healthy(child)
        say(f"{name} healthy at {child.base_url} (pid {child.proc.pid}, log {child.log_path})")
    return Supervisor(stack.children, start)


def format_decision(body: dict[str, Any]) -> str:
    """One line per decision: where, which rule and why, what happens, by when."""
    comment = body.get("comment", {})
    kinds = ",".join(a.get("kind", "?") for a in body.get("actions", [])) or "none"
    due = body.get("sla_due_at") or "no SLA"
    return (
        f"decision {comment.get('platform')}/{comment.get('comment_id')}: "
        f"{body.get('rule_id')} ({body.get('reason')}) -> {kinds}; due {due}"
    )


def _short(value: object, limit: int = 90) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_console_action(raw: str) -> str:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError:
        return f"console action (unparsed): {raw.strip()}"
    if not isinstance(record, dict):
        return f"console action: {raw.strip()}"
    preferred = ("kind", "platform", "comment_id", "text")
    parts = [f"{k}={_short(record[k])}" for k in preferred if record.get(k) not in (None, "")]
    return "console action: " + (" ".join(parts) or raw.strip())


class Tail:
    """Follows the decisions stream's partitions (from their ends when created) and the console
    record file."""

    def __init__(self, redis: SyncRedis, streams: tuple[str, ...], console_file: Path) -> None:
        self._redis = redis
        self._last: dict[Any, Any] = {}
        for stream in streams:
            newest = redis.xrevrange(stream, count=1)
            self._last[stream] = newest[0][0] if newest else "0-0"
        self._console = console_file
        self._offset = console_file.stat().st_size if console_file.exists() else 0

    def poll(self, block_ms: int = 500) -> list[str]:
        lines = []
        groups = slot_groups(self._redis, self._last)  # on a cluster: one XREAD per slot
        answer: list[Any] = []
        for keys in groups:
            wait = block_ms if len(groups) == 1 else None
            since = {k: self._last[k] for k in keys}
            answer += self._redis.xread(since, count=500, block=wait) or []  # type: ignore[arg-type]
        if not answer and len(groups) > 1:
            time.sleep(block_ms / 1000)
        for stream, entries in answer:
            for entry_id, fields in entries:
                key = stream.decode() if isinstance(stream, bytes) else stream
                self._last[key] = entry_id
                lines.append(format_decision(decode(fields)))
        if self._console.exists():
            with self._console.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self._offset += len(complete)
            lines.extend(format_console_action(x) for x in complete.decode().splitlines())
        return lines


def sample_keys(sample: Path) -> list[tuple[str, str]]:
    """(platform, comment id) of every well-formed line of the sample file."""
    keys = []
    for raw in sample.read_text(encoding="utf-8").splitlines():
        try:
            body = json.loads(raw)
            keys.append((str(body["platform"]), str(body["comment_id"])))
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return keys


def earlier_decisions(database_url: str, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Decisions a previous run already made for these comments, oldest first."""

    async def fetch() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(infra.asyncpg_dsn(database_url))
        try:
            rows = await conn.fetch(
                "SELECT event FROM decisions WHERE (platform, comment_id) IN "
                "(SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY decided_at",
                [k[0] for k in keys],
                [k[1] for k in keys],
            )
        finally:
            await conn.close()
        return [json.loads(row["event"]) for row in rows]

    return asyncio.run(fetch())


def replay_in_background(
    sample: Path, url: str, api_key: str, database_url: str
) -> threading.Thread:
    def work() -> None:
        try:
            summary = replay(sample, url=url, api_key=api_key)
            say(summary.render())
            if summary.duplicates:
                say("samples already seen by an earlier run; the decisions made then:")
                for body in earlier_decisions(database_url, sample_keys(sample)):
                    print(format_decision(body), flush=True)
        except (OSError, RuntimeError, ValueError, asyncpg.PostgresError) as exc:
            say(f"replay of {sample} failed: {exc}")

    thread = threading.Thread(target=work, name="replay", daemon=True)
    thread.start()
    return thread


def watch(tail: Tail, supervisor: Supervisor, stopping: threading.Event) -> int:
    """Prints until asked to stop; a crashed service is restarted, a lost Redis ends the run."""
    while not stopping.is_set():
        try:
            lines = tail.poll()
        except RedisError as exc:
            say(f"lost Redis while following the decisions ({type(exc).__name__}: {exc})")
            return 1
        for line in lines:
            print(line, flush=True)
        for message in supervisor.check():
            say(message)
    return 0


def serve_stack(
    settings: Settings, stack: Stack, layout: Layout, with_replay: bool, stopping: threading.Event
) -> int:
    """Servers, migrations, services, optional replay; then watch until stopped."""
    redis_url = find_redis(settings, stack, layout)
    env = child_env(settings, layout, redis_url, find_postgres(settings, stack, layout))
    ensure_inbox_admin(env["DATABASE_URL"], layout)
    supervisor = start_services(settings, env, stack, layout)
    ingest_url = f"http://127.0.0.1:{settings.ingest_port}"
    say(f"ingest API key: {env['INGEST_API_KEYS']}")
    say(f"reporting API key: {env['REPORTING_API_KEYS']}")
    redis = sync_client(settings.model_copy(update={"redis_url": redis_url}))
    try:
        names = stream_names(settings)
        tail = Tail(
            redis, names.partitions(names.decisions), layout.console_record
        )  # before the replay: misses nothing
        if with_replay and layout.sample.exists():
            replay_in_background(
                layout.sample, ingest_url, env["INGEST_API_KEYS"], env["DATABASE_URL"]
            )
        elif with_replay:
            say(f"no sample file at {layout.sample}; waiting for comments instead")
        say(f"post comments to {ingest_url}/v1/comments; Ctrl-C stops everything")
        return watch(tail, supervisor, stopping)
    finally:
        redis.close()


def run(*, with_replay: bool = True, root: Path | None = None) -> int:
    """The `run`/`services` subcommands; returns the process exit code."""
    settings = Settings()
    layout = Layout(root or Path.cwd())
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        say(f"received {signal.Signals(signum).name}; stopping")
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stack = Stack()
    try:
        status = serve_stack(settings, stack, layout, with_replay, stopping)
    finally:
        shutdown_status = stack.shutdown()
    return status or shutdown_status
