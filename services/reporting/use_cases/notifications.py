"""The webhook sender: posts due deliveries from the outbox, signed, and settles each attempt.

A background loop of reporting. Each round claims what is due (leased, so a replica or a crash
cannot send one twice at the same time), posts concurrently with a timeout, and records every
outcome in one transaction: delivered, retried later with backoff, or dead-lettered.
Delivery is at least once: a crash between the POST and the commit sends it again, with the
same `X-Steam-Connect-Delivery` id for the receiver to drop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import notifications as outbox
from services.reporting.adapters.people import audit
from services.reporting.domain.notifications import encoded, next_step, retry_at
from services.reporting.domain.workspace import NotFound, require
from services.reporting.metrics import NOTIFICATIONS, NOTIFICATIONS_BY_STATUS
from shared.accounts import AccountDirectory, Webhook
from shared.clock import Clock, utcnow
from shared.notifications import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryStatus,
    signature,
)
from shared.people import Principal
from shared.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One POST's outcome: the HTTP status (None: no answer) and, if it failed, why."""

    status: int | None
    error: str | None


def webhooks_of(directory: AccountDirectory) -> dict[tuple[str, str, str], Webhook]:
    """(platform, account id, webhook name) -> its URL and secret, from the accounts file."""
    return {(a.platform, a.account_id, hook.name): hook for a in directory for hook in a.webhooks}


class NotificationSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: AccountDirectory,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        clock: Clock = utcnow,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._sessions = sessions
        self._hooks = webhooks_of(directory)
        self._s = settings
        self._client = client
        self._clock = clock
        self._jitter = jitter

    async def run(self, stop: asyncio.Event) -> None:
        """Sends until the service stops; a failed round is logged and the next one retries."""
        interval = self._s.notify_interval_s
        while not stop.is_set():
            sent = 0
            try:
                sent = await self.send_due()
            except Exception:
                log.exception("sending notifications failed; retrying in %.1fs", interval)
            if sent >= self._s.notify_batch:
                continue  # more are due: no pause
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                continue

    async def send_due(self) -> int:
        """One round: claim, post, settle. Returns how many deliveries were attempted."""
        now = self._clock()
        lease = timedelta(seconds=self._s.notify_timeout_s * 3)
        async with self._sessions() as session, session.begin():
            claimed = await outbox.claim_due(session, now, self._s.notify_batch, lease)
        if not claimed:
            return 0
        attempts = await asyncio.gather(*(self._post(c) for c in claimed))
        done = self._clock()
        async with self._sessions() as session, session.begin():
            for c, attempt in zip(claimed, attempts, strict=True):
                await self._settle(session, c, attempt, done)
        await self.refresh_gauge()
        return len(claimed)

    async def refresh_gauge(self) -> None:
        async with self._sessions() as session:
            by_status = await outbox.counts(session)
        for status in ("pending", "delivered", "dead"):
            NOTIFICATIONS_BY_STATUS.labels(status).set(by_status.get(status, 0))

    async def _post(self, c: outbox.Claimed) -> Attempt:
        hook = self._hooks.get((c.platform, c.account_id, c.webhook))
        if hook is None:
            return Attempt(410, f"webhook {c.webhook!r} is no longer in the accounts file")
        body = encoded(c.payload)
        stamp = str(int(self._clock().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Steam-Connect-Webhooks/1",
            EVENT_HEADER: c.kind,
            DELIVERY_HEADER: c.delivery_id,
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(hook.secret.get_secret_value(), stamp, body),
        }
        try:
            response = await self._client.post(
                str(hook.url), content=body, headers=headers, timeout=self._s.notify_timeout_s
            )
        except httpx.HTTPError as exc:
            return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])
        if response.is_success:
            return Attempt(response.status_code, None)
        return Attempt(response.status_code, f"HTTP {response.status_code}: {response.text[:200]}")

    async def _settle(
        self, session: AsyncSession, c: outbox.Claimed, attempt: Attempt, at: datetime
    ) -> None:
        tries = c.attempts + 1
        step = next_step(attempt.status, tries, self._s.notify_max_attempts)
        NOTIFICATIONS.labels(c.kind, step).inc()
        extra = {"correlation_id": c.delivery_id}
        if step == "retry":
            when = retry_at(
                at,
                tries,
                base_s=self._s.notify_retry_base_s,
                cap_s=self._s.notify_retry_cap_s,
                jitter=self._jitter(),
            )
            log.info(
                "webhook %s failed (%s); retry %d at %s",
                c.webhook,
                attempt.error,
                tries,
                when.isoformat(),
                extra=extra,
            )
            await outbox.settle(
                session,
                c.delivery_id,
                status="pending",
                attempts=tries,
                at=at,
                next_attempt_at=when,
                error=attempt.error,
                response_status=attempt.status,
            )
            return
        if step == "dead":
            log.warning(
                "webhook %s of %s %s dead-lettered after %d attempt(s): %s",
                c.webhook,
                c.platform,
                c.account_id,
                tries,
                attempt.error,
                extra=extra,
            )
        await outbox.settle(
            session,
            c.delivery_id,
            status=step,
            attempts=tries,
            at=at,
            error=attempt.error,
            response_status=attempt.status,
        )


class NotificationLog:
    """What was sent where, and sending a dead-lettered delivery again (audited)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    async def deliveries(
        self, who: Principal, status: DeliveryStatus | None, limit: int
    ) -> list[dict[str, object]]:
        require(who, "manage_notifications")
        async with self._sessions() as session:
            return await outbox.listing(session, status, limit)

    async def send_again(self, who: Principal, delivery_id: str) -> None:
        """Back to pending with fresh attempts: for after the receiver was fixed."""
        require(who, "manage_notifications")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            if not await outbox.send_again(session, delivery_id, now):
                raise NotFound(f"no dead-lettered notification delivery {delivery_id!r}")
            await audit(
                session,
                who,
                "notification.send_again",
                now,
                target=delivery_id,
                before={"status": "dead"},
                after={"status": "pending"},
            )
