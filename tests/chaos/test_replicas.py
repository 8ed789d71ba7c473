"""Replicas give the same result: one comment set through 1 process of each service, then through
3 replicas of triage, responder and reporting killed with SIGKILL at random and restarted.

Both runs use STREAM_SHARDS=6: each partition is read by one replica at a time, so every
exchange's events keep their order however the partitions move. The workload has threads of
several messages in both languages (some arriving in one burst, the order of which matters:
spam, then a complaint in the same thread), repeat offenders (one offence per phase, so the order
of their strikes is defined), complaints with SLA timers, follow-ups that restart the clock and
thanks that close it. Phases are drained one after the other, because a reply done before a
follow-up arrives rightly changes the timer's outcome, in one process as in many.

Compared per comment, thread and author (ids differ per run by a run token only): the decisions
(rule and actions), triage's exchange states, the authors' strikes and blocks, the SLA timers'
outcomes, and the calls the fake Graph API received, each exactly once. With the partition locks
switched off (every replica reading every partition) it failed on exchange states: the bursts'
two messages were decided by two replicas at once, the later one first.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.settings import Settings
from shared.streams.names import StreamNames
from steam_connect import infra
from steam_connect.processes import SERVICES, ServiceProcess, spawn, stop, wait_healthy
from tests.chaos.stack import ROOT, service_env
from tests.chaos.workload import EXTRA_ENV, TOKEN, accounts_file, post_chunk
from tests.fakes.platforms import meta
from tests.fakes.server import ServerThread

pytestmark = pytest.mark.e2e

SHARDS = 6
THREADS = int(os.environ.get("REPLICA_THREADS", "300"))
OFFENDERS = 12
DRAIN_S = 240.0
"""A bound on catching up after each phase, not a speed test."""

TEXTS = {
    "complaint_en": "My order {n} never arrived and nobody answers my emails.",
    "complaint_de": "Meine Bestellung {n} ist seit drei Wochen nicht da und niemand antwortet.",
    "product_de": "Das Gerät {n} ist nach zwei Tagen kaputt gegangen, die Qualität ist miserabel.",
    "spam": "Buy cheap followers now at http://spam.example/{n}",
    "spam_de": "Jetzt billig Follower kaufen auf http://spam.example/{n}",
    "troll": "lol who even buys this garbage {n}, cope harder",
    "insult_en": "You are all idiots and morons, you brainless clowns {n}.",
    "insult_de": "Ihr seid alle Idioten und Vollpfosten, ihr hirnlosen Clowns {n}.",
    "still_en": "Still no answer about order {n}, my parcel is still missing!",
    "still_de": "Immer noch keine Antwort zu {n}, mein Paket fehlt immer noch!",
    "thanks_en": "Thanks, order {n} arrived today, all good now!",
    "thanks_de": "Danke, Bestellung {n} ist heute angekommen, alles gut!",
}
COMPLAINTS = ("complaint_en", "complaint_de", "product_de")


@dataclass(frozen=True)
class Message:
    key: str
    """The comment's id without the run token: what the two runs are compared by."""
    thread: str
    author: str
    kind: str
    parent: str | None


@dataclass
class Plan:
    """Three phases of units; a unit's messages go in one request, in order."""

    phases: list[list[list[Message]]] = field(default_factory=lambda: [[], [], []])

    def messages(self) -> list[Message]:
        return [m for phase in self.phases for unit in phase for m in unit]


