"""Wiring for responder tests against the fake platforms: one server per platform, a test
clock, and decisions on any platform. The fakes' state is reset by each test that takes it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.responder.adapters.base import AdapterRegistry
from services.responder.bootstrap import build_adapters
from services.responder.domain.templates import TemplateBook
from services.responder.driver import ActionDriver, RetryPolicy
from services.responder.use_cases.decisions import DecisionHandler
from shared.accounts import Account, AccountDirectory
from shared.contracts import ActionKind, Author, Comment, DecisionMade, PlannedAction, Platform
from shared.db.session import make_sessionmaker
from shared.settings import Settings
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher
from tests.fakes.platforms import meta, x, youtube
from tests.fakes.platforms.common import FakePlatform, Fault
from tests.fakes.server import ServerThread

BOOK = TemplateBook.from_directory()
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TOKEN = "test-platform-token"


class Clock:
    """Shared by handler, driver and adapters; tests move it instead of sleeping."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Fake:
    platform: Platform
    state: FakePlatform
    url: str
    account_id: str
    rate_limit: Callable[[Clock], tuple[Fault, float]]
    """The platform's way to say "slow down", and the wait it implies."""
    server_error: Callable[[], Fault]
    permanent: Callable[[], Fault]

    def reset(self) -> None:
        with self.state.lock:
            self.state.accepted.clear()
            self.state.seen.clear()
            self.state.faults.clear()

    def seed(self, comment_id: str, author_id: str) -> None:
        s = self.state
        if isinstance(s, meta.FakeGraph):
            s.add_comment(comment_id, author_id)
        elif isinstance(s, x.FakeX):
            s.add_tweet(comment_id, author_id)
        elif isinstance(s, youtube.FakeYouTubeWrites):
            s.add_comment(comment_id, author_id)


def _meta_rate(page: str) -> Callable[[Clock], tuple[Fault, float]]:
    return lambda _clock: (meta.throttled(page, 2), 120.0)


def _x_rate(clock: Clock) -> tuple[Fault, float]:
    reset = int(clock.now.timestamp()) + 300
    return x.rate_limited(reset), reset - clock.now.timestamp()


def start_fakes() -> Iterator[dict[str, Fake]]:
    """All four platforms, each a real HTTP server; stopped when the generator closes."""
    fb = meta.FakeGraph(token=TOKEN, account_id="1001", flavour="facebook")
    ig = meta.FakeGraph(token=TOKEN, account_id="2001", flavour="instagram")
    xs = x.FakeX(token=TOKEN, account_id="3001")
    yt = youtube.FakeYouTubeWrites(token=TOKEN, channel_id="UC_demo_channel")
    with (
        ServerThread(meta.build(fb)) as fb_server,
        ServerThread(meta.build(ig)) as ig_server,
        ServerThread(x.build(xs)) as x_server,
        ServerThread(youtube.build(yt)) as yt_server,
    ):
        yield {
            "facebook": Fake(
                "facebook",
                fb,
                fb_server.url + meta.VERSION,
                "1001",
                _meta_rate("1001"),
                meta.server_error,
                meta.permission_denied,
            ),
            "instagram": Fake(
                "instagram",
                ig,
                ig_server.url + meta.VERSION,
                "2001",
                _meta_rate("2001"),
                meta.server_error,
                meta.permission_denied,
            ),
            "x": Fake("x", xs, x_server.url, "3001", _x_rate, x.server_error, x.forbidden),
            "youtube": Fake(
                "youtube",
                yt,
                yt_server.url + youtube.BASE,
                "UC_demo_channel",
                lambda _c: (youtube.quota_exceeded(), 3600.0),
                youtube.server_error,
                youtube.forbidden,
            ),
        }


def platform_settings(settings: Settings, fakes: dict[str, Fake]) -> Settings:
    return settings.model_copy(
        update={
            "facebook_graph_url": fakes["facebook"].url,
            "instagram_graph_url": fakes["instagram"].url,
            "x_api_url": fakes["x"].url,
            "youtube_api_url": fakes["youtube"].url,
            "youtube_quota_backoff_s": 3600.0,
            "breaker_failures": 1_000,
        }
    )


def accounts(mode: str = "auto") -> AccountDirectory:
    ids = {"facebook": "1001", "instagram": "2001", "x": "3001", "youtube": "UC_demo_channel"}
    rows = [
        Account.model_validate(
            {
                "platform": p,
                "account_id": a,
                "adapter": p,
                "language": "en",
                "mode": mode,
                "access_token": TOKEN,
            }
        )
        for p, a in ids.items()
    ]
    return AccountDirectory(rows, accept_unknown=False)


@dataclass
class Rig:
    handler: DecisionHandler
    driver: ActionDriver
    adapters: AdapterRegistry
    clock: Clock
    http: httpx.AsyncClient


def rig(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis,
    directory: AccountDirectory,
    clock: Clock,
    http: httpx.AsyncClient,
    wrap: Callable[[AdapterRegistry], AdapterRegistry] = lambda a: a,
) -> Rig:
    adapters = wrap(build_adapters(settings, directory, http, clock))
    sessions = make_sessionmaker(engine)
    driver = ActionDriver(
        sessions=sessions,
        publisher=EventPublisher(redis, maxlen=10_000),
        names=StreamNames(settings.stream_prefix),
        accounts=directory,
        adapters=adapters,
        policy=RetryPolicy(
            max_attempts=4, base_s=10.0, cap_s=60.0, lease_s=120.0, jitter=lambda: 0.0
        ),
        clock=clock,
    )
    handler = DecisionHandler(
        sessions=sessions,
        driver=driver,
        accounts=directory,
        templates=BOOK,
        brand="Steam-Connect",
        clock=clock,
    )
    return Rig(handler, driver, adapters, clock, http)


def decision_on(fake: Fake, kind: ActionKind, *, template: str | None = None) -> DecisionMade:
    """One decision with one action on the fake's account, about a freshly seeded comment."""
    u = uuid.uuid4().hex[:10]
    comment_id, author_id = f"c{u}", f"a{u}"
    fake.seed(comment_id, author_id)
    thread = f"{fake.platform}:{comment_id}"
    if kind in ("reply", "private_reply") and template is None:
        template = "complaint.product" if kind == "reply" else "private_reply"
    return DecisionMade(
        occurred_at=T0,
        correlation_id=thread,
        account_id=fake.account_id,
        decision_id=f"d-{u}",
        comment_event_id=f"e-{u}",
        comment=Comment(
            platform=fake.platform,
            account_id=fake.account_id,
            comment_id=comment_id,
            post_id="p1",
            thread_id=thread,
            author=Author(id=author_id, name="Jane Doe"),
            text="My kettle broke after two days.",
            created_at=T0 - timedelta(hours=1),
        ),
        lang="en",
        labels=["complaint.product"],
        scores={},
        rule_id="R1",
        reason="test",
        policy_version="test-1",
        category="complaint.product",
        actions=[PlannedAction(action_id=f"{u}:{kind}", kind=kind, template=template)],
    )
