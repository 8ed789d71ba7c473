"""Every action kind on every platform, against the fake platforms over real HTTP, with the
real outbox in PostgreSQL and events in Redis: the exact request, success, rate limit with its
reset, 5xx then success, permanent failure, and a crash between the call and the record."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.responder.adapters.base import AdapterRegistry, PlatformAdapter
from services.responder.domain.model import ActionRequest, ActionResult
from shared.contracts import ActionCompleted, ActionKind, Author, DecisionMade, PlannedAction
from shared.db.models import ActionRow
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.codec import decode
from shared.streams.consumer import Delivery
from shared.streams.names import StreamNames
from tests.fakes.platforms import meta, x
from tests.fakes.platforms.common import Req
from tests.responder.integration.harness import (
    Clock,
    Fake,
    Rig,
    accounts,
    decision_on,
    platform_settings,
    rig,
    start_fakes,
)

pytestmark = pytest.mark.integration

# (platform, kind) -> (method, path template, what the platform really did)
CALLS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("facebook", "reply"): ("POST", "/v21.0/{comment}/comments", "reply"),
    ("facebook", "private_reply"): ("POST", "/v21.0/1001/messages", "private_reply"),
    ("facebook", "hide"): ("POST", "/v21.0/{comment}", "hide"),
    ("facebook", "delete"): ("DELETE", "/v21.0/{comment}", "delete"),
    ("facebook", "block_author"): ("POST", "/v21.0/1001/blocked", "block_author"),
    ("facebook", "unblock_author"): ("DELETE", "/v21.0/1001/blocked", "unblock_author"),
    ("instagram", "reply"): ("POST", "/v21.0/{comment}/replies", "reply"),
    ("instagram", "private_reply"): ("POST", "/v21.0/2001/messages", "private_reply"),
    ("instagram", "hide"): ("POST", "/v21.0/{comment}", "hide"),
    ("instagram", "delete"): ("DELETE", "/v21.0/{comment}", "delete"),
    ("x", "reply"): ("POST", "/2/tweets", "reply"),
    ("x", "private_reply"): (
        "POST",
        "/2/dm_conversations/with/{author}/messages",
        "direct_message",
    ),
    ("x", "hide"): ("PUT", "/2/tweets/{comment}/hidden", "hide"),
    ("x", "delete"): ("PUT", "/2/tweets/{comment}/hidden", "hide"),
    ("x", "block_author"): ("POST", "/2/users/3001/blocking", "block_author"),
    ("x", "unblock_author"): ("DELETE", "/2/users/3001/blocking/{author}", "unblock_author"),
    ("youtube", "reply"): ("POST", "/youtube/v3/comments", "reply"),
    ("youtube", "hide"): ("POST", "/youtube/v3/comments/setModerationStatus", "held_for_review"),
    ("youtube", "delete"): ("POST", "/youtube/v3/comments/setModerationStatus", "rejected"),
    ("youtube", "block_author"): (
        "POST",
        "/youtube/v3/comments/setModerationStatus",
        "rejected_and_banned",
    ),
}
POSTS = {"reply", "private_reply"}
LOOKED_UP = {("facebook", "hide"), ("facebook", "block_author")}
"""Idempotent actions the adapter still looks up after a crash, so they are sent once."""
CASES = sorted(CALLS)


def _body_matches(req: Req, platform: str, kind: str, d: DecisionMade, text: str | None) -> None:
    """The documented request shape of each call (FACTS.md)."""
    c = d.comment
    expected: dict[tuple[str, str], Any] = {
        ("facebook", "reply"): lambda: req.form == {"message": text},
        ("facebook", "private_reply"): lambda: (
            req.json == {"recipient": {"comment_id": c.comment_id}, "message": {"text": text}}
        ),
        ("facebook", "hide"): lambda: req.form == {"is_hidden": "true"},
        ("facebook", "delete"): lambda: req.form == {} and req.json is None,
        ("facebook", "block_author"): lambda: req.form == {"user": f'["{c.author.id}"]'},
        ("facebook", "unblock_author"): lambda: (
            req.params == {"user": c.author.id} and req.form == {} and req.json is None
        ),
        ("instagram", "reply"): lambda: req.params == {"message": text},
        ("instagram", "private_reply"): lambda: (
            req.json == {"recipient": {"comment_id": c.comment_id}, "message": {"text": text}}
        ),
        ("instagram", "hide"): lambda: req.params == {"hide": "true"},
        ("instagram", "delete"): lambda: req.params == {} and req.json is None,
        ("x", "reply"): lambda: (
            req.json == {"text": text, "reply": {"in_reply_to_tweet_id": c.comment_id}}
        ),
        ("x", "private_reply"): lambda: req.json == {"text": text},
        ("x", "hide"): lambda: req.json == {"hidden": True},
        ("x", "delete"): lambda: req.json == {"hidden": True},
        ("x", "block_author"): lambda: req.json == {"target_user_id": c.author.id},
        ("x", "unblock_author"): lambda: req.params == {} and req.json is None,
        ("youtube", "reply"): lambda: (
            req.params == {"part": "snippet"}
            and req.json == {"snippet": {"parentId": c.comment_id, "textOriginal": text}}
        ),
        ("youtube", "hide"): lambda: (
            req.params == {"id": c.comment_id, "moderationStatus": "heldForReview"}
        ),
        ("youtube", "delete"): lambda: (
            req.params == {"id": c.comment_id, "moderationStatus": "rejected"}
        ),
        ("youtube", "block_author"): lambda: (
            req.params == {"id": c.comment_id, "moderationStatus": "rejected", "banAuthor": "true"}
        ),
    }
    assert expected[(platform, kind)](), (platform, kind, req)


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Fake]]:
    yield from start_fakes()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def wired(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    fakes: dict[str, Fake],
    http: httpx.AsyncClient,
) -> Rig:
    for fake in fakes.values():
        fake.reset()
    return rig(platform_settings(settings, fakes), engine, redis, accounts(), Clock(), http)


async def _row(engine: AsyncEngine, action_id: str) -> ActionRow:
    async with make_sessionmaker(engine)() as session:
        row = await session.scalar(select(ActionRow).where(ActionRow.action_id == action_id))
        assert row is not None
        return row


async def _events(redis: Redis, settings: Settings, d: DecisionMade) -> list[ActionCompleted]:
    """This decision's events (the retry loop may settle other tests' rows in the shared DB)."""
    entries = await redis.xrange(StreamNames(settings.stream_prefix).actions) or []
    events = [
        ActionCompleted.model_validate(decode(cast(dict[bytes, bytes], f))) for _i, f in entries
    ]
    return [e for e in events if e.decision_id == d.decision_id]


def _writes(fake: Fake, d: DecisionMade) -> list[Req]:
    """Accepted writes that concern this decision's comment (the fake is shared per module)."""
    c = d.comment
    return [
        r
        for r in fake.state.writes()
        if c.comment_id in r.path
        or c.comment_id in str(r.json)
        or c.author.id in r.path
        or c.comment_id in str(r.params)
        or c.author.id in str(r.params)
        or c.author.id in str(r.form)
        or c.author.id in str(r.json)
    ]