def make_plan(rng: random.Random) -> Plan:
    plan = Plan()
    for t in range(THREADS):
        root_kind = rng.choice([*COMPLAINTS, *COMPLAINTS, "spam", "spam_de", "troll"])
        thread, customer = f"t{t}", f"cust-{t}"
        root = Message(f"t{t}-m0", thread, customer, root_kind, None)
        unit = [root]
        if root_kind not in COMPLAINTS and rng.random() < 0.8:
            # a burst: the complaint right behind the spam or troll comment it follows
            unit.append(Message(f"t{t}-m1", thread, customer, rng.choice(COMPLAINTS), root.key))
        plan.phases[0].append(unit)
        if root_kind in COMPLAINTS:
            lang = "de" if root_kind.endswith("_de") else "en"
            follow = rng.choice(["still", "thanks"])
            plan.phases[1].append(
                [Message(f"t{t}-m1", thread, customer, f"{follow}_{lang}", root.key)]
            )
            if follow == "still" and rng.random() < 0.5:
                plan.phases[2].append(
                    [Message(f"t{t}-m2", thread, customer, f"still_{lang}", root.key)]
                )
    for o in range(OFFENDERS):
        for number in range(3):
            thread = f"o{o}-p{number}"
            kind = rng.choice(["insult_en", "insult_de"])
            plan.phases[number].append([Message(f"{thread}-m0", thread, f"off-{o}", kind, None)])
    for units in plan.phases:
        rng.shuffle(units)
    return plan


def comment_id(run: str, key: str) -> str:
    return f"rp-{run}-{key}"


def body(run: str, message: Message, created_at: str) -> dict[str, Any]:
    return {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": comment_id(run, message.key),
        "post_id": "post-replicas",
        "parent_id": comment_id(run, message.parent) if message.parent else None,
        "author": {"id": f"rp-{run}-{message.author}", "name": "Customer"},
        "text": TEXTS[message.kind].format(n=message.key),
        "created_at": created_at,
    }


@dataclass
class ReplicaStack:
    """The four services with `replicas` processes each, every one on a port of its own."""

    env: dict[str, str]
    log_dir: Path
    replicas: dict[str, int]
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    kills: list[str] = field(default_factory=list)
    ports: set[int] = field(default_factory=set)
    """Every port handed out: a free port is free until bound, so two processes started close
    together could be given the same one (and the second's /healthz answered by the first)."""

    def port(self) -> int:
        while (port := infra.free_port()) in self.ports:
            pass
        self.ports.add(port)
        return port

    def labels(self, service: str) -> list[str]:
        count = self.replicas.get(service, 1)
        return [service] if count == 1 else [f"{service}-{n}" for n in range(1, count + 1)]

    def start(self, label: str, wait: bool = True) -> None:
        service = label.split("-")[0]
        process = spawn(service, self.port(), self.env, self.log_dir, ROOT, label=label)
        self.processes[label] = process
        if wait:
            wait_healthy(process, timeout=120)

    def start_all(self) -> None:
        for service in SERVICES:
            for label in self.labels(service):
                self.start(label, wait=False)
        for process in self.processes.values():
            wait_healthy(process, timeout=180)

    def kill(self, label: str) -> None:
        process = self.processes[label]
        os.killpg(process.proc.pid, signal.SIGKILL)
        process.proc.wait()
        self.kills.append(label)

    def logs(self, lines: int = 40) -> str:
        return "\n".join(
            f"----- {label} (exit {p.proc.poll()}) -----\n{p.log_tail(lines)}"
            for label, p in self.processes.items()
        )

    def stop_all(self) -> dict[str, int]:
        return {label: stop(p) for label, p in self.processes.items()}


async def post(client: httpx.AsyncClient, run: str, units: list[list[Message]]) -> None:
    """Units in requests of about 50 comments; a 5xx or a refused connection is retried.

    A burst's later messages go in the next request, sent right after: replicas reading one
    partition at once would pick the two up in different reads and race; one owner handles
    them in order, as a single process does.
    """
    chunks: list[list[dict[str, Any]]] = []
    chunk: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    for unit in units:
        now = datetime.now(UTC).isoformat()
        chunk.append(body(run, unit[0], now))
        later += [body(run, m, now) for m in unit[1:]]
        if len(chunk) >= 50:
            chunks.append(chunk)
            chunk, later = later, []
    chunks += [c for c in (chunk, later) if c]
    for items in chunks:
        await post_chunk(client, items)
        await asyncio.sleep(0.05)


async def scalar(engine: AsyncEngine, sql: str, run: str) -> int:
    async with engine.connect() as conn:
        value = (await conn.execute(text(sql), {"like": f"rp-{run}-%"})).scalar_one()
    return int(value)


