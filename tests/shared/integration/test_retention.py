"""Retention per account, on reporting's tables in a real PostgreSQL: the account that keeps 30
days loses a 40-day-old comment's text and name, the one that keeps a year does not; threat
evidence is held while its police-report decision is open; a month of history whose rows have
all expired is dropped as a partition; a dry run counts without changing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.accounts import Account, AccountDirectory
from shared.db.erasure import purge
from shared.db.models import CommentEventRow, CommentRow, ReportingActionRow
from shared.db.partitions import ensure_months, months, partition_name
from shared.db.session import make_engine, make_sessionmaker
from shared.privacy import ANCHORS, EVIDENCE, PLANS, PURGED
from shared.privacy_handler import horizon

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNTS = AccountDirectory(
    [
        Account(platform="facebook", account_id="short", retention_days=30),
        Account(platform="facebook", account_id="long", retention_days=365),
    ],
    accept_unknown=True,
)


def _comment(cid: str, account: str, age_days: int) -> dict[str, Any]:
    at = NOW - timedelta(days=age_days)
    return {
        "platform": "facebook",
        "account_id": account,
        "comment_id": cid,
        "post_id": "p",
        "parent_id": None,
        "thread_id": f"facebook:{cid}",
        "author_id": f"author-{cid}",
        "author_name": f"Name {cid}",
        "text": f"text {cid}",
        "status": "active",
        "status_at": at,
        "text_at": at,
        "created_at": at,
        "received_at": at,
    }


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    async with eng.begin() as conn:
        await conn.execute(delete(CommentRow).where(CommentRow.comment_id.like("acctret-%")))
        await conn.execute(
            delete(ReportingActionRow).where(ReportingActionRow.comment_id.like("acctret-%"))
        )
    await eng.dispose()


async def test_each_account_keeps_its_own_period_and_open_threat_evidence(
    engine: AsyncEngine,
) -> None:
    rows = [
        _comment("acctret-short-old", "short", 40),
        _comment("acctret-short-new", "short", 10),
        _comment("acctret-long-old", "long", 40),
        _comment("acctret-unknown-old", "elsewhere", 400),
        _comment("acctret-threat-old", "short", 40),
    ]
    evidence = {
        "action_id": "acctret-threat-old:preserve_evidence",
        "decision_id": "d-threat",
        "kind": "preserve_evidence",
        "platform": "facebook",
        "account_id": "short",
        "comment_id": "acctret-threat-old",
        "thread_id": "facebook:acctret-threat-old",
        "author_id": "author-acctret-threat-old",
        "status": "done",
        "created_at": NOW - timedelta(days=40),
        "evidence": {"text": "text acctret-threat-old"},
        "revision": 1,
    }
    sessions = make_sessionmaker(engine)
    october = datetime(2026, 10, 5, tzinfo=UTC)  # a month only this test writes to
    history = [
        {
            "event_id": f"ev-{cid}-{v}",
            "platform": "facebook",
            "comment_id": cid,
            "thread_id": f"facebook:{cid}",
            "change": "created",
            "text": f"text {cid} v{v}",
            "occurred_at": october + timedelta(hours=v),
        }
        for cid in ("acctret-short-old", "acctret-unknown-old")
        for v in range(3)
    ]
    async with sessions() as session, session.begin():
        await ensure_months(session, october, ahead=0)
        await session.execute(insert(CommentRow), rows)
        await session.execute(insert(ReportingActionRow), [evidence])
        await session.execute(insert(CommentEventRow), history)
    limits = horizon(ACCOUNTS, NOW, EVIDENCE["reporting"], ANCHORS["reporting"])
    async with sessions() as session, session.begin():
        counted = await purge(session, PLANS["reporting"], limits, dry_run=True)
    assert (
        counted["comments"] >= 2
    )  # acctret-short-old and acctret-unknown-old (and older test rows)
    assert counted["comment_events (months dropped)"] >= 6
    async with sessions() as session, session.begin():
        await purge(session, PLANS["reporting"], limits, dry_run=False)
    async with sessions() as session:
        found = {
            r.comment_id: r
            for r in (
                await session.execute(
                    select(CommentRow).where(CommentRow.comment_id.like("acctret-%"))
                )
            ).scalars()
        }
    assert len(found) == 5, "rows stay: counts do not change"
    for gone in ("acctret-short-old", "acctret-unknown-old"):
        assert (found[gone].text, found[gone].author_name, found[gone].author_id) == (
            "",
            "",
            PURGED,
        ), gone
    for kept in ("acctret-short-new", "acctret-long-old", "acctret-threat-old"):
        assert found[kept].text == f"text {kept}", kept
    async with sessions() as session, session.begin():
        again = await purge(session, PLANS["reporting"], limits, dry_run=True)
        left = await months(session, "comment_events")
        history_left = await session.scalar(
            select(func.count())
            .select_from(CommentEventRow)
            .where(CommentEventRow.comment_id.like("acctret-%"))
        )
    assert again["comments"] == 0, "a second purge finds nothing new"
    assert partition_name("comment_events", october) not in {m.name for m in left}, "dropped"
    assert history_left == 0