def _expect_path(platform: str, kind: str, d: DecisionMade) -> tuple[str, str, str]:
    method, path, performed = CALLS[(platform, kind)]
    return method, path.format(comment=d.comment.comment_id, author=d.comment.author.id), performed


def _block_list(fake: Fake) -> set[str]:
    """The fake's own record of blocked users (Facebook and X keep one; call under its lock)."""
    state = fake.state
    assert isinstance(state, meta.FakeGraph | x.FakeX), fake.platform
    return state.blocked


def _decision(fake: Fake, kind: ActionKind) -> DecisionMade:
    """A decision on a fresh comment; for an unblock, its author is blocked on the platform."""
    d = decision_on(fake, kind)
    if kind == "unblock_author":
        with fake.state.lock:
            _block_list(fake).add(d.comment.author.id)
    return d


def _blocked(fake: Fake, author_id: str) -> bool:
    with fake.state.lock:
        return author_id in _block_list(fake)


@pytest.mark.parametrize(("platform", "kind"), CASES)
async def test_success_sends_the_documented_request_once(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    redis: Redis,
    settings: Settings,
    platform: str,
    kind: ActionKind,
) -> None:
    fake = fakes[platform]
    d = _decision(fake, kind)
    await wired.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    method, path, performed = _expect_path(platform, kind, d)
    assert (row.status, row.performed_as, row.attempts) == ("done", performed, 1), row.detail
    [req] = _writes(fake, d)
    assert (req.method, req.path) == (method, path)
    _body_matches(req, platform, kind, d, row.text)
    if kind in POSTS:
        assert row.text and "Jane Doe" in row.text and row.platform_ref
    [event] = await _events(redis, settings, d)
    assert (event.action_id, event.status, event.platform_ref) == (
        row.action_id,
        "done",
        row.platform_ref,
    )
    if (platform, kind) in (("facebook", "unblock_author"), ("x", "unblock_author")):
        assert row.platform_ref == d.comment.author.id
        assert not _blocked(fake, d.comment.author.id)


