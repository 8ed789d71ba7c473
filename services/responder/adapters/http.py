"""The shared HTTP edge of the platform adapters: auth, timeouts, verdicts, gates and breakers.

A platform adapter only says which call an action becomes (`Call`) or why none is made
(`NoCall`), and how to find a post it may already have made; everything else lives here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.responder.adapters.tokens import TokenBook
from services.responder.domain.model import ActionRequest, ActionResult, ResultStatus
from services.responder.domain.resilience import CircuitBreaker, RateGate
from services.responder.domain.verdicts import Verdict
from services.responder.metrics import PLATFORM_CALLS
from shared.clock import Clock, utcnow
from shared.contracts import Platform
from shared.contracts.actions import TEXT_KINDS
from shared.contracts.comments import ThreadId

log = logging.getLogger(__name__)

Judge = Callable[[int, object, Mapping[str, str], datetime], Verdict]


@dataclass(frozen=True)
class Call:
    """One platform request an action becomes, and what it means on that platform."""

    method: str
    path: str
    performed_as: str
    params: Mapping[str, str] | None = None
    json: Any = None
    data: Mapping[str, str] | None = None


@dataclass(frozen=True)
class NoCall:
    """An action settled without a platform call, with the reason a support engineer reads."""

    status: ResultStatus
    detail: str
    performed_as: str | None = None


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sent: bool = True
    """False when the request surely never reached the platform (gate, breaker, connect error)."""
    attempted: bool = True
    """False when no call was even tried (rate gate or breaker): the attempt does not count."""


class PlatformClient:
    """One platform's HTTP edge; one instance per adapter, built by the composition root."""

    def __init__(
        self,
        *,
        platform: Platform,
        base_url: str,
        http: httpx.AsyncClient,
        tokens: TokenBook,
        judge: Judge,
        breaker: CircuitBreaker,
        gate: RateGate | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.platform = platform
        self._base = base_url.rstrip("/")
        self._http = http
        self._tokens = tokens
        self._judge = judge
        self.breaker = breaker
        self.gate = gate or RateGate()
        self.clock = clock

    def _blocked(self, account_id: str, now: datetime) -> Answer | None:
        wait = self.gate.wait_s((self.platform, account_id), now)
        if wait is not None:
            reason = f"{self.platform} rate limit for account {account_id}: not called"
            return Answer(Verdict("rate_limited", reason, wait), sent=False, attempted=False)
        wait = self.breaker.wait_s(now)
        if wait is not None:
            reason = f"{self.platform} circuit breaker open after repeated failures: not called"
            return Answer(Verdict("transient", reason, wait), sent=False, attempted=False)
        return None

    async def send(self, account_id: str, call: Call) -> Answer:
        """Perform one call; never raises for platform or network trouble, it judges it."""
        token = self._tokens.get(self.platform, account_id)
        if token is None:
            reason = (
                f"no access token for {self.platform} account {account_id}: set `access_token` "
                f'in the accounts file or PLATFORM_TOKENS={{"{self.platform}:{account_id}": ...}}'
            )
            return Answer(Verdict("permanent", reason), sent=False)
        blocked = self._blocked(account_id, self.clock())
        if blocked is not None:
            return blocked
        try:
            answer = await self._exchange(token, call)
        except BaseException:
            self.breaker.trial_running = False
            raise
        self._observe(account_id, answer)
        return answer

    async def _exchange(self, token: str, call: Call) -> Answer:
        url = f"{self._base}{call.path}"
        try:
            response = await self._http.request(
                call.method,
                url,
                params=call.params,
                json=call.json,
                data=call.data,
                headers={"Authorization": f"Bearer {token}"},
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            name = type(exc).__name__
            reason = f"{self.platform} unreachable ({name}) calling {call.method} {url}"
            return Answer(Verdict("transient", reason), sent=False)
        except httpx.TransportError as exc:
            reason = f"{self.platform} {type(exc).__name__} during {call.method} {url}: {exc}"
            return Answer(Verdict("transient", reason))
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = response.text[:500]
        headers = {k.lower(): v for k, v in response.headers.items()}
        verdict = self._judge(response.status_code, body, headers, self.clock())
        return Answer(verdict, body, headers)

    def _observe(self, account_id: str, answer: Answer) -> None:
        now = self.clock()
        PLATFORM_CALLS.labels(self.platform, answer.verdict.kind).inc()
        if answer.verdict.kind == "transient":
            self.breaker.failure(now)
        else:
            self.breaker.success()
        wait = answer.verdict.retry_after_s
        if answer.verdict.kind == "rate_limited" and wait is not None:
            self.gate.block((self.platform, account_id), now + timedelta(seconds=wait))
        remaining = answer.headers.get("x-rate-limit-remaining")
        if remaining == "0" and answer.verdict.kind == "ok":
            reset = answer.headers.get("x-rate-limit-reset", "")
            if reset.isdigit():
                until = datetime.fromtimestamp(int(reset), UTC)
                self.gate.block((self.platform, account_id), until)

    async def get(self, account_id: str, path: str, params: Mapping[str, str]) -> Answer:
        return await self.send(account_id, Call("GET", path, "lookup", params=params))


def local_result(request: ActionRequest, platform: str) -> ActionResult | None:
    """Kinds the responder settles itself: evidence is already stored, flags are records."""
    if request.kind == "preserve_evidence":
        return ActionResult(
            request.action_id,
            "done",
            f"evidence stored with the action rows before any removal; {request.detail}".strip(),
            performed_as="preserve_evidence",
        )
    if request.kind == "flag_for_human":
        return ActionResult(
            request.action_id,
            "done",
            "flagged for a human in the action history (no platform call)",
            performed_as="flag_for_human",
        )
    if request.kind == "report_to_platform":
        return ActionResult(
            request.action_id,
            "skipped",
            f"manual step: {platform} has no API to report a comment; a human must report it "
            f"in the platform's moderation tools (comment {request.comment_id})",
            performed_as="flag_for_human",
        )
    return None


def top_level_id(request: ActionRequest) -> str:
    """Thread ids are `<platform>:<top-level comment id>`; replies nest under the top level."""
    try:
        return ThreadId.parse(request.thread_id).comment_id
    except ValueError:
        return request.comment_id


class HttpAdapter:
    """Base of the platform adapters: maps, calls with bounded concurrency, and judges."""

    platform: Platform
    checked_kinds: frozenset[str] = TEXT_KINDS
    """Kinds `lookup` can find on the platform after an unknown outcome."""

    def __init__(self, client: PlatformClient, *, concurrency: int = 8) -> None:
        self.client = client
        self._limit = asyncio.Semaphore(concurrency)

    def plan_call(self, request: ActionRequest) -> Call | NoCall:
        raise NotImplementedError

    def platform_ref(self, request: ActionRequest, call: Call, body: Any) -> str | None:
        return request.comment_id

    async def lookup(self, request: ActionRequest) -> ActionResult | None:
        """Find a post this action already made; None when there is none (or no way to look)."""
        return None

    async def perform(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        return list(await asyncio.gather(*(self._guarded(r) for r in requests)))

    async def find_existing(self, request: ActionRequest) -> ActionResult | None:
        """Before re-posting after an unknown outcome; kinds the platform cannot show are redone."""
        if request.kind not in self.checked_kinds:
            return None
        async with self._limit:
            return await self.lookup(request)

    async def _guarded(self, request: ActionRequest) -> ActionResult:
        async with self._limit:
            return await self.perform_one(request)

    async def perform_one(self, request: ActionRequest) -> ActionResult:
        local = local_result(request, self.platform)
        if local is not None:
            return local
        plan = self.plan_call(request)
        if isinstance(plan, NoCall):
            return ActionResult(
                request.action_id, plan.status, plan.detail, performed_as=plan.performed_as
            )
        answer = await self.client.send(request.account_id, plan)
        return self.judge(request, plan, answer)

    def judge(self, request: ActionRequest, call: Call, answer: Answer) -> ActionResult:
        """The outcome as recorded; `uncertain` posts are re-checked before any repost."""
        v, aid = answer.verdict, request.action_id
        if v.kind == "ok":
            ref = self.platform_ref(request, call, answer.body)
            detail = f"{call.performed_as} on {self.platform} ({call.method} {call.path})"
            return ActionResult(aid, "done", detail, ref, call.performed_as)
        if v.kind in ("rate_limited", "transient"):
            uncertain = answer.sent and v.kind == "transient" and request.kind in TEXT_KINDS
            return ActionResult(
                aid,
                "retry",
                v.reason,
                retry_after_s=v.retry_after_s,
                attempted=answer.attempted,
                uncertain=uncertain,
            )
        if v.kind == "gone":
            if request.kind == "delete":
                return ActionResult(aid, "done", f"already gone: {v.reason}", None, "none")
            return ActionResult(aid, "skipped", f"comment no longer exists: {v.reason}")
        return ActionResult(aid, "failed", f"{self.platform} refused {request.kind}: {v.reason}")


def data_items(body: object) -> list[dict[str, Any]]:
    items = body.get("data") if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def found(request: ActionRequest, ref: str | None, performed_as: str) -> ActionResult:
    return ActionResult(
        request.action_id,
        "done",
        f"{performed_as} already on the platform after an unknown outcome; not posted again",
        ref,
        performed_as,
    )


def lookup_failed(request: ActionRequest, reason: str) -> ActionResult:
    """Never post blind: if we cannot look, we wait and look again."""
    return ActionResult(
        request.action_id,
        "retry",
        f"could not check for an earlier {request.kind} before reposting: {reason}",
        uncertain=True,
    )
