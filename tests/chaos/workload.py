"""The fault tests' workload: thousands of comments through the four real processes while
something disrupts them, then the checks that nothing was lost and nothing happened twice.

Checked on the records that matter: one decision per accepted comment (PostgreSQL), one write per
decided action on the fake Graph API's own record, one timer per SLA decision, one event per
timer transition on the timers stream, and (when asked) an empty dead-letter stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.redis_connection import AsyncRedis, stream_names
from shared.settings import Settings
from shared.streams.names import StreamNames
from tests.chaos.stack import ChaosStack, new_stack
from tests.e2e.conftest import INGEST_KEY
from tests.fakes.platforms import meta
from tests.fakes.server import ServerThread
from tests.streams import raw_entries

COMMENTS = int(os.environ.get("CHAOS_COMMENTS", "2400"))
TOKEN = "chaos-graph-token"
DRAIN_S = 300.0
"""A bound on catching up, not a speed test (`make bench` measures speed): it is 20 s on a warm
machine, but each SIGKILLed triage reloads its model, and with a cold page cache the four
restarts once took the whole of an earlier 120 s bound."""
PLATFORM_WRITES = frozenset({"reply", "private_reply", "hide", "delete", "block_author"})
TEXTS = {
    "reply": "My order {n} never arrived and the blender is broken.",
    "hide": "Buy cheap followers now at http://spam.example/{n}",
    "none": "lol who even buys this garbage {n}, cope harder",
}
EXTRA_ENV = {
    "ACCEPT_UNKNOWN_ACCOUNTS": "false",
    "ACTION_LEASE_S": "3",
    "PLATFORM_TIMEOUT_S": "2",
    "ACTION_RETRY_INTERVAL_S": "0.3",
    "ACTION_RETRY_BASE_S": "0.5",
    "SLA_RESYNC_S": "1",
    "SLA_TICK_S": "0.5",
}

Disruption = Callable[[ChaosStack, random.Random], Awaitable[None]]


def accounts_file(path: Path) -> Path:
    """The one Facebook page both fault workloads post to, with the fake Graph API's token."""
    path.write_text(
        "accounts:\n"
        "  - platform: facebook\n"
        '    account_id: "1001"\n'
        "    kind: business\n"
        "    language: en\n"
        "    time_zone: UTC\n"
        "    adapter: facebook\n"
        f"    access_token: {TOKEN}\n"
    )
    return path


def _plan(run: str, rng: random.Random) -> list[tuple[str, str]]:
    """(comment id, expected effect): mostly replies (non-idempotent), some hides, some nothing."""
    kinds = rng.choices(["reply", "hide", "none"], weights=[70, 20, 10], k=COMMENTS)
    return [(f"chaos-{run}-{n}", kind) for n, kind in enumerate(kinds)]


def _body(cid: str, kind: str, n: int, created_at: str) -> dict[str, Any]:
    return {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": cid,
        "post_id": "post-chaos",
        "author": {"id": f"author-{cid}", "name": "Customer"},
        "text": TEXTS[kind].format(n=n),
        "created_at": created_at,
    }


async def post_chunk(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One request, retried on a 5xx or no answer (ingest restarting) as a platform would; a
    retry of an accepted chunk is answered as duplicates. Returns ingest's counts."""
    last = "no attempt"
    for _attempt in range(100):
        try:
            response = await client.post(
                "/v1/comments", json=items, headers={"Authorization": f"Bearer {INGEST_KEY}"}
            )
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 202:
                body: dict[str, Any] = response.json()
                return body
            last = f"{response.status_code} {response.text}"
        await asyncio.sleep(0.2)
    raise AssertionError(f"ingest refused a chunk: {last}")


async def _post_all(stack: ChaosStack, plan: list[tuple[str, str]]) -> int:
    """Paced so disruptions land while work is in flight."""
    accepted = 0
    async with httpx.AsyncClient(base_url=stack.url("ingest"), timeout=15) as client:
        for start in range(0, len(plan), 50):
            now = datetime.now(UTC).isoformat()
            chunk = [
                _body(cid, kind, start + i, now)
                for i, (cid, kind) in enumerate(plan[start : start + 50])
            ]
            body = await post_chunk(client, chunk)
            accepted += body["accepted"] + body["duplicates"]
            await asyncio.sleep(0.12)
    return accepted


async def _rows(engine: AsyncEngine, sql: str, run: str) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), {"like": f"chaos-{run}-%"}))


async def _drained(
    engine: AsyncEngine, redis: AsyncRedis, names: StreamNames, run: str, n: int
) -> bool:
    decided = await _rows(engine, "SELECT count(*) FROM decisions WHERE comment_id LIKE :like", run)
    if decided[0][0] < n:
        return False
    open_actions = await _rows(
        engine,
        "SELECT count(*) FROM actions WHERE comment_id LIKE :like "
        "AND status NOT IN ('done', 'skipped', 'failed')",
        run,
    )
    pending_timers = await _rows(
        engine,
        "SELECT count(*) FROM sla_timers WHERE comment_id LIKE :like "
        "AND (state = 'pending' OR revision > published_revision)",
        run,
    )
    if open_actions[0][0] or pending_timers[0][0]:
        return False
    for stream in (names.comments, names.decisions, names.actions, names.timers):
        for key in names.partitions(stream):
            if await redis.exists(key) and not await _caught_up(redis, key):
                return False
    return True


async def _caught_up(redis: AsyncRedis, key: str) -> bool:
    for group in await redis.xinfo_groups(key):
        if group["pending"] or group.get("lag"):
            return False
    return True