async def drained(
    engine: AsyncEngine, redis: Redis, names: StreamNames, run: str, expected: int
) -> bool:
    decided = "SELECT count(DISTINCT comment_id) FROM decisions WHERE comment_id LIKE :like"
    if await scalar(engine, decided, run) < expected:
        return False
    open_actions = (
        "SELECT count(*) FROM actions WHERE comment_id LIKE :like "
        "AND status NOT IN ('done', 'skipped', 'failed')"
    )
    unpublished = (
        "SELECT count(*) FROM sla_timers WHERE comment_id LIKE :like "
        "AND revision > published_revision"
    )
    if await scalar(engine, open_actions, run) or await scalar(engine, unpublished, run):
        return False
    for key in names.all_keys():
        if key in names.partitions(names.dead_letter) or not await redis.exists(key):
            continue
        for group in await redis.xinfo_groups(key):
            if group["pending"] or group.get("lag"):
                return False
    return True


async def killer(stack: ReplicaStack, rng: random.Random, until: asyncio.Event) -> None:
    """SIGKILL a random replica of triage, responder and reporting in turn, restart it."""
    services = ("triage", "responder", "reporting")
    turn = 0
    while not until.is_set():
        await asyncio.sleep(rng.uniform(0.4, 1.2))
        if until.is_set():
            return
        victim = rng.choice(stack.labels(services[turn % len(services)]))
        turn += 1
        stack.kill(victim)
        await asyncio.sleep(rng.uniform(0.1, 0.5))
        await asyncio.to_thread(stack.start, victim, False)


@dataclass
class Result:
    decisions: Counter[tuple[str, str, str]]
    exchanges: Counter[tuple[str, str]]
    authors: Counter[tuple[str, int, bool]]
    timers: Counter[tuple[str, str, str]]
    calls: Counter[tuple[str, str, str]]
    kills: list[str]


async def run_once(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    tmp: Path,
    plan: Plan,
    replicas: dict[str, int],
    rng: random.Random | None,
) -> Result:
    run = uuid.uuid4().hex[:8]
    fake = meta.FakeGraph(token=TOKEN, account_id="1001", flavour="facebook")
    for m in plan.messages():
        fake.add_comment(comment_id(run, m.key), f"rp-{run}-{m.author}", parent=None)
    names = StreamNames(settings.stream_prefix, SHARDS)
    tmp.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a test's scratch folder
    accounts = accounts_file(tmp / "accounts.yaml")
    with ServerThread(meta.build(fake)) as graph:
        extra = {
            **EXTRA_ENV,
            "ACCOUNTS_FILE": str(accounts),
            "FACEBOOK_GRAPH_URL": graph.url + meta.VERSION,
            "STREAM_SHARDS": str(SHARDS),
            "OWNERSHIP_INTERVAL_S": "0.5",
            "MEMBER_TTL_S": "3",
            "RISK_ALERT_THRESHOLD": "100",
        }
        ports = infra.free_ports(SERVICES)
        stack = ReplicaStack(service_env(settings, ports, extra), tmp / "logs", replicas)
        stack.start_all()
        ingest = stack.processes["ingest"].base_url
        try:
            expected = 0
            async with httpx.AsyncClient(base_url=ingest, timeout=15) as client:
                for number, phase in enumerate(plan.phases, start=1):
                    expected += sum(len(unit) for unit in phase)
                    done = asyncio.Event()
                    chaos = asyncio.create_task(killer(stack, rng, done)) if rng else None
                    await post(client, run, phase)
                    loop = asyncio.get_running_loop()
                    deadline = loop.time() + DRAIN_S
                    while not await drained(engine, redis, names, run, expected):
                        if chaos is not None and loop.time() > deadline - DRAIN_S / 2:
                            done.set()  # let it settle for the second half of the bound
                        assert loop.time() < deadline, f"phase {number} not drained\n{stack.logs()}"
                        exited = {k: p.proc.poll() for k, p in stack.processes.items()}
                        if chaos is None:  # nothing is killed here: any exit is a failure
                            assert set(exited.values()) == {None}, f"{exited}\n{stack.logs()}"
                        await asyncio.sleep(0.5)
                    done.set()
                    if chaos is not None:
                        await chaos
            for process in stack.processes.values():  # a replica restarted last is still starting
                await asyncio.to_thread(wait_healthy, process, 120)
        finally:
            codes = stack.stop_all()
        assert all(code == 0 for code in codes.values()), f"{codes}\n{stack.logs()}"
        calls = Counter(
            (r.method, r.path.replace(run, "RUN"), _payload(r).replace(run, "RUN"))
            for r in fake.writes()
        )
    return Result(
        await _decisions(engine, run),
        await _rows(
            engine, run, "SELECT thread_id, state FROM exchanges WHERE thread_id LIKE :like"
        ),
        await _rows(
            engine,
            run,
            "SELECT author_id, strikes, blocked FROM author_records WHERE author_id LIKE :like",
        ),
        await _rows(
            engine,
            run,
            "SELECT comment_id, kind, state FROM sla_timers WHERE comment_id LIKE :like",
        ),
        calls,
        stack.kills,
    )