@pytest.mark.parametrize(("platform", "kind"), CASES)
async def test_rate_limit_waits_for_the_reset_then_performs_once(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    platform: str,
    kind: ActionKind,
) -> None:
    fake = fakes[platform]
    fault, wait_s = fake.rate_limit(wired.clock)
    fake.state.inject(fault)
    d = _decision(fake, kind)
    await wired.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    assert row.status == "pending" and row.retry_at is not None
    assert (row.retry_at - wired.clock.now).total_seconds() == pytest.approx(wait_s)
    wired.clock.advance(wait_s - 1)
    await wired.driver.drive_due()
    assert (await _row(engine, d.actions[0].action_id)).status == "pending"
    assert _writes(fake, d) == []
    wired.clock.advance(1)
    await wired.driver.drive_due()
    row = await _row(engine, d.actions[0].action_id)
    assert (row.status, row.attempts) == ("done", 2), row.detail
    assert len(_writes(fake, d)) == 1


@pytest.mark.parametrize(("platform", "kind"), CASES)
async def test_server_error_is_retried_with_backoff_then_succeeds(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    platform: str,
    kind: ActionKind,
) -> None:
    fake = fakes[platform]
    fake.state.inject(fake.server_error())
    d = _decision(fake, kind)
    await wired.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    # Posts may have gone through despite a 5xx: they wait `in_flight`, to be looked up first.
    assert row.status == ("in_flight" if kind in POSTS else "pending")
    assert row.retry_at == wired.clock.now + timedelta(seconds=5)  # base 10 s, jitter 0
    wired.clock.advance(5)
    await wired.driver.drive_due()
    row = await _row(engine, d.actions[0].action_id)
    assert (row.status, row.attempts) == ("done", 2), row.detail
    assert len(_writes(fake, d)) == 1


@pytest.mark.parametrize(("platform", "kind"), CASES)
async def test_permanent_error_is_recorded_with_the_platform_reason_and_not_retried(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    redis: Redis,
    settings: Settings,
    platform: str,
    kind: ActionKind,
) -> None:
    fake = fakes[platform]
    fake.state.inject(fake.permanent())
    d = _decision(fake, kind)
    await wired.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    # X's block endpoints may be withdrawn (FACTS.md): a refusal there is a skip, not a failure.
    x_block = platform == "x" and kind in ("block_author", "unblock_author")
    expected = "skipped" if x_block else "failed"
    assert row.status == expected
    assert ("403" in row.detail or "200" in row.detail) and platform in row.detail.lower()
    wired.clock.advance(3600)
    await wired.driver.drive_due()
    assert (await _row(engine, d.actions[0].action_id)).attempts == 1
    assert _writes(fake, d) == []
    [event] = await _events(redis, settings, d)
    assert (event.status, event.detail) == (expected, row.detail)


class SimulatedCrash(BaseException):
    """The process dies: no `except Exception` runs, nothing is recorded."""