def _writes(fake: meta.FakeGraph) -> Counter[tuple[str, str]]:
    """(kind, comment id) of every write that changed the fake's state."""
    seen: Counter[tuple[str, str]] = Counter()
    for req in fake.writes():
        parts = req.path[len(meta.VERSION) + 1 :].split("/")
        if req.method == "POST" and len(parts) > 1 and parts[1] == "comments":
            seen[("reply", parts[0])] += 1
        elif req.method == "POST" and len(parts) == 1:
            seen[("hide", parts[0])] += 1
        elif req.method == "POST" and parts[1:] == ["messages"]:
            seen[("private_reply", req.json["recipient"]["comment_id"])] += 1
        else:
            seen[(f"{req.method} {parts[-1]}", parts[0])] += 1
    return seen


async def _timer_events(redis: AsyncRedis, names: StreamNames) -> Counter[tuple[str, str]]:
    events: Counter[tuple[str, str]] = Counter()
    entries = []
    for key in names.partitions(names.timers):
        entries += raw_entries(await redis.xrange(key))
    for _id, fields in entries:
        body = json.loads(fields[b"__data__"])
        events[(body["timer_id"], body["status"])] += 1
    return events


@dataclass
class Outcome:
    """What one disrupted run left behind, for `check_exactly_once`."""

    seed: int
    run: str
    plan: list[tuple[str, str]]
    accepted: int
    exit_codes: dict[str, int]
    writes: Counter[tuple[str, str]]
    stack: ChaosStack


async def run_disrupted(
    settings: Settings,
    tmp_path: Path,
    disrupt: Disruption,
    engine: AsyncEngine,
    redis: AsyncRedis,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """Posts the plan while `disrupt` works on the stack, waits for it to drain, stops it.
    `env` adds to the services' environment (it must agree with `settings` on the Redis)."""
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    plan = _plan(run, rng)
    fake = meta.FakeGraph(token=TOKEN, account_id="1001", flavour="facebook")
    for cid, _kind in plan:
        fake.add_comment(cid, f"author-{cid}")
    names = stream_names(settings)
    with ServerThread(meta.build(fake)) as graph:
        extra = {
            **EXTRA_ENV,
            **(env or {}),
            "ACCOUNTS_FILE": str(accounts_file(tmp_path / "accounts.yaml")),
            "FACEBOOK_GRAPH_URL": graph.url + meta.VERSION,
        }
        stack = new_stack(settings, tmp_path / "logs", extra)
        stack.start_all()
        try:
            accepted, _ = await asyncio.gather(_post_all(stack, plan), disrupt(stack, rng))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + DRAIN_S
            while not await _drained(engine, redis, names, run, len(plan)):
                assert loop.time() < deadline, f"not drained (seed {seed})\n{stack.logs()}"
                assert all(v is None for v in stack.alive().values()), stack.logs()
                await asyncio.sleep(0.5)
        finally:
            codes = stack.stop_all()
        return Outcome(seed, run, plan, accepted, codes, _writes(fake), stack)


async def check_exactly_once(
    outcome: Outcome, engine: AsyncEngine, redis: AsyncRedis, names: StreamNames
) -> str:
    """Asserts one decision per comment and every decided action done once on the platform;
    returns the counts as one line for the test's output."""
    run, plan, seed = outcome.run, outcome.plan, outcome.seed
    decisions = await _rows(
        engine,
        "SELECT comment_id, count(*) FROM decisions WHERE comment_id LIKE :like GROUP BY 1",
        run,
    )
    actions = await _rows(
        engine, "SELECT comment_id, kind, status FROM actions WHERE comment_id LIKE :like", run
    )
    planned = await _rows(
        engine,
        "SELECT comment_id, a->>'kind' FROM decisions, jsonb_array_elements(event->'actions') a "
        "WHERE comment_id LIKE :like",
        run,
    )
    timers = await _rows(
        engine, "SELECT timer_id, state FROM sla_timers WHERE comment_id LIKE :like", run
    )
    events = await _timer_events(redis, names)
    done = Counter((kind, cid) for cid, kind, status in actions if status == "done")
    expected = Counter((kind, cid) for cid, kind in planned)
    platform_writes = Counter({k: c for k, c in done.items() if k[0] in PLATFORM_WRITES})
    writes = outcome.writes
    assert outcome.accepted == len(plan)
    assert len(decisions) == len(plan) and {c for _, c in decisions} == {1}
    assert {cid for cid, kind in plan if kind != "none"} <= {cid for _k, cid in done}
    assert done == expected, f"actions not done exactly as decided (seed {seed})"
    assert writes == platform_writes, (
        f"platform writes differ from decided actions (seed {seed}): "
        f"twice {[k for k, c in writes.items() if c > 1][:5]}, "
        f"missing {list((platform_writes - writes).elements())[:5]}"
    )
    replied = {cid for cid, kind in plan if kind == "reply"}
    assert len(timers) == len(replied), "one SLA timer per answered complaint"
    assert {state for _, state in timers} == {"met"}, "replies went out within the hour"
    for timer_id, _state in timers:
        assert events[(timer_id, "started")] == 1 and events[(timer_id, "met")] == 1, timer_id
    assert max(events.values()) == 1, f"a timer event published twice (seed {seed})"
    return (
        f"seed {seed}: {len(plan)} comments posted, {outcome.accepted} accepted; "
        f"{len(decisions)} decided, {sum(c for _, c in decisions)} decision rows; "
        f"{len(actions)} actions ({sum(done.values())} done), {sum(writes.values())} platform "
        f"writes; {len(timers)} SLA timers {dict(Counter(s for _, s in timers))}, "
        f"{sum(events.values())} timer events"
    )
