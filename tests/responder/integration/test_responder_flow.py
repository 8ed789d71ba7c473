"""The responder against the real Redis and PostgreSQL: outbox rows, console record, events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.responder.adapters.base import AdapterRegistry
from services.responder.adapters.console import ConsoleAdapter
from services.responder.bootstrap import create_app
from services.responder.domain.model import ActionRequest, ActionResult
from services.responder.domain.templates import TemplateBook, reference_code
from services.responder.driver import ActionDriver, RetryPolicy
from services.responder.use_cases.decisions import DecisionHandler
from shared.accounts import Account, AccountDirectory
from shared.contracts import ActionChanged, ActionCompleted, DecisionMade, PlannedAction
from shared.db.models import ActionRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.responder.unit.factories import decision

pytestmark = pytest.mark.integration

BOOK = TemplateBook.from_directory()


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _complaint(account_id: str = "1001") -> DecisionMade:
    u = _uid()
    return decision(
        decision_id=f"d-{u}",
        comment_id=f"c-{u}",
        account_id=account_id,
        actions=[PlannedAction(action_id=f"{u}:reply", kind="reply")],
    )


def _abuse() -> DecisionMade:
    u = _uid()
    return decision(
        decision_id=f"d-{u}",
        comment_id=f"c-{u}",
        labels=["abuse.aggression"],
        rule_id="R7",
        category=None,
        actions=[
            PlannedAction(action_id=f"{u}:hide", kind="hide"),
            PlannedAction(action_id=f"{u}:block", kind="block_author"),
        ],
    )


def _records(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def _completed(redis: Redis, names: StreamNames) -> list[ActionCompleted]:
    entries = await redis.xrange(names.actions) or []
    return [
        ActionCompleted.model_validate(decode(cast(dict[bytes, bytes], f))) for _i, f in entries
    ]


async def _snapshots(redis: Redis, names: StreamNames) -> list[ActionChanged]:
    entries = await redis.xrange(names.action_states) or []
    return [ActionChanged.model_validate(decode(cast(dict[bytes, bytes], f))) for _i, f in entries]


async def _rows(engine: AsyncEngine, decision_ids: Sequence[str]) -> dict[str, ActionRow]:
    async with make_sessionmaker(engine)() as session:
        found = await session.scalars(
            select(ActionRow).where(ActionRow.decision_id.in_(decision_ids))
        )
        return {row.action_id: row for row in found}


async def _until(predicate: Callable[[], Awaitable[bool]]) -> None:
    """Polls Redis state (there is no event to wait on) for up to ten seconds."""
    for _ in range(200):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _handler(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    accounts: list[Account] | None = None,
    adapters: AdapterRegistry | None = None,
) -> DecisionHandler:
    directory = AccountDirectory(accounts or [], accept_unknown=True)
    driver = ActionDriver(
        sessions=make_sessionmaker(engine),
        publisher=EventPublisher(redis, maxlen=10_000),
        names=StreamNames(settings.stream_prefix),
        accounts=directory,
        adapters=adapters
        or AdapterRegistry({"console": ConsoleAdapter(settings.console_record_path)}),
        policy=RetryPolicy(),
    )
    return DecisionHandler(
        sessions=make_sessionmaker(engine),
        driver=driver,
        accounts=directory,
        templates=BOOK,
        brand=settings.brand_name,
    )


async def test_decisions_on_the_stream_are_performed_once_through_the_runtime(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    names = StreamNames(settings.stream_prefix)
    complaint, abuse = _complaint(), _abuse()
    publisher = EventPublisher(redis, maxlen=10_000)
    # Published before the service starts, and the complaint twice (a redelivered decision).
    await publisher.publish([(names.decisions, complaint), (names.decisions, abuse)])
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await publisher.publish([(names.decisions, complaint)])

        async def settled() -> bool:
            [group] = await redis.xinfo_groups(names.decisions)
            return bool(group["lag"] == 0 and group["pending"] == 0)

        await _until(settled)

    records = _records(settings.console_record_path)
    assert [(r["action_id"], r["kind"]) for r in records] == [
        (complaint.actions[0].action_id, "reply"),
        (abuse.actions[0].action_id, "hide"),
        (abuse.actions[1].action_id, "block_author"),
    ]
    comment = complaint.comment
    expected_text = BOOK.render(
        language="en",
        situation="complaint.product",
        action_id=complaint.actions[0].action_id,
        author="Jane Doe",
        brand=settings.brand_name,
        reference=reference_code(comment.platform, comment.comment_id),
    )
    reply, hide, block = records
    assert reply["text"] == expected_text
    assert {k: reply[k] for k in ("platform", "account_id", "comment_id", "thread_id")} == {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": comment.comment_id,
        "thread_id": comment.thread_id,
    }
    assert hide["text"] is None and hide["comment_id"] == abuse.comment.comment_id
    assert block["author_id"] == "author-7" and block["text"] is None

    rows = await _rows(engine, [complaint.decision_id, abuse.decision_id])
    assert {r.status for r in rows.values()} == {"done"}
    assert rows[complaint.actions[0].action_id].text == expected_text
    assert all(r.attempts == 1 and r.completed_at is not None for r in rows.values())

    # Events are at least once: under load the tests' 300 ms reclaim may hand a batch still
    # being handled to the reclaimer, which republishes the outcomes (never calls again).
    events = await _completed(redis, names)
    assert {(e.action_id, e.status) for e in events} == {(action_id, "done") for action_id in rows}
    by_id = {e.action_id: e for e in events}
    assert by_id[complaint.actions[0].action_id].platform_ref == (
        f"console:{complaint.actions[0].action_id}"
    )


async def test_same_decision_twice_records_each_action_once(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    handler = _handler(settings, engine, redis)
    names = StreamNames(settings.stream_prefix)
    abuse = _abuse()
    await handler.handle([Delivery("1-0", abuse)])
    await handler.handle([Delivery("2-0", abuse), Delivery("3-0", abuse)])
    records = _records(settings.console_record_path)
    assert sorted(str(r["action_id"]) for r in records) == sorted(
        a.action_id for a in abuse.actions
    )
    assert len(await _completed(redis, names)) == 2
    # A retried delivery republishes the completions: a crash after commit loses no event.
    await handler.handle([Delivery("1-0", abuse, attempt=2)])
    assert len(_records(settings.console_record_path)) == 2
    events = await _completed(redis, names)
    assert len(events) == 4 and {e.status for e in events} == {"done"}


async def test_dry_run_account_records_nothing_and_skips_rows(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    account = Account(platform="facebook", account_id="dry-1", mode="dry-run")
    handler = _handler(settings, engine, redis, accounts=[account])
    complaint = _complaint(account_id="dry-1")
    await handler.handle([Delivery("1-0", complaint)])
    assert not settings.console_record_path.exists()
    [row] = (await _rows(engine, [complaint.decision_id])).values()
    assert row.status == "skipped"
    assert row.text is not None and row.text.startswith(("Hi Jane Doe,", "Hello Jane Doe,"))
    assert "dry-run" in row.detail
    [event] = await _completed(redis, StreamNames(settings.stream_prefix))
    assert (event.status, event.platform_ref) == ("skipped", None)


async def test_threat_evidence_before_delete_and_reply_refused(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    u = _uid()
    threat = decision(
        decision_id=f"d-{u}",
        comment_id=f"c-{u}",
        labels=["threat"],
        rule_id="R8",
        category=None,
        actions=[
            PlannedAction(action_id=f"{u}:delete", kind="delete"),
            PlannedAction(action_id=f"{u}:evidence", kind="preserve_evidence"),
            PlannedAction(action_id=f"{u}:reply", kind="reply", template="complaint.product"),
        ],
    )
    await _handler(settings, engine, redis).handle([Delivery("1-0", threat)])
    records = _records(settings.console_record_path)
    assert [r["kind"] for r in records] == ["preserve_evidence", "delete"]
    rows = await _rows(engine, [threat.decision_id])
    assert rows[f"{u}:reply"].status == "failed"
    assert "never get a reply" in rows[f"{u}:reply"].detail
    assert "evidence sha256=" in rows[f"{u}:evidence"].detail
    events = await _completed(redis, StreamNames(settings.stream_prefix))
    assert {e.action_id: e.status for e in events} == {
        f"{u}:delete": "done",
        f"{u}:evidence": "done",
        f"{u}:reply": "failed",
    }


class _EvidenceFails:
    """A platform that cannot store evidence: removal must then be withheld."""

    async def perform(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        return [
            ActionResult(r.action_id, "failed" if r.kind == "preserve_evidence" else "done")
            for r in requests
        ]

    async def find_existing(self, request: ActionRequest) -> ActionResult | None:
        return None


async def test_delete_is_withheld_when_evidence_was_not_preserved(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    u = _uid()
    threat = decision(
        decision_id=f"d-{u}",
        comment_id=f"c-{u}",
        labels=["threat"],
        rule_id="R8",
        actions=[
            PlannedAction(action_id=f"{u}:evidence", kind="preserve_evidence"),
            PlannedAction(action_id=f"{u}:delete", kind="delete"),
            PlannedAction(action_id=f"{u}:flag", kind="flag_for_human"),
        ],
    )
    handler = _handler(
        settings, engine, redis, adapters=AdapterRegistry({"console": _EvidenceFails()})
    )
    await handler.handle([Delivery("1-0", threat)])
    rows = await _rows(engine, [threat.decision_id])
    assert {k: r.status for k, r in rows.items()} == {
        f"{u}:evidence": "failed",
        f"{u}:delete": "failed",
        f"{u}:flag": "done",
    }
    assert "evidence of the comment was not preserved" in rows[f"{u}:delete"].detail


async def test_approve_mode_waits_and_future_actions_stay_pending(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    accounts = [Account(platform="facebook", account_id="appr-1", mode="approve")]
    handler = _handler(settings, engine, redis, accounts=accounts)
    approve = _complaint(account_id="appr-1")
    u = _uid()
    later = decision(
        decision_id=f"d-{u}",
        comment_id=f"c-{u}",
        actions=[
            PlannedAction(
                action_id=f"{u}:reply", kind="reply", not_before=datetime.now(UTC) + timedelta(1)
            )
        ],
    )
    await handler.handle([Delivery("1-0", approve), Delivery("2-0", later)])
    rows = await _rows(engine, [approve.decision_id, later.decision_id])
    assert rows[approve.actions[0].action_id].status == "awaiting_approval"
    assert rows[f"{u}:reply"].status == "pending"
    assert rows[f"{u}:reply"].attempts == 0
    assert _records(settings.console_record_path) == []
    names = StreamNames(settings.stream_prefix)
    assert await _completed(redis, names) == []
    # Reporting learns of the draft and its text, and of the scheduled reply, from the snapshots.
    shown = {e.action_id: e for e in await _snapshots(redis, names)}
    draft = shown[approve.actions[0].action_id]
    assert draft.status == "awaiting_approval" and draft.text
    assert draft.text == rows[draft.action_id].text
    assert shown[f"{u}:reply"].status == "pending"
    assert shown[f"{u}:reply"].not_before == rows[f"{u}:reply"].not_before


async def test_every_committed_change_is_published_as_a_snapshot_in_revision_order(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    """Reporting keeps the highest revision, so the last snapshot must be the row as stored;
    a redelivered decision republishes the same snapshot, not a newer-looking one."""
    names = StreamNames(settings.stream_prefix)
    abuse = _abuse()
    handler = _handler(settings, engine, redis)
    await handler.handle([Delivery("1-0", abuse)])
    await handler.handle([Delivery("1-0", abuse, attempt=2)])
    rows = await _rows(engine, [abuse.decision_id])
    snapshots = await _snapshots(redis, names)
    assert sorted(e.action_id for e in snapshots) == sorted(2 * list(rows))
    for action_id, row in rows.items():
        first, again = [e for e in snapshots if e.action_id == action_id]
        assert row.status == "done" and row.revision > 0  # inserted, in flight, done
        assert first == again.model_copy(update={"event_id": first.event_id})
        assert (first.status, first.revision, first.platform_ref) == (
            row.status,
            row.revision,
            row.platform_ref,
        )
        assert first.author_id == abuse.comment.author.id


class _Broken:
    async def perform(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        raise ConnectionError("platform unreachable")

    async def find_existing(self, request: ActionRequest) -> ActionResult | None:
        return None


async def test_adapter_failure_leaves_rows_pending_for_the_retry(
    settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    complaint = _complaint()
    broken = _handler(settings, engine, redis, adapters=AdapterRegistry({"console": _Broken()}))
    with pytest.raises(ConnectionError):
        await broken.handle([Delivery("1-0", complaint)])
    [row] = (await _rows(engine, [complaint.decision_id])).values()
    assert (row.status, row.attempts) == ("pending", 0)
    await _handler(settings, engine, redis).handle([Delivery("1-0", complaint, attempt=2)])
    [row] = (await _rows(engine, [complaint.decision_id])).values()
    assert (row.status, row.attempts) == ("done", 1)
    assert len(_records(settings.console_record_path)) == 1
    assert len(await _completed(redis, StreamNames(settings.stream_prefix))) == 1
