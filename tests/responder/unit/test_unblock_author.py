"""`unblock_author`, the agent's way to lift a block: the exact call on Facebook and X, and a
clear, final "not supported" (no call, no retry) on Instagram and YouTube."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.responder.adapters.facebook import FacebookAdapter
from services.responder.adapters.http import Call, HttpAdapter, Judge, NoCall, PlatformClient
from services.responder.adapters.instagram import InstagramAdapter
from services.responder.adapters.tokens import TokenBook
from services.responder.adapters.x import XAdapter
from services.responder.adapters.youtube import YouTubeAdapter
from services.responder.domain.model import ActionRequest
from services.responder.domain.resilience import CircuitBreaker
from services.responder.domain.verdicts import meta_verdict, x_verdict
from shared.accounts import Account, AccountDirectory
from shared.contracts import ActionKind, Platform

ACCOUNTS = {"facebook": "1001", "instagram": "2001", "x": "3001", "youtube": "UC_demo"}


def _request(platform: Platform, kind: ActionKind = "unblock_author") -> ActionRequest:
    return ActionRequest(
        action_id=f"a1:{kind}",
        decision_id="agent:e1",
        correlation_id=f"{platform}:c1",
        kind=kind,
        platform=platform,
        account_id=ACCOUNTS[platform],
        comment_id="c1",
        thread_id=f"{platform}:c1",
        author_id="author-7",
    )


class Recorder:
    """The platform over a mock transport: records every request, answers as told."""

    def __init__(self, status: int = 200, body: object = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status, self.body = status, body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.body)


def _adapter(cls: type[HttpAdapter], platform: Platform, http: httpx.AsyncClient) -> HttpAdapter:
    account = Account.model_validate(
        {"platform": platform, "account_id": ACCOUNTS[platform], "access_token": "tok"}
    )
    tokens = TokenBook(AccountDirectory([account], accept_unknown=False), {})
    judge: Judge = x_verdict if platform == "x" else lambda s, b, h, _now: meta_verdict(s, b, h)
    client = PlatformClient(
        platform=platform,
        base_url="https://platform.test" + ("" if platform == "x" else "/v21.0"),
        http=http,
        tokens=tokens,
        judge=judge,
        breaker=CircuitBreaker(5, 60.0),
    )
    return cls(client)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(Recorder())) as client:
        yield client


def test_facebook_unblock_is_a_delete_on_the_pages_blocked_edge_with_one_user_id(
    http: httpx.AsyncClient,
) -> None:
    plan = _adapter(FacebookAdapter, "facebook", http).plan_call(_request("facebook"))
    assert plan == Call(
        "DELETE", "/1001/blocked", "unblock_author", params={"user": "author-7"}, data=None
    )


def test_x_unblock_is_a_delete_of_the_blocking_relation(http: httpx.AsyncClient) -> None:
    plan = _adapter(XAdapter, "x", http).plan_call(_request("x"))
    assert plan == Call("DELETE", "/2/users/3001/blocking/author-7", "unblock_author")


@pytest.mark.parametrize(
    ("cls", "platform", "where"),
    [(InstagramAdapter, "instagram", "Instagram"), (YouTubeAdapter, "youtube", "YouTube")],
)
def test_unblock_is_not_supported_on_platforms_without_an_api_for_it(
    cls: type[HttpAdapter], platform: Platform, where: str, http: httpx.AsyncClient
) -> None:
    plan = _adapter(cls, platform, http).plan_call(_request(platform))
    assert isinstance(plan, NoCall)
    assert plan.status == "skipped"
    assert f"not supported on {where}" in plan.detail and "author-7" in plan.detail


@pytest.mark.parametrize(
    ("cls", "platform"), [(InstagramAdapter, "instagram"), (YouTubeAdapter, "youtube")]
)
async def test_unsupported_unblock_settles_without_calling_the_platform(
    cls: type[HttpAdapter], platform: Platform
) -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
        adapter = _adapter(cls, platform, http)
        [result] = await adapter.perform([_request(platform)])
    assert (result.status, result.platform_ref) == ("skipped", None)
    assert "not supported on" in result.detail
    assert recorder.requests == []


async def test_facebook_unblock_sends_the_documented_request() -> None:
    recorder = Recorder(200, {"success": True})
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
        adapter = _adapter(FacebookAdapter, "facebook", http)
        [result] = await adapter.perform([_request("facebook")])
    assert (result.status, result.performed_as, result.platform_ref) == (
        "done",
        "unblock_author",
        "author-7",
    )
    [sent] = recorder.requests
    assert (sent.method, sent.url.path, dict(sent.url.params)) == (
        "DELETE",
        "/v21.0/1001/blocked",
        {"user": "author-7"},
    )
    assert sent.content == b"" and sent.headers["authorization"] == "Bearer tok"


async def test_x_unblock_sends_the_documented_request() -> None:
    recorder = Recorder(200, {"data": {"blocking": False}})
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
        adapter = _adapter(XAdapter, "x", http)
        [result] = await adapter.perform([_request("x")])
    assert (result.status, result.performed_as, result.platform_ref) == (
        "done",
        "unblock_author",
        "author-7",
    )
    [sent] = recorder.requests
    assert (sent.method, sent.url.path, sent.content) == (
        "DELETE",
        "/2/users/3001/blocking/author-7",
        b"",
    )


async def test_x_refusing_the_unblock_is_a_final_skip_not_a_retry() -> None:
    forbidden = {
        "title": "Forbidden",
        "detail": "You are not permitted to perform this action.",
        "type": "https://api.x.com/2/problems/not-authorized-for-resource",
    }
    recorder = Recorder(403, forbidden)
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
        adapter = _adapter(XAdapter, "x", http)
        [result] = await adapter.perform([_request("x")])
    assert result.status == "skipped"
    assert "did not unblock user author-7" in result.detail and "403" in result.detail