def _payload(request: Any) -> str:
    """What a call asked for (query, form and JSON body): a block names its user there. A
    reply's wording is left out: its template variant is picked by the comment id, and ids
    differ between the runs by their run token."""
    form = {k: v for k, v in request.form.items() if k != "message"}
    sent = {"params": request.params, "form": form, "json": request.json}
    return json.dumps(sent, sort_keys=True)


async def _rows(engine: AsyncEngine, run: str, sql: str) -> Counter[Any]:
    like = f"%rp-{run}-%"
    async with engine.connect() as conn:
        rows = (await conn.execute(text(sql), {"like": like})).all()
    return Counter(
        tuple(v.replace(run, "RUN") if isinstance(v, str) else v for v in row) for row in rows
    )


async def _decisions(engine: AsyncEngine, run: str) -> Counter[tuple[str, str, str]]:
    sql = (
        "SELECT comment_id, rule_id, "
        "(SELECT string_agg(a->>'kind', ',' ORDER BY a->>'kind') "
        " FROM jsonb_array_elements(event->'actions') a) "
        "FROM decisions WHERE comment_id LIKE :like"
    )
    return await _rows(engine, run, sql)


async def test_three_replicas_under_sigkill_decide_and_act_exactly_as_one_process(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(1 << 30)))
    plan = make_plan(random.Random(seed))
    single = await run_once(settings, engine, redis, tmp_path / "one", plan, {}, None)
    replicated = await run_once(
        settings,
        engine,
        redis,
        tmp_path / "three",
        plan,
        {"triage": 3, "responder": 3, "reporting": 3},
        random.Random(seed + 1),
    )
    messages = len(plan.messages())
    rules = Counter(rule for (_c, rule, _a), n in single.decisions.items() for _ in range(n))
    print(  # noqa: T201 - the counts the comparison was made on
        f"\nreplicas seed {seed}: {messages} comments, rules {dict(rules)}; "
        f"{sum(single.exchanges.values())} exchanges, {sum(single.authors.values())} authors, "
        f"timers {dict(Counter(s for (_c, _k, s) in single.timers.elements()))}, "
        f"{sum(single.calls.values())} platform calls; kills {replicated.kills}"
    )
    assert sum(single.decisions.values()) == messages
    assert max(single.decisions.values()) == 1 and max(replicated.decisions.values()) == 1
    killed = {label.split("-")[0] for label in replicated.kills}
    assert killed == {"triage", "responder", "reporting"}, "every replicated service was killed"
    assert replicated.decisions == single.decisions, f"decisions differ (seed {seed})"
    assert replicated.exchanges == single.exchanges, f"exchange states differ (seed {seed})"
    assert replicated.authors == single.authors, f"strikes or blocks differ (seed {seed})"
    assert replicated.timers == single.timers, f"timer outcomes differ (seed {seed})"
    assert max(single.calls.values()) == 1, "a platform call made twice in one process"
    assert replicated.calls == single.calls, f"platform calls differ (seed {seed})"
