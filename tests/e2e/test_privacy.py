"""An author's access and erasure requests (#16) through the four real processes.

One author writes a complaint (answered) and a threat (evidence preserved, police decision still
open); another author writes a complaint. The export holds everything about the first and
nothing of the second; the erasure, run by the CLI, leaves the first author's complaint and
name in no table, Redis key or stream entry — except the threat's evidence under legal hold —
keeps every row (counts stay), is recorded in the audit log, is harmless when run again, and a
comment the platform delivers again afterwards is taken as new.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from redis import Redis as SyncRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.models import Base
from steam_connect.privacy import carry_out
from tests.cli import run_cli
from tests.e2e.conftest import REPORTING_KEY, Stack
from tests.e2e.test_pipeline import _actions, _comment, _decisions, _post, _until

COMPLAINT = "Mein Paket ist seit drei Wochen nicht angekommen, Bestellung {run}"
THREAT = "Ich bring euch um, ich zünde euren Laden an! {run}"
OTHER = "Meine Rechnung ist falsch, bitte korrigieren {run}"


async def _rows_naming(engine: AsyncEngine, needle: str) -> list[tuple[str, str]]:
    """(table, row as text) of every row in the database whose text contains `needle`."""
    found = []
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = await conn.execute(
                text(f'SELECT t::text FROM "{table.name}" t WHERE t::text LIKE :n'),  # noqa: S608
                {"n": f"%{needle}%"},
            )
            found += [(table.name, row[0]) for row in rows]
    return found


ERASED_IN_PLACE = (
    "comments",
    "comment_events",
    "reporting_decisions",
    "actions",
    "reporting_actions",
    "reporting_messages",
)


async def _counts(engine: AsyncEngine, comment_id: str) -> dict[str, int]:
    """Rows of the comment in the tables erasure anonymises (what reports count)."""
    rows = await _rows_naming(engine, comment_id)
    return {t: sum(1 for table, _r in rows if table == t) for t in ERASED_IN_PLACE}


def _redis_naming(redis_url: str, prefix: str, needles: list[str]) -> list[str]:
    """Keys, values and stream entries under the prefix that contain one of `needles`."""
    client = SyncRedis.from_url(redis_url)
    hits = []
    try:
        for raw in client.scan_iter(match=f"{prefix}:*", count=1000):
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            kind_raw = client.type(raw)
            kind = kind_raw.decode() if isinstance(kind_raw, bytes) else str(kind_raw)
            if kind == "stream":
                entries: Any = client.xrange(raw) or []
                blob = json.dumps([[str(f) for f in fields.items()] for _id, fields in entries])
            elif kind == "string":
                blob = str(client.get(raw))
            elif kind == "hash":
                blob = str(client.hgetall(raw))
            else:
                blob = ""
            hits += [f"{key}: {n}" for n in needles if n in key or n in blob]
    finally:
        client.close()
    return hits


async def _done(engine: AsyncEngine, ids: list[str]) -> dict[str, Any] | None:
    found = await _actions(engine, ids)
    finished = all(
        found.get(c) and all(status not in ("pending", "in_flight") for _k, status in found[c])
        for c in ids
    )
    return found if finished else None


def _cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    s = stack.settings
    env = {
        "REDIS_URL": s.redis_url,
        "DATABASE_URL": s.database_url,
        "STREAM_PREFIX": s.stream_prefix,
    }
    return run_cli("privacy", *args, env=env, timeout_s=120)


async def test_export_holds_everything_of_an_author_and_erasure_leaves_only_held_evidence(
    stack: Stack, engine: AsyncEngine
) -> None:
    run = uuid.uuid4().hex[:8]
    author, other = f"author-priv-{run}", f"author-other-{run}"
    name = f"Quilla Zornbeck{run}"
    complaint, threat, theirs = f"priv-{run}-1", f"priv-{run}-2", f"priv-{run}-3"
    bodies = [
        (complaint, COMPLAINT.format(run=run), author),
        (threat, THREAT.format(run=run), author),
        (theirs, OTHER.format(run=run), other),
    ]
    for cid, body, who in bodies:
        comment = _comment(cid, body, who)
        comment["author"]["name"] = name if who == author else f"Other Person{run}"
        response = await _post(stack, comment)
        assert response.status_code == 202, response.text
    ids = [cid for cid, _b, _w in bodies]
    await _until(lambda: _done(engine, ids), "actions on the privacy test's comments", stack)

    exported = await carry_out(stack.settings, "export", "facebook", author, by="test")
    dump = json.dumps(exported, ensure_ascii=False)
    assert exported["comments"] == 2 and set(exported["kept_under_legal_hold"]) == {threat}
    reporting = exported["services"]["reporting"]
    assert {r["comment_id"] for r in reporting["comments"]} == {complaint, threat}
    assert {r["comment_id"] for r in reporting["reporting_decisions"]} == {complaint, threat}
    assert all(r["reason"] for r in reporting["reporting_decisions"]), "decisions with reasons"
    assert any(r["evidence"] for r in reporting["reporting_actions"]), "the threat's evidence"
    (strikes,) = exported["services"]["triage"]["author_records"]
    assert strikes["author_id"] == author and strikes["strikes"] >= 1
    kinds = {r["kind"] for r in exported["services"]["responder"]["actions"]}
    assert {"reply", "preserve_evidence", "block_author"} <= kinds
    assert any(complaint in key for key in exported["services"]["ingest"]["redis_keys"])
    assert COMPLAINT.format(run=run) in dump and name in dump
    assert theirs not in dump and OTHER.format(run=run) not in dump and other not in dump

    async with httpx.AsyncClient(base_url=stack.url("reporting"), timeout=60) as client:
        path = f"/v1/privacy/authors/facebook/{author}"
        assert (await client.get(path)).status_code == 401
        api = await client.get(path, headers={"Authorization": f"Bearer {REPORTING_KEY}"})
    assert api.status_code == 200, api.text
    from_api = api.json()["services"]
    assert from_api["triage"]["author_records"][0]["strikes"] == strikes["strikes"]
    assert {r["comment_id"] for r in from_api["reporting"]["comments"]} == {complaint, threat}

    rows_before = await _counts(engine, complaint)
    erased = _cli(stack, "erase", "--platform", "facebook", "--author-id", author)
    assert erased.returncode == 0, erased.stdout + erased.stderr
    answer = json.loads(erased.stdout)
    assert answer["author_id"] is None  # the erasure's own record names no one
    assert answer["services"]["reporting"]["comments"] == 1  # the complaint; the threat is held

    assert not await _rows_naming(engine, COMPLAINT.format(run=run)), "the complaint's text stayed"
    for needle in (name, author):
        leftovers = await _rows_naming(engine, needle)
        assert leftovers, "the threat's evidence under legal hold keeps who wrote it"
        assert all(threat in row for _table, row in leftovers), [t for t, _r in leftovers]
    prefix = stack.settings.stream_prefix
    hits = _redis_naming(
        stack.settings.redis_url, prefix, [COMPLAINT.format(run=run), name, author]
    )
    assert not hits, hits
    assert OTHER.format(run=run) in json.dumps(await _rows_naming(engine, theirs))
    for service, process in stack.processes.items():  # nor did any log line ever carry them
        log = process.log_path.read_text(encoding="utf-8", errors="replace")
        assert COMPLAINT.format(run=run) not in log and name not in log, service
    assert name not in erased.stdout + erased.stderr, "the command's own output names no one"
    assert await _counts(engine, complaint) == rows_before, (
        "anonymised in place: the rows (and counts) stay"
    )
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                text("SELECT actor, after FROM reporting_audit WHERE action = 'privacy.erase'")
            )
        ).all()
    assert any(a["request_id"] == answer["request_id"] for _actor, a in audit)

    again = _cli(stack, "erase", "--platform", "facebook", "--author-id", author)
    assert again.returncode == 0, again.stdout + again.stderr
    second = json.loads(again.stdout)  # only the held threat is still theirs, and stays
    assert second["comments"] == 1 and set(second["kept_under_legal_hold"]) == {threat}
    assert not await _rows_naming(engine, COMPLAINT.format(run=run))

    redelivered = _comment(complaint, COMPLAINT.format(run=run), author)
    response = await _post(stack, redelivered)
    assert response.json()["accepted"] == 1, "after erasure a redelivery is a new comment"

    assert not await _decisions(engine, [complaint]), "triage's erased decision is gone"

    async def decided_again() -> list[str] | None:
        return (await _decisions(engine, [complaint])).get(complaint)

    await _until(decided_again, "the redelivered comment decided as new", stack)
    async with engine.connect() as conn:
        stored = await conn.execute(
            text("SELECT text FROM comments WHERE comment_id = :c"), {"c": complaint}
        )
        assert stored.scalar_one() == COMPLAINT.format(run=run)
    writes = await _actions(engine, [complaint])
    assert sorted(writes[complaint]) == sorted(set(writes[complaint])), "no action twice"


async def _sla(stack: Stack, start: str, end: str) -> Any:
    async with httpx.AsyncClient(base_url=stack.url("reporting"), timeout=10) as client:
        answer = await client.get(
            "/v1/reports/sla",
            params={"from": start, "to": end},
            headers={"Authorization": f"Bearer {REPORTING_KEY}"},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["rows"]


async def test_past_retention_texts_and_names_go_while_the_sla_report_counts_stay(
    stack: Stack, engine: AsyncEngine
) -> None:
    """A purge as of 400 days from now (the default retention is 365): the comments lose their
    texts, names and author ids, the threat's evidence stays (its case is open), the SLA report
    for the period answers the same counts; the dry run before it changed nothing."""
    run = uuid.uuid4().hex[:8]
    name = f"Ida Vennholt{run}"
    comments = [
        (f"ret-{run}-1", COMPLAINT.format(run=run)),
        (f"ret-{run}-2", THREAT.format(run=run)),
        (f"ret-{run}-3", OTHER.format(run=run)),
    ]
    for cid, body in comments:
        comment = _comment(cid, body, f"author-ret-{run}")
        comment["author"]["name"] = name
        assert (await _post(stack, comment)).status_code == 202
    ids = [cid for cid, _b in comments]
    await _until(lambda: _done(engine, ids), "actions on the retention test's comments", stack)

    async def sla_settled() -> Any:
        async with engine.connect() as conn:
            pending = await conn.scalar(
                text(
                    "SELECT count(*) FROM sla_timers WHERE comment_id = ANY(:ids)"
                    " AND state = 'pending'"
                ),
                {"ids": ids},
            )
        return True if pending == 0 else None

    await _until(sla_settled, "the SLA timers met", stack)
    start = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    end = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    before = await _sla(stack, start, end)
    later = (datetime.now(UTC) + timedelta(days=400)).isoformat()

    preview = _cli(stack, "purge", "--dry-run", "--as-of", later)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    counted = json.loads(preview.stdout)["services"]
    assert counted["reporting"]["comments"] >= 2 and counted["responder"]["actions"] >= 1
    assert COMPLAINT.format(run=run) in json.dumps(await _rows_naming(engine, f"ret-{run}-1"))

    purged = _cli(stack, "purge", "--as-of", later)
    assert purged.returncode == 0, purged.stdout + purged.stderr
    for gone in (COMPLAINT.format(run=run), OTHER.format(run=run)):
        assert not await _rows_naming(engine, gone), f"{gone!r} outlived its retention"
    kept = await _rows_naming(engine, name)
    assert kept and all(f"ret-{run}-2" in row for _t, row in kept), "only the held evidence"
    assert THREAT.format(run=run) in json.dumps(kept, ensure_ascii=False)
    assert await _sla(stack, start, end) == before, "the SLA report's counts changed"
    again = _cli(stack, "purge", "--dry-run", "--as-of", later)
    left = json.loads(again.stdout)["services"]["reporting"]
    assert left["comments"] == 0 and left["reporting_decisions"] == 0, left  # nothing new
