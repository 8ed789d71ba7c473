"""Per-key rate limits on the public HTTP API, counted in Redis so every replica shares them.

The counting is the `limits` library's (moving window, kept in Redis by its redis-py bridge):
one noisy integration — a replay script in a loop, a dashboard polling ten times a second —
gets 429 with Retry-After, while every other key keeps its own budget. The key is the bearer
token, else the inbox session cookie, else the client address; only a digest of it reaches
Redis, so no secret is stored there. Requests are counted before their body is read.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.exceptions import RedisError
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.metrics import HTTP_REFUSED

log = logging.getLogger(__name__)


def parse_rates(text: str, setting: str) -> tuple[RateLimitItem, ...]:
    """`100/second;3000/minute` → the limits, or a ValueError naming the setting; '' → none."""
    if not text.strip():
        return ()
    try:
        return tuple(parse_many(text))
    except ValueError as exc:
        raise ValueError(
            f"{setting}={text!r} is not a rate limit: write e.g. '100/second' or "
            f"'100/second;3000/minute' ({exc})"
        ) from exc


def client_identity(
    authorization: str | None, session: str | None, address: str | None
) -> tuple[str, str]:
    """(kind, digest) of who is asking: a key, else a session, else an address."""
    for kind, value in (("key", authorization), ("session", session), ("address", address)):
        if value:
            return kind, hashlib.sha256(value.encode()).hexdigest()[:24]
    return "address", "unknown"


def retry_after_s(reset_at: float, now: float) -> int:
    """Whole seconds until the window frees a slot; at least 1, as clients sleep on it."""
    return max(1, math.ceil(reset_at - now))


@dataclass(frozen=True)
class RatePolicy:
    """Which paths are limited and by how much; the same for every key."""

    rates: tuple[RateLimitItem, ...]
    path_prefixes: tuple[str, ...]
    setting: str
    session_cookie: str | None = None

    def applies(self, path: str) -> bool:
        return bool(self.rates) and path.startswith(self.path_prefixes)


class RateLimitPerKey:
    """ASGI middleware: 429 with Retry-After once a key has used its budget on these paths.

    A Redis that does not answer lets requests through (logged): refusing every request
    because the counter is away would turn a Redis blip into an outage of the API.
    """

    def __init__(
        self, app: ASGIApp, *, policy: RatePolicy, storage_uri: str, key_prefix: str, service: str
    ) -> None:
        self._app = app
        self._policy = policy
        self._service = service
        self._limiter: MovingWindowRateLimiter | None = None
        if policy.rates:
            storage = storage_from_string(
                storage_uri, implementation="redispy", key_prefix=key_prefix
            )
            self._limiter = MovingWindowRateLimiter(storage)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self._limiter is None
            or scope["type"] != "http"
            or not self._policy.applies(scope["path"])
        ):
            await self._app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        cookie = self._policy.session_cookie
        kind, digest = client_identity(
            connection.headers.get("authorization"),
            connection.cookies.get(cookie) if cookie else None,
            connection.client.host if connection.client else None,
        )
        refused = await self._first_exhausted(self._limiter, kind, digest)
        if refused is None:
            await self._app(scope, receive, send)
            return
        rate, wait_s = refused
        HTTP_REFUSED.labels(self._service, "429").inc()
        log.info("rate %s used up by a %s (%s…); retry in %d s", rate, kind, digest[:8], wait_s)
        body = {
            "error": "rate limit exceeded",
            "detail": f"this {kind} may make {rate} requests ({self._policy.setting}); "
            f"retry in {wait_s} s",
            "retry_after_s": wait_s,
        }
        response = JSONResponse(body, status_code=429, headers={"Retry-After": str(wait_s)})
        await response(scope, receive, send)

    async def _first_exhausted(
        self, limiter: MovingWindowRateLimiter, kind: str, digest: str
    ) -> tuple[RateLimitItem, int] | None:
        try:
            for rate in self._policy.rates:
                if not await limiter.hit(rate, self._service, kind, digest):
                    stats = await limiter.get_window_stats(rate, self._service, kind, digest)
                    return rate, retry_after_s(stats.reset_time, time.time())
        except RedisError as exc:
            log.warning("rate limit not checked, Redis failed: %s", exc)
        return None


def rate_policy(
    text: str, setting: str, path_prefixes: Sequence[str], session_cookie: str | None = None
) -> RatePolicy:
    return RatePolicy(parse_rates(text, setting), tuple(path_prefixes), setting, session_cookie)