class CrashAfterCall:
    """Performs on the real platform, then 'dies' before the outcome can be recorded."""

    def __init__(self, inner: PlatformAdapter) -> None:
        self._inner = inner

    async def perform(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        await self._inner.perform(requests)
        raise SimulatedCrash("killed between the platform call and the record")

    async def find_existing(self, request: ActionRequest) -> ActionResult | None:
        return await self._inner.find_existing(request)


@pytest.mark.parametrize(("platform", "kind"), CASES)
async def test_crash_between_call_and_record_never_posts_twice(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    redis: Redis,
    settings: Settings,
    http: httpx.AsyncClient,
    platform: str,
    kind: ActionKind,
) -> None:
    fake = fakes[platform]
    d = _decision(fake, kind)
    dying = rig(
        platform_settings(settings, fakes),
        engine,
        redis,
        accounts(),
        wired.clock,
        http,
        wrap=lambda reg: AdapterRegistry({platform: CrashAfterCall(reg.get(platform))}),
    )
    with pytest.raises(SimulatedCrash):
        await dying.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    assert row.status == "in_flight" and len(_writes(fake, d)) == 1
    # Redelivered before the lease ends: the row is someone's call in flight, left alone.
    await wired.handler.handle([Delivery("1-0", d, attempt=2)])
    assert (await _row(engine, d.actions[0].action_id)).status == "in_flight"
    wired.clock.advance(121)
    await wired.handler.handle([Delivery("1-0", d, attempt=3)])
    row = await _row(engine, d.actions[0].action_id)
    writes = _writes(fake, d)
    if (platform, kind) == ("instagram", "private_reply"):
        # No way to look a private reply up on Instagram; Instagram itself refuses a second one.
        assert len(writes) == 1 and row.status == "failed"
        assert "check by hand" in row.detail and "already has a private reply" in row.detail
        return
    assert row.status == "done", row.detail
    if kind in POSTS or (platform, kind) in LOOKED_UP:
        assert len(writes) == 1, "an action of unknown outcome was found, not sent again"
        assert "not posted again" in row.detail and row.platform_ref
    else:
        # Idempotent kinds are repeated as they were (a repeated delete finds it already gone).
        assert 1 <= len(writes) <= 2 and all(w == writes[0] for w in writes)
    assert [e.status for e in await _events(redis, settings, d)] == ["done"]


@pytest.mark.parametrize("platform", ["facebook", "x"])
async def test_block_then_unblock_lifts_the_block_on_the_platform(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    redis: Redis,
    settings: Settings,
    platform: str,
) -> None:
    fake = fakes[platform]
    with fake.state.lock:
        _block_list(fake).clear()
    block = decision_on(fake, "block_author")
    author = block.comment.author.id
    await wired.handler.handle([Delivery("1-0", block)])
    assert (await _row(engine, block.actions[0].action_id)).status == "done"
    assert _blocked(fake, author)
    # An agent lifts it by hand later: another decision about the same comment and author.
    unblock = block.model_copy(
        update={
            "decision_id": f"{block.decision_id}-undo",
            "comment_event_id": f"{block.comment_event_id}-undo",
            "actions": [
                PlannedAction(action_id=f"{block.decision_id}:unblock", kind="unblock_author")
            ],
        }
    )
    await wired.handler.handle([Delivery("2-0", unblock)])
    row = await _row(engine, unblock.actions[0].action_id)
    assert (row.status, row.performed_as, row.platform_ref) == (
        "done",
        "unblock_author",
        author,
    ), row.detail
    calls = [(r.method, r.path) for r in _writes(fake, block)]
    assert calls == [
        _expect_path(platform, "block_author", block)[:2],
        _expect_path(platform, "unblock_author", block)[:2],
    ]
    with fake.state.lock:
        assert _block_list(fake) == set()
    [event] = await _events(redis, settings, unblock)
    assert (event.kind, event.status, event.platform_ref) == ("unblock_author", "done", author)


@pytest.mark.parametrize("platform", ["facebook", "x"])
async def test_unblocking_an_id_the_platform_does_not_know_is_refused_once(
    wired: Rig, fakes: dict[str, Fake], engine: AsyncEngine, platform: str
) -> None:
    fake = fakes[platform]
    d = decision_on(fake, "unblock_author")
    stranger = f"u-{d.decision_id}"
    author = Author(id=stranger, name="Nobody")
    d = d.model_copy(update={"comment": d.comment.model_copy(update={"author": author})})
    await wired.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    if platform == "facebook":
        assert row.status == "failed" and "Invalid user id" in row.detail, row.detail
    else:
        # X answers resource-not-found; a refusal by its block endpoints is a final skip.
        assert row.status == "skipped", row.detail
        assert f"did not unblock user {stranger}" in row.detail and "404" in row.detail
    wired.clock.advance(3600)
    await wired.driver.drive_due()
    assert (await _row(engine, d.actions[0].action_id)).attempts == 1
    assert _writes(fake, d) == []


@pytest.mark.parametrize(
    ("platform", "where"), [("instagram", "Instagram"), ("youtube", "YouTube")]
)
async def test_unblock_is_a_clear_final_skip_where_the_platform_has_no_api_for_it(
    wired: Rig,
    fakes: dict[str, Fake],
    engine: AsyncEngine,
    redis: Redis,
    settings: Settings,
    platform: str,
    where: str,
) -> None:
    fake = fakes[platform]
    d = decision_on(fake, "unblock_author")
    await wired.handler.handle([Delivery("1-0", d)])
    row = await _row(engine, d.actions[0].action_id)
    assert (row.status, row.platform_ref) == ("skipped", None)
    assert f"unblock_author is not supported on {where}" in row.detail
    assert d.comment.author.id in row.detail
    wired.clock.advance(3600)
    await wired.driver.drive_due()
    assert (await _row(engine, d.actions[0].action_id)).status == "skipped"
    assert fake.state.seen == [], "no request reaches the platform"
    [event] = await _events(redis, settings, d)
    assert (event.status, event.detail) == ("skipped", row.detail)
